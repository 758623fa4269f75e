package org.jgrad.nn;

import org.jgrad.Tensor;

/**
 * log(1 + e^(beta·x)) / beta, linear where beta·x > threshold, as torch.nn.Softplus (beta 1,
 * threshold 20 by default).
 * <pre>{@code Tensor y = new Softplus(2, 20).forward(x);}</pre>
 */
public final class Softplus extends Module {
    private final double beta;
    private final double threshold;

    /** beta 1, threshold 20. */
    public Softplus() {
        this(1, 20);
    }

    /** log(1 + e^(beta x)) / beta, and x itself where beta x exceeds {@code threshold}. */
    public Softplus(double beta, double threshold) {
        if (!(beta > 0) || Double.isInfinite(beta))
            throw new IllegalArgumentException("Softplus: beta must be positive and finite, got " + beta);
        this.beta = beta;
        this.threshold = threshold;
    }

    @Override
    public Tensor forward(Tensor x) {
        return x.softplus(beta, threshold);
    }

    @Override
    protected String extraRepr() {
        return "beta=" + beta + ", threshold=" + threshold;
    }
}
