package org.jgrad.nn;

import org.jgrad.Tensor;

/** {@code 1 / (1 + e^−x)}, as torch.nn.Sigmoid. */
public final class Sigmoid extends Module {
    @Override
    public Tensor forward(Tensor x) {
        return x.sigmoid();
    }
}
