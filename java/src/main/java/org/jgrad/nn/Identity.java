package org.jgrad.nn;

import org.jgrad.Tensor;

/**
 * Returns its input (a view of it, so that closing the output leaves the input open), as
 * torch.nn.Identity. {@code Module head = pretrained ? new Identity() : new Linear(512, 10);}
 */
public final class Identity extends Module {
    @Override
    public Tensor forward(Tensor x) {
        return x.reshape(x.shape());
    }
}
