package org.jgrad.nn;

import java.util.Arrays;
import org.jgrad.Autograd;
import org.jgrad.DType;
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
     * 0-dim index): {@code nllLoss(logSoftmax(logits, 1), target)}.
     */
    public static Tensor crossEntropy(Tensor logits, Tensor target) {
        return crossEntropy(logits, target, Reduction.MEAN);
    }

    public static Tensor crossEntropy(Tensor logits, Tensor target, Reduction reduction) {
        floating("crossEntropy", "logits", logits);
        int classDim = logits.dim() == 1 ? 0 : 1;
        checkTargets("crossEntropy", logits, target);
        try (Scope scope = Scope.open()) {
            return scope.keep(nll("crossEntropy", logits.logSoftmax(classDim), target, reduction));
        }
    }

    /** Negative log-likelihood of log-probabilities [N, C] (or [C]) at INT64 class indices. */
    public static Tensor nllLoss(Tensor logProbs, Tensor target) {
        return nllLoss(logProbs, target, Reduction.MEAN);
    }

    public static Tensor nllLoss(Tensor logProbs, Tensor target, Reduction reduction) {
        floating("nllLoss", "input", logProbs);
        checkTargets("nllLoss", logProbs, target);
        try (Scope scope = Scope.open()) {
            return scope.keep(nll("nllLoss", logProbs, target, reduction));
        }
    }

    private static void checkTargets(String op, Tensor scores, Tensor target) {
        if (target.dtype() != DType.INT64) {
            throw new IllegalArgumentException(op + ": target must hold INT64 class indices, got " + target.dtype() + " (shape "
                    + Arrays.toString(target.shape()) + "); build it with Tensor.of(new long[] {...})");
        }
        boolean batched = scores.dim() == 2;
        if (!(batched && target.dim() == 1 && target.size(0) == scores.size(0)) && !(scores.dim() == 1 && target.dim() == 0)) {
            throw new IllegalArgumentException(op + ": input shape " + Arrays.toString(scores.shape()) + " and target shape "
                    + Arrays.toString(target.shape()) + " do not fit; expected input [N, C] with target [N], or input [C] with a 0-dim target");
        }
        long classes = scores.size(-1);
        if (target.numel() > 0) {
            try (Tensor mx = target.max(); Tensor mn = target.min()) {
                long lo, hi;
                if (target.device().isCpu()) {
                    lo = (long) mn.item();
                    hi = (long) mx.item();
                } else {
                    try (Tensor both = Tensor.stack(0, mn, mx)) {  // one read from the device instead of two
                        long[] r = both.toLongArray();
                        lo = r[0];
                        hi = r[1];
                    }
                }
                if (lo < 0 || hi >= classes) {
                    throw new IllegalArgumentException(op + ": target " + (lo < 0 ? lo : hi) + " is out of range for " + classes
                            + " classes; targets must be in 0.." + (classes - 1));
                }
            }
        }
    }

    private static Tensor nll(String op, Tensor logProbs, Tensor target, Reduction reduction) {
        boolean batched = logProbs.dim() == 2;
        Tensor lp = batched ? logProbs : logProbs.unsqueeze(0);
        Tensor t = batched ? target : target.reshape(1);
        Tensor idx = t.unsqueeze(1);
        Tensor picked = lp.gather(1, idx).reshape(-1).neg();
        Tensor out = reduce(picked, reduction);
        return batched || reduction != Reduction.NONE ? out : out.reshape();
    }

    /**
     * Binary cross-entropy of probabilities in [0, 1]:
     * {@code -(y log p + (1 - y) log(1 - p))}, each log clamped at -100 as PyTorch does.
     */
    public static Tensor binaryCrossEntropy(Tensor input, Tensor target) {
        return binaryCrossEntropy(input, target, Reduction.MEAN);
    }

    public static Tensor binaryCrossEntropy(Tensor input, Tensor target, Reduction reduction) {
        floating("binaryCrossEntropy", "input", input);
        floating("binaryCrossEntropy", "target", target);
        sameShape("binaryCrossEntropy", input, target);
        if (input.numel() > 0) {
            try (var off = Autograd.noGrad(); Tensor mx = input.max(); Tensor mn = input.min()) {
                double hi = mx.item(), lo = mn.item();
                if (!(lo >= 0 && hi <= 1)) {
                    throw new IllegalArgumentException("binaryCrossEntropy: all elements of input must be probabilities in [0, 1], found "
                            + (lo < 0 || Double.isNaN(lo) ? lo : hi) + "; apply sigmoid() to scores first");
                }
            }
        }
        try (Scope scope = Scope.open()) {
            return scope.keep(bce(input, target, reduction));
        }
    }

    private static Tensor bce(Tensor input, Tensor target, Reduction reduction) {
        Tensor perElement;
        try (var off = Autograd.noGrad()) {
            Tensor logP = Bce.clampedLog(input);
            Tensor log1mP = Bce.clampedLog(input.rsub(1.0));
            perElement = target.mul(logP).add(target.rsub(1.0).mul(log1mP)).neg();
        }
        // PyTorch's gradient: g * (p - y) / max(p (1 - p), 1e-12)
        Autograd.record(perElement, "BinaryCrossEntropyBackward0", new Tensor[] {input, target}, new Tensor[] {input, target},
                (s, g) -> {
                    Tensor p = s[0], y = s[1];
                    Tensor denom = p.rsub(1.0).mul(p).clamp(1e-12, Double.MAX_VALUE);
                    Tensor gp = g.mul(p.sub(y)).div(denom);
                    // d/dy = -(log p - log(1 - p)) with the clamped logs
                    Tensor gy = Bce.clampedLog(p.rsub(1.0)).sub(Bce.clampedLog(p)).mul(g);
                    return new Tensor[] {gp, gy};
                });
        return reduce(perElement, reduction);
    }

    /** log clamped below at -100, as in PyTorch's binary cross-entropy. */
    private static final class Bce {
        static Tensor clampedLog(Tensor x) {
            try (var off = Autograd.noGrad()) {
                return x.log().clamp(-100, Double.MAX_VALUE);
            }
        }
    }
}
