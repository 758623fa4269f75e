package org.jgrad.nn;

import org.jgrad.Tensor;

/** Mean squared error, as torch.nn.MSELoss. {@code new MSELoss().forward(prediction, target)} */
public final class MSELoss extends Loss {
    /** Mean reduction. */
    public MSELoss() {
        this(Reduction.MEAN);
    }

    /** With the given reduction. */
    public MSELoss(Reduction reduction) {
        super(reduction);
    }

    @Override
    public Tensor forward(Tensor input, Tensor target) {
        return Functional.mseLoss(input, target, reduction);
    }
}
