package org.jgrad.nn;

import org.jgrad.Tensor;

/**
 * Binary cross-entropy of probabilities, as torch.nn.BCELoss (each log clamped at -100).
 * <pre>{@code var loss = new BCELoss().forward(logits.sigmoid(), targets);}</pre>
 */
public final class BCELoss extends Loss {
    /** Mean reduction. */
    public BCELoss() {
        this(null, Reduction.MEAN);
    }

    /** weight: broadcast to the input, or null (kept as the buffer "weight"). */
    public BCELoss(Tensor weight, Reduction reduction) {
        super(reduction);
        registerBuffer("weight", weight);
    }

    @Override
    public Tensor forward(Tensor input, Tensor target) {
        return Functional.binaryCrossEntropy(input, target, buffer("weight"), reduction);
    }
}
