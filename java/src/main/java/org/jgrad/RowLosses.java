package org.jgrad;

/**
 * Class losses per row of scores: one fused kernel forward and one backward each, on the CPU and on
 * CUDA. They are what {@link org.jgrad.nn.Functional}'s crossEntropy and nllLoss are built on;
 * Functional adds the reductions and accepts a single row. Use these directly when you want the
 * loss of every row.
 *
 * <pre>{@code
 * Tensor perRow = RowLosses.crossEntropy(logits, labels);   // logits [N, C], labels INT64 [N] -> [N]
 * }</pre>
 *
 * <p>A target outside {@code 0..C-1} is an {@link IllegalArgumentException} naming it. On the CPU
 * it is thrown by the call. On CUDA the kernel checks each target without stopping the device's
 * queue: the row's loss is NaN and the error is thrown by the next call that waits for the device
 * (reading a value, {@code Cuda.synchronize}), or by the call itself under
 * {@link Cuda#setLaunchBlocking(boolean)}.
 */
public final class RowLosses {
    private RowLosses() {}

    /** {@code loss[i] = logsumexp(logits[i, :]) - logits[i, target[i]]}, for logits [N, C] and target INT64 [N]. */
    public static Tensor crossEntropy(Tensor logits, Tensor target) {
        return crossEntropy(logits, target, false, 0);
    }

    /** As {@link #crossEntropy(Tensor, Tensor)}; rows whose target is {@code ignoreIndex} get loss 0 and no gradient. */
    public static Tensor crossEntropy(Tensor logits, Tensor target, long ignoreIndex) {
        return crossEntropy(logits, target, true, ignoreIndex);
    }

    /** {@code loss[i] = -logProbs[i, target[i]]}, for log-probabilities [N, C] and target INT64 [N]. */
    public static Tensor nllLoss(Tensor logProbs, Tensor target) {
        return nllLoss(logProbs, target, false, 0);
    }

    /** As {@link #nllLoss(Tensor, Tensor)}; rows whose target is {@code ignoreIndex} get loss 0 and no gradient. */
    public static Tensor nllLoss(Tensor logProbs, Tensor target, long ignoreIndex) {
        return nllLoss(logProbs, target, true, ignoreIndex);
    }

    private static void check(String op, String what, Tensor scores, Tensor target) {
        scores.checkOpen();
        target.checkOpen();
        Kernels.sameDevice(op, scores, target);
        Kernels.requireFloating(op, what, scores);
        if (target.dtype != DType.INT64) {
            throw new IllegalArgumentException(op + ": target must hold INT64 class indices, got " + target.dtype + " (shape "
                    + Shapes.str(target.shape) + "); build it with Tensor.of(new long[] {...})");
        }
        if (scores.shape.length != 2 || target.shape.length != 1 || target.shape[0] != scores.shape[0]) {
            throw new IllegalArgumentException(op + ": " + what + " shape " + Shapes.str(scores.shape) + " and target shape "
                    + Shapes.str(target.shape) + " do not fit; expected " + what + " [N, C] and target [N]");
        }
        if (scores.shape[1] == 0) {
            throw new IllegalArgumentException(op + ": " + what + " shape " + Shapes.str(scores.shape) + " has no classes; C must be at least 1");
        }
    }

    static Tensor crossEntropy(Tensor logits, Tensor target, boolean useIgnore, long ignore) {
        check("crossEntropy", "logits", logits, target);
        long rows = logits.shape[0], cols = logits.shape[1];
        Tensor loss = Tensor.empty(new long[] {rows}, logits.dtype, logits.device);
        Tensor lse = Tensor.empty(new long[] {rows}, DType.FLOAT64, logits.device);
        try {
            Tensor x = logits.contiguous ? logits : Kernels.contiguousCopy(logits, logits.dtype);
            try {
                Kernels.crossEntropy(loss, lse, x, target, useIgnore, ignore);
            } finally {
                if (x != logits) x.close();
            }
        } catch (RuntimeException e) {
            loss.close();
            lse.close();
            throw e;
        }
        if (Ops.recording(logits)) {
            Node.record(loss, "CrossEntropyBackward0", (ctx, g) -> {
                Tensor xs = ctx.saved(0), ts = ctx.saved(1), ls = ctx.saved(2);
                if (GradMode.enabled()) return new Tensor[] {recordedGrad(xs, ts, g, cols, useIgnore, ignore, true)};
                Tensor gx = Tensor.empty(xs.shape, xs.dtype, xs.device);
                Tensor xc = xs.contiguous ? xs : Kernels.contiguousCopy(xs, xs.dtype);
                Kernels.crossEntropyBackward(gx, xc, ls, ts, useIgnore, ignore, g.to(xs.dtype));
                if (xc != xs) xc.close();
                return new Tensor[] {gx};
            }, new Tensor[] {logits}, logits, target, lse);
        }
        lse.close();  // the node keeps its own handle to it
        return loss;
    }

    static Tensor nllLoss(Tensor logProbs, Tensor target, boolean useIgnore, long ignore) {
        check("nllLoss", "input", logProbs, target);
        long rows = logProbs.shape[0], cols = logProbs.shape[1];
        DType dtype = logProbs.dtype;
        Tensor loss = Tensor.empty(new long[] {rows}, dtype, logProbs.device);
        try {
            Kernels.nllLoss(loss, logProbs, target, useIgnore, ignore);
        } catch (RuntimeException e) {
            loss.close();
            throw e;
        }
        if (Ops.recording(logProbs)) {
            Node.record(loss, "NllLossBackward0", (ctx, g) -> {
                Tensor ts = ctx.saved(0);
                if (GradMode.enabled()) return new Tensor[] {recordedGrad(null, ts, g, cols, useIgnore, ignore, false)};
                Tensor gx = Tensor.empty(new long[] {rows, cols}, dtype, g.device);
                Kernels.nllLossBackward(gx, ts, useIgnore, ignore, g.to(dtype));
                return new Tensor[] {gx};
            }, new Tensor[] {logProbs}, target);
        }
        return loss;
    }

    /**
     * The gradient as recorded ops, for a backward that is itself differentiated (createGraph):
     * {@code g[i] * (softmax(x)[i, :] - onehot(t[i]))} for cross-entropy and {@code -g[i] * onehot(t[i])}
     * for NLL, with ignored rows 0.
     */
    private static Tensor recordedGrad(Tensor x, Tensor t, Tensor g, long cols, boolean useIgnore, long ignore, boolean softmax) {
        Tensor keep = useIgnore ? t.ne(ignore) : null;
        Tensor idx = (keep == null ? t : Tensor.where(keep, t, Tensor.zeros(DType.INT64, t.device))).unsqueeze(1);
        Tensor gcol = g.unsqueeze(1);
        if (keep != null) gcol = gcol.mul(keep.to(g.dtype).unsqueeze(1));
        Tensor picked = Indexing.scatterAdd(new long[] {t.shape[0], cols}, 1, idx, gcol);  // g[i] at row i's target
        return softmax ? x.softmax(1).mul(gcol).sub(picked) : picked.neg();
    }
}
