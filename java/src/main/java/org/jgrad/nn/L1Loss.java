package org.jgrad.nn;

import org.jgrad.Tensor;

/** Mean absolute error, as torch.nn.L1Loss. {@code new L1Loss().forward(prediction, target)} */
public final class L1Loss extends Loss {
    /** Mean reduction. */
    public L1Loss() {
        this(Reduction.MEAN);
    }

    /** With the given reduction. */
    public L1Loss(Reduction reduction) {
        super(reduction);
    }

    @Override
    public Tensor forward(Tensor input, Tensor target) {
        return Functional.l1Loss(input, target, reduction);
    }
}
