package org.jgrad.nn;

import org.jgrad.Tensor;

/**
 * A loss as a module, as torch.nn's loss classes: {@code forward(input, target)}; its class
 * weights, if any, are buffers (they move with {@code to(device)} and appear in the state dict).
 * <pre>{@code Tensor loss = new CrossEntropyLoss().forward(logits, labels);}</pre>
 */
public abstract class Loss extends Module {
    /** How the per-element losses are combined. */
    protected final Reduction reduction;

    /** A loss with the given reduction. */
    protected Loss(Reduction reduction) {
        this.reduction = reduction;
    }

    /** The loss of {@code input} against {@code target}. */
    public abstract Tensor forward(Tensor input, Tensor target);

    /** A loss needs a target: always throws; call {@link #forward(Tensor, Tensor)}. */
    @Override
    public final Tensor forward(Tensor x) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + ".forward needs the input and the target: forward(input, target)");
    }

    /** How the per-element losses are combined. */
    public Reduction reduction() {
        return reduction;
    }

    /** PyTorch prints a loss's options only when they differ from the defaults. */
    @Override
    protected String extraRepr() {
        return "";
    }
}
