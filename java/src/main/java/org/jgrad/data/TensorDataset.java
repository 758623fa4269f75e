package org.jgrad.data;

import java.util.Arrays;
import org.jgrad.Tensor;

/**
 * Samples that are rows of tensors sharing their first dimension, as
 * torch.utils.data.TensorDataset: sample i is {@code {t0[i], t1[i], ...}} (views, no copy).
 * <pre>{@code var ds = new TensorDataset(x, y);  // x: [N, 784], y: [N]}</pre>
 * The dataset does not own its tensors: closing them is the caller's business.
 */
public final class TensorDataset implements Dataset<Tensor[]> {
    private final Tensor[] tensors;
    private final int size;

    /** Samples along dim 0 of tensors with the same first size; sample i is the i-th row of each. */
    public TensorDataset(Tensor... tensors) {
        if (tensors.length == 0) throw new IllegalArgumentException("TensorDataset: needs at least one tensor");
        for (Tensor t : tensors) {
            if (t.dim() == 0) throw new IllegalArgumentException("TensorDataset: a tensor has no first dimension (shape [])");
        }
        long n = tensors[0].size(0);
        for (Tensor t : tensors) {
            if (t.size(0) != n) {
                StringBuilder shapes = new StringBuilder();
                for (Tensor u : tensors) shapes.append(shapes.length() == 0 ? "" : ", ").append(Arrays.toString(u.shape()));
                throw new IllegalArgumentException("TensorDataset: the tensors' first dimensions differ (shapes " + shapes
                        + "); every tensor needs the same number of rows");
            }
        }
        if (n > Integer.MAX_VALUE) throw new IllegalArgumentException("TensorDataset: " + n + " rows is more than a Dataset indexes");
        this.tensors = tensors.clone();
        this.size = (int) n;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public Tensor[] get(int index) {
        if (index < 0 || index >= size)
            throw new IndexOutOfBoundsException("TensorDataset: index " + index + " is out of range for " + size + " samples");
        Tensor[] out = new Tensor[tensors.length];
        for (int k = 0; k < tensors.length; k++) out[k] = tensors[k].select(0, index);
        return out;
    }

    /** The tensors, in the order given. */
    public Tensor[] tensors() {
        return tensors.clone();
    }
}
