package org.jgrad.optim;

import java.util.Arrays;

/**
 * torch.optim.lr_scheduler.MultiStepLR: {@code lr = initial · γ^k}, k the number of milestones
 * at or before the epoch.
 *
 * <pre>{@code
 * var sched = new MultiStepLR(opt, new int[] {30, 80}, 0.1);
 * }</pre>
 */
public final class MultiStepLR extends LRScheduler {
    private final int[] milestones;
    private final double gamma;

    /** With γ 0.1, PyTorch's default. */
    public MultiStepLR(Optimizer<?> optimizer, int[] milestones) {
        this(optimizer, milestones, 0.1);
    }

    /** Multiplies each group's lr by {@code gamma} at each milestone step. */
    public MultiStepLR(Optimizer<?> optimizer, int[] milestones, double gamma) {
        super(optimizer);
        this.milestones = milestones.clone();
        Arrays.sort(this.milestones);
        this.gamma = gamma;
        start();
    }

    @Override
    double lrAt(double base, int epoch) {
        int passed = 0;
        for (int m : milestones) if (m <= epoch) passed++;
        return base * Math.pow(gamma, passed);
    }
}
