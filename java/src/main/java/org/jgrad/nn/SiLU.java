package org.jgrad.nn;

import org.jgrad.Tensor;

/**
 * x·sigmoid(x) (swish), as torch.nn.SiLU.
 * <pre>{@code Tensor y = new SiLU().forward(x);}</pre>
 */
public final class SiLU extends Module {
    @Override
    public Tensor forward(Tensor x) {
        return x.silu();
    }
}
