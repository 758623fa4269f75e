package org.jgrad.optim;

/**
 * torch.optim.lr_scheduler.ExponentialLR: {@code lr = initial · γ^epoch}.
 *
 * <pre>{@code
 * var sched = new ExponentialLR(opt, 0.95);
 * }</pre>
 */
public final class ExponentialLR extends LRScheduler {
    private final double gamma;

    /** Multiplies each group's lr by {@code gamma} every step. */
    public ExponentialLR(Optimizer<?> optimizer, double gamma) {
        super(optimizer);
        this.gamma = gamma;
        start();
    }

    @Override
    double lrAt(double base, int epoch) {
        return base * Math.pow(gamma, epoch);
    }
}
