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

    /** Squared error with a chosen reduction. */
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

    /** Cross-entropy of logits and class indices with a chosen reduction. */
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

    /** Negative log-likelihood of log-probabilities and class indices with a chosen reduction. */
    public static Tensor nllLoss(Tensor logProbs, Tensor target, Reduction reduction) {
        return classLoss(false, logProbs, target, reduction, false, 0);
    }

    /** As {@link #nllLoss(Tensor, Tensor, Reduction)}, with rows whose target is {@code ignoreIndex} left out. */
    public static Tensor nllLoss(Tensor logProbs, Tensor target, Reduction reduction, long ignoreIndex) {
        return classLoss(false, logProbs, target, reduction, true, ignoreIndex);
    }

    /** crossEntropy (ce) or nllLoss of [N, C] or [C] scores: the row losses of {@link RowLosses}, reduced. */
    /** The input [N, C] with target [N], or [C] with a 0-dim target; the target INT64. */
    private static void checkClassTarget(String op, String what, Tensor scores, Tensor target) {
        floating(op, what, scores);
        if (target.dtype() != DType.INT64) {
            throw new IllegalArgumentException(op + ": target must hold INT64 class indices, got " + target.dtype() + " (shape "
                    + Arrays.toString(target.shape()) + "); build it with Tensor.of(new long[] {...})");
        }
        boolean batched = scores.dim() == 2;
        if (!(batched && target.dim() == 1 && target.size(0) == scores.size(0)) && !(scores.dim() == 1 && target.dim() == 0)) {
            throw new IllegalArgumentException(op + ": input shape " + Arrays.toString(scores.shape()) + " and target shape "
                    + Arrays.toString(target.shape()) + " do not fit; expected input [N, C] with target [N], or input [C] with a 0-dim target");
        }
    }

    private static Tensor classLoss(boolean ce, Tensor scores, Tensor target, Reduction reduction, boolean useIgnore, long ignore) {
        String op = ce ? "crossEntropy" : "nllLoss";
        checkClassTarget(op, ce ? "logits" : "input", scores, target);
        boolean batched = scores.dim() == 2;
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
    /** Mean absolute error, mean(|input - target|). */
    public static Tensor l1Loss(Tensor input, Tensor target) {
        return l1Loss(input, target, Reduction.MEAN);
    }

    /** Absolute error with a chosen reduction. */
    public static Tensor l1Loss(Tensor input, Tensor target, Reduction reduction) {
        floating("l1Loss", "input", input);
        floating("l1Loss", "target", target);
        sameShape("l1Loss", input, target);
        try (Scope scope = Scope.open()) {
            return scope.keep(reduce(input.sub(target).abs(), reduction));
        }
    }

    private static void classWeight(String op, Tensor weight, Tensor scores) {
        if (weight == null) return;
        floating(op, "weight", weight);
        long c = scores.size(scores.dim() - 1);
        if (weight.dim() != 1 || weight.size(0) != c)
            throw new IllegalArgumentException(op + ": weight has shape " + Arrays.toString(weight.shape()) + "; it needs one value per class, shape [" + c + "]");
        if (!weight.device().equals(scores.device()))
            throw new IllegalArgumentException(op + ": weight is on " + weight.device() + " and the input on " + scores.device() + "; move them to one device");
    }

    /**
     * torch.nn.functional.cross_entropy with every option: class {@code weight} ([C], or null),
     * {@code ignoreIndex} (PyTorch's default -100), {@code labelSmoothing} in [0, 1] (the target
     * mixes the class with the uniform distribution) and the reduction. With a weight, MEAN divides
     * by the summed weights of the rows' classes, as PyTorch does.
     */
    public static Tensor crossEntropy(Tensor logits, Tensor target, Tensor weight, long ignoreIndex, double labelSmoothing, Reduction reduction) {
        if (!(labelSmoothing >= 0 && labelSmoothing <= 1))
            throw new IllegalArgumentException("crossEntropy: labelSmoothing must be in [0, 1], got " + labelSmoothing);
        floating("crossEntropy", "logits", logits);
        classWeight("crossEntropy", weight, logits);
        if (weight == null && labelSmoothing == 0) return classLoss(true, logits, target, reduction, true, ignoreIndex);
        checkClassTarget("crossEntropy", "logits", logits, target);
        try (Scope scope = Scope.open()) {
            boolean batched = logits.dim() == 2;
            Tensor x = batched ? logits : logits.unsqueeze(0);
            Tensor t = batched ? target : target.reshape(1);
            Tensor logp = x.logSoftmax(1);
            Tensor nll = weightedNll(logp, t, weight, ignoreIndex, reduction);
            if (labelSmoothing == 0) return scope.keep(unbatch(nll, batched, reduction));
            Tensor kept = t.ne(ignoreIndex);
            Tensor smooth = (weight == null ? logp : logp.mul(weight.unsqueeze(0))).sum(1).neg();
            smooth = Tensor.where(kept, smooth, Tensor.zerosLike(smooth));
            Tensor ret;
            switch (reduction) {
                case NONE: ret = smooth; break;
                case SUM: ret = smooth.sum(); break;
                default: ret = smooth.sum().div(weight == null ? kept.sum().to(logits.dtype()) : picked(weight, t, kept).sum());
            }
            long c = x.size(1);
            Tensor out = nll.mul(1 - labelSmoothing).add(ret.mul(labelSmoothing / c));
            return scope.keep(unbatch(out, batched, reduction));
        }
    }

    private static Tensor unbatch(Tensor out, boolean batched, Reduction reduction) {
        return !batched && reduction == Reduction.NONE ? out.reshape() : out;
    }

    /** weight[t] where kept, 0 elsewhere (an ignored row may hold an index outside the classes). */
    private static Tensor picked(Tensor weight, Tensor t, Tensor kept) {
        Tensor safe = Tensor.where(kept, t, Tensor.zerosLike(t));
        Tensor w = weight.indexSelect(0, safe);
        return Tensor.where(kept, w, Tensor.zerosLike(w));
    }

    /** -weight[t] * logp[t] per row (0 for ignored rows), reduced as PyTorch's weighted nll_loss. */
    private static Tensor weightedNll(Tensor logp, Tensor t, Tensor weight, long ignoreIndex, Reduction reduction) {
        Tensor perRow = RowLosses.nllLoss(logp, t, ignoreIndex);
        Tensor kept = t.ne(ignoreIndex);
        Tensor w = weight == null ? kept.to(logp.dtype()) : picked(weight, t, kept);
        Tensor loss = weight == null ? perRow : perRow.mul(w);
        switch (reduction) {
            case NONE: return loss;
            case SUM: return loss.sum();
            default: return loss.sum().div(w.sum());
        }
    }

    /** torch.nn.functional.nll_loss with class {@code weight} ([C], or null), ignoreIndex and the reduction. */
    public static Tensor nllLoss(Tensor logProbs, Tensor target, Tensor weight, long ignoreIndex, Reduction reduction) {
        floating("nllLoss", "input", logProbs);
        classWeight("nllLoss", weight, logProbs);
        if (weight == null) return classLoss(false, logProbs, target, reduction, true, ignoreIndex);
        checkClassTarget("nllLoss", "input", logProbs, target);
        try (Scope scope = Scope.open()) {
            boolean batched = logProbs.dim() == 2;
            Tensor x = batched ? logProbs : logProbs.unsqueeze(0);
            Tensor t = batched ? target : target.reshape(1);
            return scope.keep(unbatch(weightedNll(x, t, weight, ignoreIndex, reduction), batched, reduction));
        }
    }

    /** Binary cross-entropy with an elementwise {@code weight} (broadcast to the input; null for none). */
    public static Tensor binaryCrossEntropy(Tensor input, Tensor target, Tensor weight, Reduction reduction) {
        if (weight == null) return binaryCrossEntropy(input, target, reduction);
        floating("binaryCrossEntropy", "weight", weight);
        try (Scope scope = Scope.open()) {
            return scope.keep(reduce(ElementLosses.binaryCrossEntropy(input, target).mul(weight), reduction));
        }
    }

    /** {@link #binaryCrossEntropyWithLogits(Tensor, Tensor, Tensor, Tensor, Reduction)} with no weights, mean. */
    public static Tensor binaryCrossEntropyWithLogits(Tensor input, Tensor target) {
        return binaryCrossEntropyWithLogits(input, target, null, null, Reduction.MEAN);
    }

    /**
     * Binary cross-entropy of logits, in the stable form PyTorch uses:
     * {@code (1 - y)·x - (1 + (posWeight - 1)·y)·logσ(x)}, with logσ(x) = min(x, 0) - log1p(e^-|x|), so
     * no exponential overflows. {@code weight} scales each element and {@code posWeight} the positive
     * term (both broadcast; null for none).
     */
    public static Tensor binaryCrossEntropyWithLogits(Tensor input, Tensor target, Tensor weight, Tensor posWeight, Reduction reduction) {
        String op = "binaryCrossEntropyWithLogits";
        floating(op, "input", input);
        floating(op, "target", target);
        sameShape(op, input, target);
        if (weight != null) floating(op, "weight", weight);
        if (posWeight != null) floating(op, "posWeight", posWeight);
        try (Scope scope = Scope.open()) {
            Tensor logSigmoid = input.minimum(Tensor.zerosLike(input)).sub(input.abs().neg().exp().log1p());
            if (posWeight != null) logSigmoid = logSigmoid.mul(posWeight.sub(1.0).mul(target).add(1.0));
            Tensor loss = target.rsub(1.0).mul(input).sub(logSigmoid);
            if (weight != null) loss = loss.mul(weight);
            return scope.keep(reduce(loss, reduction));
        }
    }
    /**
     * Inverted dropout, as torch.nn.functional.dropout: in training each element is kept with
     * probability 1 - p and scaled by 1 / (1 - p), else zeroed; the mask comes from jgrad's Philox
     * generator on the input's device (the same mask on the CPU and a GPU for a seed). Not in
     * training, or with p = 0, the input itself is returned.
     */
    public static Tensor dropout(Tensor x, double p, boolean training) {
        if (!(p >= 0 && p <= 1)) throw new IllegalArgumentException("dropout: p must be in [0, 1], got " + p);
        floating("dropout", "input", x);
        if (!training || p == 0) return x;
        try (Scope scope = Scope.open()) {
            if (p == 1) return scope.keep(x.mul(0.0));
            // the mask from float32 draws whatever the dtype: one mask per seed for either precision and device
            Tensor noise = Tensor.rand(org.jgrad.DType.FLOAT32, x.device(), x.shape()).ge(p).to(x.dtype()).div(1 - p);
            return scope.keep(x.mul(noise));
        }
    }

    /**
     * Layer normalisation over the trailing dims given by normalizedShape, as
     * torch.nn.functional.layer_norm: (x - mean) / sqrt(var + eps) with the biased variance, then
     * times weight and plus bias (each of normalizedShape, or null).
     */
    public static Tensor layerNorm(Tensor x, long[] normalizedShape, Tensor weight, Tensor bias, double eps) {
        floating("layerNorm", "input", x);
        int k = normalizedShape.length, n = x.dim();
        boolean fits = k >= 1 && k <= n;
        for (int i = 0; fits && i < k; i++) fits = x.size(n - k + i) == normalizedShape[i];
        if (!fits)
            throw new IllegalArgumentException("layerNorm: input shape " + Arrays.toString(x.shape()) + " does not end with normalizedShape "
                    + Arrays.toString(normalizedShape));
        for (Tensor t : new Tensor[] {weight, bias}) {
            if (t != null && !Arrays.equals(t.shape(), normalizedShape))
                throw new IllegalArgumentException("layerNorm: weight and bias must have shape " + Arrays.toString(normalizedShape) + ", got "
                        + Arrays.toString(t.shape()));
        }
        return org.jgrad.Normalization.layerNorm(x, normalizedShape, weight, bias, eps);
    }

    // ---- convolution, pooling, normalisation over channels (torch.nn.functional's argument order) ----

    private static final int[] ONE = {1}, ZERO = {0};

    /** torch.nn.functional.conv2d(input, weight, bias, stride, padding, dilation, groups); bias may be null, ints one value or two. */
    public static Tensor conv2d(Tensor input, Tensor weight, Tensor bias, int[] stride, int[] padding, int[] dilation, int groups) {
        return org.jgrad.Convolution.conv2d(input, weight, bias, stride, padding, dilation, groups);
    }

    /** conv2d with padding "same" (stride 1) or "valid". */
    public static Tensor conv2d(Tensor input, Tensor weight, Tensor bias, int[] stride, String padding, int[] dilation, int groups) {
        return org.jgrad.Convolution.conv2d(input, weight, bias, stride, padding, dilation, groups);
    }

    /** conv2d with stride 1, no padding, dilation 1, one group. */
    public static Tensor conv2d(Tensor input, Tensor weight, Tensor bias) {
        return conv2d(input, weight, bias, ONE, ZERO, ONE, 1);
    }

    /** conv2d with the same stride and padding in both dims, dilation 1, one group. */
    public static Tensor conv2d(Tensor input, Tensor weight, Tensor bias, int stride, int padding) {
        return conv2d(input, weight, bias, new int[] {stride}, new int[] {padding}, ONE, 1);
    }

    /** torch.nn.functional.conv1d(input, weight, bias, stride, padding, dilation, groups) over [N, C, L]. */
    public static Tensor conv1d(Tensor input, Tensor weight, Tensor bias, int[] stride, int[] padding, int[] dilation, int groups) {
        return org.jgrad.Convolution.conv1d(input, weight, bias, stride, padding, dilation, groups);
    }

    /** conv1d with padding "same" (stride 1) or "valid". */
    public static Tensor conv1d(Tensor input, Tensor weight, Tensor bias, int[] stride, String padding, int[] dilation, int groups) {
        return org.jgrad.Convolution.conv1d(input, weight, bias, stride, padding, dilation, groups);
    }

    /** conv1d with stride 1, no padding, dilation 1, one group. */
    public static Tensor conv1d(Tensor input, Tensor weight, Tensor bias) {
        return conv1d(input, weight, bias, ONE, ZERO, ONE, 1);
    }

    /** torch.nn.functional.conv_transpose2d(input, weight, bias, stride, padding, output_padding, groups, dilation). */
    public static Tensor convTranspose2d(Tensor input, Tensor weight, Tensor bias, int[] stride, int[] padding, int[] outputPadding, int groups,
                                         int[] dilation) {
        return org.jgrad.Convolution.convTranspose2d(input, weight, bias, stride, padding, outputPadding, groups, dilation);
    }

    /** convTranspose2d with the same stride and padding in both dims, no output padding, one group, dilation 1. */
    public static Tensor convTranspose2d(Tensor input, Tensor weight, Tensor bias, int stride, int padding) {
        return convTranspose2d(input, weight, bias, new int[] {stride}, new int[] {padding}, ZERO, 1, ONE);
    }

    /** torch.nn.functional.conv_transpose1d(input, weight, bias, stride, padding, output_padding, groups, dilation). */
    public static Tensor convTranspose1d(Tensor input, Tensor weight, Tensor bias, int[] stride, int[] padding, int[] outputPadding, int groups,
                                         int[] dilation) {
        return org.jgrad.Convolution.convTranspose1d(input, weight, bias, stride, padding, outputPadding, groups, dilation);
    }

    /** torch.nn.functional.max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode); a null stride is the kernel size. */
    public static Tensor maxPool2d(Tensor input, int[] kernelSize, int[] stride, int[] padding, int[] dilation, boolean ceilMode) {
        return org.jgrad.Pooling.maxPool2d(input, kernelSize, stride, padding, dilation, ceilMode);
    }

    /** max_pool2d with a square window, stride equal to it, no padding. */
    public static Tensor maxPool2d(Tensor input, int kernelSize) {
        return maxPool2d(input, new int[] {kernelSize}, null, ZERO, ONE, false);
    }

    /** max_pool2d with a square window and the given stride and padding. */
    public static Tensor maxPool2d(Tensor input, int kernelSize, int stride, int padding) {
        return maxPool2d(input, new int[] {kernelSize}, new int[] {stride}, new int[] {padding}, ONE, false);
    }

    /** torch.nn.functional.avg_pool2d(input, kernel_size, stride, padding, ceil_mode, count_include_pad); a null stride is the kernel size. */
    public static Tensor avgPool2d(Tensor input, int[] kernelSize, int[] stride, int[] padding, boolean ceilMode, boolean countIncludePad) {
        return org.jgrad.Pooling.avgPool2d(input, kernelSize, stride, padding, ceilMode, countIncludePad);
    }

    /** avg_pool2d with a square window, stride equal to it, no padding. */
    public static Tensor avgPool2d(Tensor input, int kernelSize) {
        return avgPool2d(input, new int[] {kernelSize}, null, ZERO, false, true);
    }

    /** torch.nn.functional.adaptive_avg_pool2d(input, output_size), one size or two. */
    public static Tensor adaptiveAvgPool2d(Tensor input, int... outputSize) {
        return org.jgrad.Pooling.adaptiveAvgPool2d(input, outputSize);
    }

    /** torch.nn.functional.max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode); stride 0 is the kernel size. */
    public static Tensor maxPool1d(Tensor input, int kernelSize, int stride, int padding, int dilation, boolean ceilMode) {
        return org.jgrad.Pooling.maxPool1d(input, kernelSize, stride, padding, dilation, ceilMode);
    }

    /** torch.nn.functional.avg_pool1d(input, kernel_size, stride, padding, ceil_mode, count_include_pad); stride 0 is the kernel size. */
    public static Tensor avgPool1d(Tensor input, int kernelSize, int stride, int padding, boolean ceilMode, boolean countIncludePad) {
        return org.jgrad.Pooling.avgPool1d(input, kernelSize, stride, padding, ceilMode, countIncludePad);
    }

    /**
     * torch.nn.functional.batch_norm(input, running_mean, running_var, weight, bias, training,
     * momentum, eps): running statistics (updated in place in training) and weight and bias may be null.
     */
    public static Tensor batchNorm(Tensor input, Tensor runningMean, Tensor runningVar, Tensor weight, Tensor bias, boolean training, double momentum,
                                   double eps) {
        return org.jgrad.Normalization.batchNorm(input, runningMean, runningVar, weight, bias, training, momentum, eps);
    }

    /** batch_norm in training with the batch's statistics only (no running statistics), momentum 0.1, eps 1e-5. */
    public static Tensor batchNorm(Tensor input, Tensor weight, Tensor bias) {
        return batchNorm(input, null, null, weight, bias, true, 0.1, 1e-5);
    }

    /** torch.nn.functional.group_norm(input, num_groups, weight, bias, eps); weight and bias may be null. */
    public static Tensor groupNorm(Tensor input, int numGroups, Tensor weight, Tensor bias, double eps) {
        return org.jgrad.Normalization.groupNorm(input, numGroups, weight, bias, eps);
    }
}
