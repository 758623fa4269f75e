package org.jgrad.nn;

import org.jgrad.Tensor;

/** Log-softmax over a dim, as torch.nn.LogSoftmax. {@code Tensor logp = new LogSoftmax(1).forward(logits);} */
public final class LogSoftmax extends Module {
    private final int dim;

    /** log softmax along {@code dim}. */
    public LogSoftmax(int dim) {
        this.dim = dim;
    }

    @Override
    public Tensor forward(Tensor x) {
        return x.logSoftmax(dim);
    }

    @Override
    protected String extraRepr() {
        return "dim=" + dim;
    }
}
