package org.jgrad.nn;

import org.jgrad.Tensor;

/**
 * Cross-entropy of logits against class indices, as torch.nn.CrossEntropyLoss.
 * <pre>{@code var loss = new CrossEntropyLoss(CrossEntropyLoss.options().labelSmoothing(0.1)).forward(logits, labels);}</pre>
 */
public final class CrossEntropyLoss extends Loss {
    /** PyTorch's defaults: no weight, ignoreIndex -100, MEAN, no label smoothing. */
    public static final class Options {
        Tensor weight;
        long ignoreIndex = -100;
        Reduction reduction = Reduction.MEAN;
        double labelSmoothing;

        /** A weight per class, shape [C]: the loss keeps it as its buffer "weight" and owns it from then on. */
        public Options weight(Tensor w) {
            weight = w;
            return this;
        }

        /** Targets equal to {@code i} count for nothing (default -100). */
        public Options ignoreIndex(long i) {
            ignoreIndex = i;
            return this;
        }

        /** How the per-sample losses are combined (default MEAN). */
        public Options reduction(Reduction r) {
            reduction = r;
            return this;
        }

        /** In [0, 1]: the target mixes its class with the uniform distribution by this much. */
        public Options labelSmoothing(double e) {
            if (!(e >= 0 && e <= 1)) throw new IllegalArgumentException("CrossEntropyLoss: labelSmoothing must be in [0, 1], got " + e);
            labelSmoothing = e;
            return this;
        }
    }

    /** The defaults: no class weight, ignoreIndex -100, mean reduction, no label smoothing. */
    public static Options options() {
        return new Options();
    }

    private final long ignoreIndex;
    private final double labelSmoothing;

    /** With the defaults of {@link #options()}. */
    public CrossEntropyLoss() {
        this(options());
    }

    /** With the given options. */
    public CrossEntropyLoss(Options o) {
        super(o.reduction);
        this.ignoreIndex = o.ignoreIndex;
        this.labelSmoothing = o.labelSmoothing;
        registerBuffer("weight", o.weight);
    }

    @Override
    public Tensor forward(Tensor input, Tensor target) {
        return Functional.crossEntropy(input, target, buffer("weight"), ignoreIndex, labelSmoothing, reduction);
    }
}
