package org.jgrad.data;

import java.util.Arrays;

/**
 * The samples of a dataset at chosen indices, in that order, as torch.utils.data.Subset.
 * <pre>{@code var firstHundred = new Subset<>(ds, IntStream.range(0, 100).toArray());}</pre>
 */
public final class Subset<T> implements Dataset<T> {
    private final Dataset<T> dataset;
    private final int[] indices;

    /** The samples of {@code dataset} at {@code indices}, in that order. */
    public Subset(Dataset<T> dataset, int[] indices) {
        int n = dataset.size();
        for (int i : indices) {
            if (i < 0 || i >= n) throw new IndexOutOfBoundsException("Subset: index " + i + " is out of range for a dataset of " + n + " samples");
        }
        this.dataset = dataset;
        this.indices = indices.clone();
    }

    @Override
    public int size() {
        return indices.length;
    }

    @Override
    public T get(int index) {
        if (index < 0 || index >= indices.length)
            throw new IndexOutOfBoundsException("Subset: index " + index + " is out of range for " + indices.length + " samples");
        return dataset.get(indices[index]);
    }

    /** The dataset this selects from. */
    public Dataset<T> dataset() {
        return dataset;
    }

    /** The selected indices into {@link #dataset()}. */
    public int[] indices() {
        return indices.clone();
    }

    @Override
    public String toString() {
        return "Subset(" + indices.length + " of " + dataset.size() + ": " + Arrays.toString(Arrays.copyOf(indices, Math.min(5, indices.length)))
                + (indices.length > 5 ? "...)" : ")");
    }
}
