package org.jgrad.optim;

import java.util.List;

/**
 * torch.optim.lr_scheduler.SequentialLR: scheduler i runs from milestone i−1 (0 for the first)
 * to milestone i, counting its epochs from 0 at its start.
 *
 * <pre>{@code
 * var sched = new SequentialLR(opt, List.of(new LinearLR(opt, 0.1, 1, 5), new CosineAnnealingLR(opt, 95)), new int[] {5});
 * }</pre>
 */
public final class SequentialLR extends LRScheduler {
    private final List<LRScheduler> schedulers;
    private final int[] milestones;

    /** Runs {@code schedulers} one after another, switching at each milestone step. */
    public SequentialLR(Optimizer<?> optimizer, List<LRScheduler> schedulers, int[] milestones) {
        super(optimizer);
        require(!schedulers.isEmpty(), "SequentialLR", "expects at least one scheduler");
        require(milestones.length == schedulers.size() - 1, "SequentialLR", "expects " + (schedulers.size() - 1)
                + " milestones for " + schedulers.size() + " schedulers, got " + milestones.length);
        for (int i = 0; i < schedulers.size(); i++) {
            require(schedulers.get(i).optimizer == optimizer, "SequentialLR", "scheduler " + i + " belongs to another optimizer");
        }
        for (int i = 1; i < milestones.length; i++) {
            require(milestones[i] > milestones[i - 1], "SequentialLR", "milestones must increase, got " + java.util.Arrays.toString(milestones));
        }
        this.schedulers = List.copyOf(schedulers);
        this.milestones = milestones.clone();
        start();
    }

    @Override
    double lrAt(double base, int epoch) {
        int i = 0;
        while (i < milestones.length && epoch >= milestones[i]) i++;
        return schedulers.get(i).lrAt(base, i == 0 ? epoch : epoch - milestones[i - 1]);
    }
}
