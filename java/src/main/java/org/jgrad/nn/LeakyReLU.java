package org.jgrad.nn;

import org.jgrad.Tensor;

/** {@code x > 0 ? x : slope · x}, as torch.nn.LeakyReLU (slope 0.01 by default). */
public final class LeakyReLU extends Module {
    private final double negativeSlope;

    /** Negative slope 0.01. */
    public LeakyReLU() {
        this(0.01);
    }

    /** x for x > 0, {@code negativeSlope * x} otherwise. */
    public LeakyReLU(double negativeSlope) {
        this.negativeSlope = negativeSlope;
    }

    @Override
    public Tensor forward(Tensor x) {
        return x.leakyRelu(negativeSlope);
    }

    @Override
    protected String extraRepr() {
        return "negative_slope=" + negativeSlope;
    }
}
