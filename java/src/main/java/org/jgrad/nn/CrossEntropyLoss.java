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

        public Options ignoreIndex(long i) {
            ignoreIndex = i;
            return this;
        }

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

    public static Options options() {
        return new Options();
    }

    private final long ignoreIndex;
    private final double labelSmoothing;

    public CrossEntropyLoss() {
        this(options());
    }

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
