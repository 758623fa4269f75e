package org.jgrad.nn;

import org.jgrad.Tensor;

/** Returns its input (a view of it, so that closing the output leaves the input open), as torch.nn.Identity. */
public final class Identity extends Module {
    @Override
    public Tensor forward(Tensor x) {
        return x.reshape(x.shape());
    }
}
