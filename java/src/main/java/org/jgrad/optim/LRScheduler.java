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

    /** The scheduler's state, as PyTorch's state_dict: last_epoch and base_lrs.I (one per group). */
    public java.util.LinkedHashMap<String, Double> stateDict() {
        java.util.LinkedHashMap<String, Double> m = new java.util.LinkedHashMap<>();
        m.put("last_epoch", (double) lastEpoch);
        for (int i = 0; i < baseLrs.length; i++) m.put("base_lrs." + i, baseLrs[i]);
        return m;
    }

    /** Restores {@link #stateDict()} and sets the groups' rates for that epoch. */
    public void loadStateDict(java.util.Map<String, Double> state) {
        Double e = state.get("last_epoch");
        require(e != null && e >= 0 && e == Math.rint(e), getClass().getSimpleName(), "state dict needs a whole last_epoch >= 0, got " + e);
        double[] base = new double[baseLrs.length];
        for (int i = 0; i < base.length; i++) {
            Double b = state.get("base_lrs." + i);
            require(b != null, getClass().getSimpleName(), "state dict lacks base_lrs." + i + " (this optimizer has " + base.length + " groups)");
            base[i] = b;
        }
        System.arraycopy(base, 0, baseLrs, 0, base.length);
        lastEpoch = (int) (double) e;
        apply();
    }

    static void require(boolean ok, String scheduler, String message) {
        if (!ok) throw new IllegalArgumentException(scheduler + ": " + message);
    }
}
