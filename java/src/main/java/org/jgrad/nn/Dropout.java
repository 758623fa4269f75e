package org.jgrad.nn;

import org.jgrad.Tensor;

/**
 * Inverted dropout, as torch.nn.Dropout: zeroes elements with probability p in training (and
 * scales the rest by 1 / (1 - p)); the identity in eval mode.
 * <pre>{@code var net = new Sequential(new Linear(784, 256), new ReLU(), new Dropout(0.2), new Linear(256, 10));}</pre>
 */
public final class Dropout extends Module {
    private final double p;

    /** p = 0.5. */
    public Dropout() {
        this(0.5);
    }

    /** Zeroes each element with probability {@code p} in training and scales the rest by 1 / (1 - p). */
    public Dropout(double p) {
        if (!(p >= 0 && p <= 1)) throw new IllegalArgumentException("Dropout: p must be in [0, 1], got " + p);
        this.p = p;
    }

    @Override
    public Tensor forward(Tensor x) {
        return Functional.dropout(x, p, isTraining());
    }

    @Override
    protected String extraRepr() {
        return "p=" + p + ", inplace=False";
    }
}
