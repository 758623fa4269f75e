package org.jgrad.optim;

/**
 * torch.optim.lr_scheduler.ReduceLROnPlateau: multiplies each group's rate by factor (down to
 * minLr) when the metric given to {@link #step(double)} has not improved for more than patience
 * steps, then waits cooldown steps before counting again. "Improved" is relative (by threshold)
 * or absolute, for a metric to minimise or to maximise.
 *
 * <pre>{@code
 * var sched = new ReduceLROnPlateau(opt, ReduceLROnPlateau.options().patience(5));
 * sched.step(validationLoss);
 * }</pre>
 */
public final class ReduceLROnPlateau {
    /** ReduceLROnPlateau's settings, with PyTorch's defaults. */
    public static final class Options {
        private boolean maximize, absolute;
        private double factor = 0.1, threshold = 1e-4, minLr, eps = 1e-8;
        private int patience = 10, cooldown;

        private Options() {}

        /** mode "max": the metric should grow. */
        public Options maximize(boolean v) {
            maximize = v;
            return this;
        }

        /** threshold_mode "abs" instead of "rel". */
        public Options absoluteThreshold(boolean v) {
            absolute = v;
            return this;
        }

        /** The lr is multiplied by this on a plateau (default 0.1). */
        public Options factor(double v) {
            factor = v;
            return this;
        }

        /** Steps without improvement before the lr drops (default 10). */
        public Options patience(int v) {
            patience = v;
            return this;
        }

        /** The least change that counts as an improvement (default 1e-4, relative). */
        public Options threshold(double v) {
            threshold = v;
            return this;
        }

        /** Steps to wait after a drop before counting again (default 0). */
        public Options cooldown(int v) {
            cooldown = v;
            return this;
        }

        /** The lr never drops below this (default 0). */
        public Options minLr(double v) {
            minLr = v;
            return this;
        }

        /** Drops smaller than this are skipped (default 1e-8). */
        public Options eps(double v) {
            eps = v;
            return this;
        }
    }

    /** PyTorch's defaults: mode min, factor 0.1, patience 10, relative threshold 1e-4. */
    public static Options options() {
        return new Options();
    }

    private final Optimizer<?> optimizer;
    private final Options o;
    private double best;
    private int badEpochs, cooldownLeft;

    /** With the defaults of {@link #options()}. */
    public ReduceLROnPlateau(Optimizer<?> optimizer) {
        this(optimizer, options());
    }

    /** With the given options. */
    public ReduceLROnPlateau(Optimizer<?> optimizer, Options options) {
        if (!(options.factor < 1)) throw new IllegalArgumentException("ReduceLROnPlateau: factor should be < 1.0, got " + options.factor);
        this.optimizer = optimizer;
        this.o = options;
        this.best = o.maximize ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
    }

    private boolean better(double a) {
        if (o.maximize) return o.absolute ? a > best + o.threshold : a > best * (o.threshold + 1);
        return o.absolute ? a < best - o.threshold : a < best * (1 - o.threshold);
    }

    /** Records one epoch's metric and lowers the rates if it has stopped improving. */
    public void step(double metric) {
        if (better(metric)) {
            best = metric;
            badEpochs = 0;
        } else {
            badEpochs++;
        }
        if (cooldownLeft > 0) {
            cooldownLeft--;
            badEpochs = 0;
        }
        if (badEpochs > o.patience) {
            for (Optimizer.ParamGroup<?> g : optimizer.paramGroups()) {
                double old = g.options().lr(), lr = Math.max(old * o.factor, o.minLr);
                if (old - lr > o.eps) g.options().lr(lr);
            }
            cooldownLeft = o.cooldown;
            badEpochs = 0;
        }
    }

    /** best, num_bad_epochs and cooldown_counter, as PyTorch's state_dict (the rates live in the optimizer). */
    public java.util.LinkedHashMap<String, Double> stateDict() {
        java.util.LinkedHashMap<String, Double> m = new java.util.LinkedHashMap<>();
        m.put("best", best);
        m.put("num_bad_epochs", (double) badEpochs);
        m.put("cooldown_counter", (double) cooldownLeft);
        return m;
    }

    /** Restores a state from {@link #stateDict()}. */
    public void loadStateDict(java.util.Map<String, Double> state) {
        for (String k : new String[] {"best", "num_bad_epochs", "cooldown_counter"}) {
            if (!state.containsKey(k)) throw new IllegalArgumentException("ReduceLROnPlateau.loadStateDict: missing " + k);
        }
        best = state.get("best");
        badEpochs = (int) (double) state.get("num_bad_epochs");
        cooldownLeft = (int) (double) state.get("cooldown_counter");
    }

    /** The best metric seen so far. */
    public double best() {
        return best;
    }
}
