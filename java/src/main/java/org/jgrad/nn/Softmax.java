package org.jgrad.nn;

import org.jgrad.Tensor;

/** Softmax over a dim, as torch.nn.Softmax. {@code Tensor probs = new Softmax(1).forward(logits);} */
public final class Softmax extends Module {
    private final int dim;

    /** Softmax along {@code dim}. */
    public Softmax(int dim) {
        this.dim = dim;
    }

    @Override
    public Tensor forward(Tensor x) {
        return x.softmax(dim);
    }

    @Override
    protected String extraRepr() {
        return "dim=" + dim;
    }
}
