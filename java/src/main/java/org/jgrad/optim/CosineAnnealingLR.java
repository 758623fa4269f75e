package org.jgrad.optim;

/**
 * torch.optim.lr_scheduler.CosineAnnealingLR (its closed form):
 * {@code lr = η_min + (initial − η_min) (1 + cos(π · epoch / T_max)) / 2}.
 *
 * <pre>{@code
 * var sched = new CosineAnnealingLR(opt, 100, 1e-5);
 * }</pre>
 */
public final class CosineAnnealingLR extends LRScheduler {
    private final int tMax;
    private final double etaMin;

    /** With η_min 0, PyTorch's default. */
    public CosineAnnealingLR(Optimizer<?> optimizer, int tMax) {
        this(optimizer, tMax, 0);
    }

    /** From each group's lr down to {@code etaMin} over {@code tMax} steps along a half cosine. */
    public CosineAnnealingLR(Optimizer<?> optimizer, int tMax, double etaMin) {
        super(optimizer);
        require(tMax > 0, "CosineAnnealingLR", "tMax must be positive, got " + tMax);
        this.tMax = tMax;
        this.etaMin = etaMin;
        start();
    }

    @Override
    double lrAt(double base, int epoch) {
        return etaMin + (base - etaMin) * (1 + Math.cos(Math.PI * epoch / tMax)) / 2;
    }
}
