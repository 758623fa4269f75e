package org.jgrad.optim;

/**
 * torch.optim.lr_scheduler.LinearLR, a warm-up: the rate's factor goes linearly from startFactor
 * to endFactor over totalIters epochs and stays there,
 * {@code lr = initial · (s + (e − s) · min(epoch, T) / T)}.
 *
 * <pre>{@code
 * var warmup = new LinearLR(opt, 0.1, 1.0, 5);
 * }</pre>
 */
public final class LinearLR extends LRScheduler {
    private final double startFactor, endFactor;
    private final int totalIters;

    /** PyTorch's defaults: from 1/3 to 1 over 5 epochs. */
    public LinearLR(Optimizer<?> optimizer) {
        this(optimizer, 1.0 / 3, 1.0, 5);
    }

    /** Scales each group's lr from {@code startFactor} to {@code endFactor} linearly over {@code totalIters} steps (a warm-up). */
    public LinearLR(Optimizer<?> optimizer, double startFactor, double endFactor, int totalIters) {
        super(optimizer);
        require(startFactor > 0 && startFactor <= 1, "LinearLR", "startFactor must be in (0, 1], got " + startFactor);
        require(endFactor >= 0 && endFactor <= 1, "LinearLR", "endFactor must be in [0, 1], got " + endFactor);
        require(totalIters > 0, "LinearLR", "totalIters must be positive, got " + totalIters);
        this.startFactor = startFactor;
        this.endFactor = endFactor;
        this.totalIters = totalIters;
        start();
    }

    @Override
    double lrAt(double base, int epoch) {
        return base * (startFactor + (endFactor - startFactor) * Math.min(totalIters, epoch) / totalIters);
    }
}
