package org.jgrad.nn;

import org.jgrad.Tensor;

/**
 * Binary cross-entropy of logits in the stable form, as torch.nn.BCEWithLogitsLoss; posWeight
 * weighs the positive class (per class, broadcast over the last dimension).
 * <pre>{@code var loss = new BCEWithLogitsLoss().forward(logits, targets);}</pre>
 */
public final class BCEWithLogitsLoss extends Loss {
    /** Mean reduction, no class weight or positive weight. */
    public BCEWithLogitsLoss() {
        this(null, null, Reduction.MEAN);
    }

    /** weight and posWeight may be null (kept as the buffers "weight" and "pos_weight"). */
    public BCEWithLogitsLoss(Tensor weight, Tensor posWeight, Reduction reduction) {
        super(reduction);
        registerBuffer("weight", weight);
        registerBuffer("pos_weight", posWeight);
    }

    @Override
    public Tensor forward(Tensor input, Tensor target) {
        return Functional.binaryCrossEntropyWithLogits(input, target, buffer("weight"), buffer("pos_weight"), reduction);
    }
}
