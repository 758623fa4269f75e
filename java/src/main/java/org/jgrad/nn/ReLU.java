package org.jgrad.nn;

import org.jgrad.Tensor;

/** {@code max(x, 0)}, as torch.nn.ReLU. */
public final class ReLU extends Module {
    @Override
    public Tensor forward(Tensor x) {
        return x.relu();
    }
}
