package org.jgrad.optim;

/**
 * torch.optim.lr_scheduler.StepLR: {@code lr = initial · γ^⌊epoch / stepSize⌋}.
 *
 * <pre>{@code
 * var sched = new StepLR(opt, 30, 0.1);   // 0.05 until epoch 30, then 0.005, ...
 * }</pre>
 */
public final class StepLR extends LRScheduler {
    private final int stepSize;
    private final double gamma;

    /** With γ 0.1, PyTorch's default. */
    public StepLR(Optimizer<?> optimizer, int stepSize) {
        this(optimizer, stepSize, 0.1);
    }

    /** Multiplies each group's lr by {@code gamma} every {@code stepSize} steps. */
    public StepLR(Optimizer<?> optimizer, int stepSize, double gamma) {
        super(optimizer);
        require(stepSize > 0, "StepLR", "stepSize must be positive, got " + stepSize);
        this.stepSize = stepSize;
        this.gamma = gamma;
        start();
    }

    @Override
    double lrAt(double base, int epoch) {
        return base * Math.pow(gamma, Math.floorDiv(epoch, stepSize));
    }
}
