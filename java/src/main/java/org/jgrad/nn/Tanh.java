package org.jgrad.nn;

import org.jgrad.Tensor;

/** {@code tanh x}, as torch.nn.Tanh. */
public final class Tanh extends Module {
    @Override
    public Tensor forward(Tensor x) {
        return x.tanh();
    }
}
