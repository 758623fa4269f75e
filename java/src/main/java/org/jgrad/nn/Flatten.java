package org.jgrad.nn;

import java.util.Arrays;
import org.jgrad.Tensor;

/**
 * Merges dims startDim..endDim into one (by default all but the batch dim), as torch.nn.Flatten.
 * {@code new Flatten().forward(images)  // [N, 1, 28, 28] -> [N, 784]}
 */
public final class Flatten extends Module {
    private final int startDim, endDim;

    /** Flattens dims 1 to the last (torch.nn.Flatten's default). */
    public Flatten() {
        this(1, -1);
    }

    /** Flattens dims {@code startDim} to {@code endDim} (negative counts from the end). */
    public Flatten(int startDim, int endDim) {
        this.startDim = startDim;
        this.endDim = endDim;
    }

    @Override
    public Tensor forward(Tensor x) {
        long[] s = x.shape();
        int n = s.length;
        int a = startDim < 0 ? startDim + n : startDim, b = endDim < 0 ? endDim + n : endDim;
        if (n == 0) return x.reshape(1);
        if (a < 0 || b >= n || a > b) {
            throw new IllegalArgumentException("Flatten: dims " + startDim + ".." + endDim + " do not fit a tensor of shape " + Arrays.toString(s));
        }
        long[] out = new long[n - (b - a)];
        int k = 0;
        for (int i = 0; i < a; i++) out[k++] = s[i];
        long m = 1;
        for (int i = a; i <= b; i++) m *= s[i];
        out[k++] = m;
        for (int i = b + 1; i < n; i++) out[k++] = s[i];
        return x.reshape(out);
    }

    @Override
    protected String extraRepr() {
        return "start_dim=" + startDim + ", end_dim=" + endDim;
    }
}
