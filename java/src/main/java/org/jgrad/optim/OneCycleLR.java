package org.jgrad.optim;

import java.util.List;

/**
 * torch.optim.lr_scheduler.OneCycleLR: the rate rises from maxLr / divFactor to maxLr over the
 * first pctStart of totalSteps, then anneals to maxLr / (divFactor · finalDivFactor) (with
 * threePhase: back to the start first, then down); cosine or linear. With cycleMomentum (on by
 * default) the momentum (SGD) or β₁ (Adam, AdamW) moves the other way, between maxMomentum and
 * baseMomentum. Step it after every batch, as in PyTorch; more than totalSteps steps is an error.
 *
 * <pre>{@code
 * var sched = new OneCycleLR(opt, OneCycleLR.options(0.1, epochs * batchesPerEpoch));
 * }</pre>
 */
public final class OneCycleLR extends LRScheduler {
    /** OneCycleLR's settings, with PyTorch's defaults. */
    public static final class Options {
        private final double maxLr;
        private final int totalSteps;
        private double pctStart = 0.3, divFactor = 25, finalDivFactor = 1e4, baseMomentum = 0.85, maxMomentum = 0.95;
        private boolean cosine = true, cycleMomentum = true, threePhase;

        private Options(double maxLr, int totalSteps) {
            this.maxLr = maxLr;
            this.totalSteps = totalSteps;
        }

        /** Fraction of the steps spent increasing the lr (default 0.3). */
        public Options pctStart(double v) {
            pctStart = v;
            return this;
        }

        /** Anneal linearly instead of by a cosine (anneal_strategy "linear"). */
        public Options linear(boolean v) {
            cosine = !v;
            return this;
        }

        /** The initial lr is maxLr / divFactor (default 25). */
        public Options divFactor(double v) {
            divFactor = v;
            return this;
        }

        /** The last lr is the initial lr / finalDivFactor (default 1e4). */
        public Options finalDivFactor(double v) {
            finalDivFactor = v;
            return this;
        }

        /** A third phase that anneals below the initial lr (default false). */
        public Options threePhase(boolean v) {
            threePhase = v;
            return this;
        }

        /** Cycle the momentum (or Adam's beta1) inversely to the lr (default true). */
        public Options cycleMomentum(boolean v) {
            cycleMomentum = v;
            return this;
        }

        /** The momentum range of the cycle (default 0.85 to 0.95). */
        public Options momentum(double base, double max) {
            baseMomentum = base;
            maxMomentum = max;
            return this;
        }
    }

    /** PyTorch's defaults for a cycle to {@code maxLr} over {@code totalSteps} steps. */
    public static Options options(double maxLr, int totalSteps) {
        return new Options(maxLr, totalSteps);
    }

    private final Options o;
    // the phases: end step, start and end factor of the rate (of maxLr) and of the momentum
    private final double[] ends;
    private final double[][] lrs, moms;

    /** Sets each group's lr (and momentum) for step 0 of the cycle. */
    public OneCycleLR(Optimizer<?> optimizer, Options options) {
        super(optimizer);
        require(options.totalSteps > 0, "OneCycleLR", "totalSteps must be positive, got " + options.totalSteps);
        require(options.pctStart >= 0 && options.pctStart <= 1, "OneCycleLR", "pctStart must be in [0, 1], got " + options.pctStart);
        this.o = options;
        double initial = o.maxLr / o.divFactor, min = initial / o.finalDivFactor, t = o.totalSteps, p = o.pctStart;
        if (o.threePhase) {
            ends = new double[] {p * t - 1, 2 * p * t - 2, t - 1};
            lrs = new double[][] {{initial, o.maxLr}, {o.maxLr, initial}, {initial, min}};
            moms = new double[][] {{o.maxMomentum, o.baseMomentum}, {o.baseMomentum, o.maxMomentum}, {o.maxMomentum, o.maxMomentum}};
        } else {
            ends = new double[] {p * t - 1, t - 1};
            lrs = new double[][] {{initial, o.maxLr}, {o.maxLr, min}};
            moms = new double[][] {{o.maxMomentum, o.baseMomentum}, {o.baseMomentum, o.maxMomentum}};
        }
        if (o.cycleMomentum) {
            for (Optimizer.ParamGroup<?> g : optimizer.paramGroups()) {
                Object opts = g.options();
                require(opts instanceof SGD.Options || opts instanceof Adam.Options, "OneCycleLR",
                        "cycleMomentum needs an optimizer with momentum or betas (SGD, Adam, AdamW); pass cycleMomentum(false)");
            }
        }
        for (Optimizer.ParamGroup<?> g : optimizer.paramGroups()) g.initialLr = initial;
        java.util.Arrays.fill(baseLrs, initial);
        start();
    }

    private double at(double[][] values, int step) {
        require(step <= o.totalSteps, "OneCycleLR", "tried to step " + step + " times; totalSteps is " + o.totalSteps);
        double start = 0;
        for (int i = 0; i < ends.length; i++) {
            if (step <= ends[i] || i == ends.length - 1) {
                double pct = (step - start) / (ends[i] - start), a = values[i][0], b = values[i][1];
                return o.cosine ? b + (a - b) / 2 * (Math.cos(Math.PI * pct) + 1) : (b - a) * pct + a;
            }
            start = ends[i];
        }
        throw new AssertionError();
    }

    @Override
    double lrAt(double base, int epoch) {
        return at(lrs, epoch);
    }

    @Override
    void apply() {
        super.apply();
        if (!o.cycleMomentum) return;
        double m = at(moms, lastEpoch);
        List<? extends Optimizer.ParamGroup<?>> groups = optimizer.paramGroups();
        for (Optimizer.ParamGroup<?> g : groups) {
            Object opts = g.options();
            if (opts instanceof SGD.Options) ((SGD.Options) opts).momentum(m);
            else ((Adam.Options) opts).beta1(m);
        }
    }
}
