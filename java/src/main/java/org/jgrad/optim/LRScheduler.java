package org.jgrad.optim;

import java.util.List;

/**
 * Sets the learning rate of each parameter group of an optimizer from the epoch count, as
 * torch.optim.lr_scheduler does: made, it sets the rate for epoch 0; each {@link #step()} counts
 * an epoch and sets the next. Each scheduler computes its rate in closed form from the group's
 * initial rate (the rate found by the first scheduler made for the optimizer, PyTorch's
 * initial_lr), so the values are those of PyTorch's closed forms; to run schedulers one after
 * another, use {@link SequentialLR}.
 *
 * <pre>{@code
 * var sched = new CosineAnnealingLR(opt, 100);
 * for (int epoch = 0; epoch < 100; epoch++) { train(opt); sched.step(); }
 * }</pre>
 */
public abstract class LRScheduler {
    final Optimizer<?> optimizer;
    final double[] baseLrs;
    int lastEpoch;

    LRScheduler(Optimizer<?> optimizer) {
        this.optimizer = optimizer;
        List<? extends Optimizer.ParamGroup<?>> groups = optimizer.paramGroups();
        baseLrs = new double[groups.size()];
        for (int i = 0; i < baseLrs.length; i++) {
            Optimizer.ParamGroup<?> g = groups.get(i);
            if (Double.isNaN(g.initialLr)) g.initialLr = g.options().lr();
            baseLrs[i] = g.initialLr;
        }
    }

    /** Sets the rates for epoch 0; the last line of every subclass's constructor. */
    final void start() {
        lastEpoch = 0;
        apply();
    }

    /** The rate at epoch e of a group whose initial rate is base. */
    abstract double lrAt(double base, int epoch);

    /** Counts an epoch and sets the rates for it. */
    public void step() {
        lastEpoch++;
        apply();
    }

    void apply() {
        List<? extends Optimizer.ParamGroup<?>> groups = optimizer.paramGroups();
        for (int i = 0; i < baseLrs.length && i < groups.size(); i++) groups.get(i).options().lr(lrAt(baseLrs[i], lastEpoch));
    }

    /** Epochs counted so far (0 when made). */
    public int lastEpoch() {
        return lastEpoch;
    }

    /** The rate this scheduler set last, per parameter group. */
    public double[] lastLr() {
        double[] out = new double[baseLrs.length];
        for (int i = 0; i < out.length; i++) out[i] = lrAt(baseLrs[i], lastEpoch);
        return out;
    }

    static void require(boolean ok, String scheduler, String message) {
        if (!ok) throw new IllegalArgumentException(scheduler + ": " + message);
    }
}
