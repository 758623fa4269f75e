package org.jgrad.nn;

import java.util.Arrays;
import org.jgrad.Autograd;
import org.jgrad.DType;
import org.jgrad.ElementLosses;
import org.jgrad.RowLosses;
import org.jgrad.Scope;
import org.jgrad.Tensor;

/**
 * Loss functions with PyTorch's definitions and default reductions.
 *
 * <pre>{@code
 * Tensor loss = Functional.crossEntropy(logits, labels);   // logits [N, C], labels INT64 [N]
 * }</pre>
 */
public final class Functional {
    private Functional() {}

    private static void sameShape(String op, Tensor input, Tensor target) {
        if (!Arrays.equals(input.shape(), target.shape())) {
            throw new IllegalArgumentException(op + ": input shape " + Arrays.toString(input.shape()) + " and target shape "
                    + Arrays.toString(target.shape()) + " differ; they must be equal");
        }
    }

    private static void floating(String op, String what, Tensor t) {
        if (!t.dtype().isFloatingPoint()) {
            throw new IllegalArgumentException(op + ": " + what + " must be FLOAT32 or FLOAT64, got " + t.dtype() + " (shape "
                    + Arrays.toString(t.shape()) + ")");
        }
    }

    private static Tensor reduce(Tensor perElement, Reduction reduction) {
        switch (reduction) {
            case SUM: return perElement.sum();
            case NONE: return perElement;
            default: return perElement.mean();
        }
    }

    /** Mean squared error, mean((input - target)^2). */
    public static Tensor mseLoss(Tensor input, Tensor target) {
        return mseLoss(input, target, Reduction.MEAN);
    }

    public static Tensor mseLoss(Tensor input, Tensor target, Reduction reduction) {
        floating("mseLoss", "input", input);
        floating("mseLoss", "target", target);
        sameShape("mseLoss", input, target);
        try (Scope scope = Scope.open()) {
            return scope.keep(reduce(input.sub(target).pow(2), reduction));
        }
    }

    /**
     * Cross-entropy of raw scores (logits [N, C] or [C]) against INT64 class indices ([N] or a
     * 0-dim index): {@code nllLoss(logSoftmax(logits, 1), target)}, computed by one fused kernel per
     * direction ({@link RowLosses}). A target outside 0..C-1 is an IllegalArgumentException; on CUDA
     * it is thrown by the next call that waits for the device (see {@link RowLosses}).
     */
    public static Tensor crossEntropy(Tensor logits, Tensor target) {
        return crossEntropy(logits, target, Reduction.MEAN);
    }

    public static Tensor crossEntropy(Tensor logits, Tensor target, Reduction reduction) {
        return classLoss(true, logits, target, reduction, false, 0);
    }

    /**
     * As {@link #crossEntropy(Tensor, Tensor, Reduction)}, except that rows whose target is
     * {@code ignoreIndex} add nothing, and MEAN divides by the number of the other rows (PyTorch's
     * ignore_index; PyTorch's default is -100, which marks padding).
     */
    public static Tensor crossEntropy(Tensor logits, Tensor target, Reduction reduction, long ignoreIndex) {
        return classLoss(true, logits, target, reduction, true, ignoreIndex);
    }

    /** Negative log-likelihood of log-probabilities [N, C] (or [C]) at INT64 class indices. */
    public static Tensor nllLoss(Tensor logProbs, Tensor target) {
        return nllLoss(logProbs, target, Reduction.MEAN);
    }

    public static Tensor nllLoss(Tensor logProbs, Tensor target, Reduction reduction) {
        return classLoss(false, logProbs, target, reduction, false, 0);
    }

    /** As {@link #nllLoss(Tensor, Tensor, Reduction)}, with rows whose target is {@code ignoreIndex} left out. */
    public static Tensor nllLoss(Tensor logProbs, Tensor target, Reduction reduction, long ignoreIndex) {
        return classLoss(false, logProbs, target, reduction, true, ignoreIndex);
    }

    /** crossEntropy (ce) or nllLoss of [N, C] or [C] scores: the row losses of {@link RowLosses}, reduced. */
    private static Tensor classLoss(boolean ce, Tensor scores, Tensor target, Reduction reduction, boolean useIgnore, long ignore) {
        String op = ce ? "crossEntropy" : "nllLoss";
        floating(op, ce ? "logits" : "input", scores);
        if (target.dtype() != DType.INT64) {
            throw new IllegalArgumentException(op + ": target must hold INT64 class indices, got " + target.dtype() + " (shape "
                    + Arrays.toString(target.shape()) + "); build it with Tensor.of(new long[] {...})");
        }
        boolean batched = scores.dim() == 2;
        if (!(batched && target.dim() == 1 && target.size(0) == scores.size(0)) && !(scores.dim() == 1 && target.dim() == 0)) {
            throw new IllegalArgumentException(op + ": input shape " + Arrays.toString(scores.shape()) + " and target shape "
                    + Arrays.toString(target.shape()) + " do not fit; expected input [N, C] with target [N], or input [C] with a 0-dim target");
        }
        try (Scope scope = Scope.open()) {
            Tensor x = batched ? scores : scores.unsqueeze(0);
            Tensor t = batched ? target : target.reshape(1);
            Tensor perRow = ce
                    ? (useIgnore ? RowLosses.crossEntropy(x, t, ignore) : RowLosses.crossEntropy(x, t))
                    : (useIgnore ? RowLosses.nllLoss(x, t, ignore) : RowLosses.nllLoss(x, t));
            Tensor out;
            if (reduction == Reduction.MEAN && useIgnore) {
                out = perRow.sum().div(t.ne(ignore).sum().to(scores.dtype()));  // 0/0 = NaN when every row is ignored, as in PyTorch
            } else {
                out = reduce(perRow, reduction);
                if (!batched && reduction == Reduction.NONE) out = out.reshape();
            }
            return scope.keep(out);
        }
    }

    /**
     * Binary cross-entropy of probabilities in [0, 1]:
     * {@code -(y log p + (1 - y) log(1 - p))}, each log clamped at -100 as PyTorch does.
     */
    public static Tensor binaryCrossEntropy(Tensor input, Tensor target) {
        return binaryCrossEntropy(input, target, Reduction.MEAN);
    }

    /** As {@link #binaryCrossEntropy(Tensor, Tensor)}, reduced as asked; see {@link ElementLosses#binaryCrossEntropy}. */
    public static Tensor binaryCrossEntropy(Tensor input, Tensor target, Reduction reduction) {
        if (reduction == Reduction.NONE) return ElementLosses.binaryCrossEntropy(input, target);
        try (Scope scope = Scope.open()) {
            return scope.keep(reduce(ElementLosses.binaryCrossEntropy(input, target), reduction));
        }
    }
}
