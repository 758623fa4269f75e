package org.jgrad.nn;

import org.jgrad.Tensor;

/**
 * Negative log-likelihood of log-probabilities at class indices, as torch.nn.NLLLoss.
 * <pre>{@code var loss = new NLLLoss().forward(logits.logSoftmax(1), labels);}</pre>
 */
public final class NLLLoss extends Loss {
    private final long ignoreIndex;

    /** Mean reduction, no class weight, ignoreIndex -100. */
    public NLLLoss() {
        this(null, -100, Reduction.MEAN);
    }

    /** weight: one per class, [C], or null (kept as the buffer "weight"). */
    public NLLLoss(Tensor weight, long ignoreIndex, Reduction reduction) {
        super(reduction);
        this.ignoreIndex = ignoreIndex;
        registerBuffer("weight", weight);
    }

    @Override
    public Tensor forward(Tensor input, Tensor target) {
        return Functional.nllLoss(input, target, buffer("weight"), ignoreIndex, reduction);
    }
}
