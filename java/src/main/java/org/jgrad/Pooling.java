package org.jgrad;

/**
 * Pooling over the last two dims of [N, C, H, W] (or [C, H, W]) and the last of [N, C, L], as
 * torch.nn.functional's max_pool2d, avg_pool2d, adaptive_avg_pool2d, max_pool1d and avg_pool1d:
 * one native kernel each way. The backward of each is a gather (an input element sums its share of
 * the windows holding it; for max, the windows whose winner it is), so the same bits every run.
 * {@code Tensor y = Pooling.maxPool2d(x, new int[] {2}, null, new int[] {0}, new int[] {1}, false);}
 */
public final class Pooling {
    private Pooling() {}

    // native/ops/conv.h's PoolKind
    static final int MAX = 0, AVG_INCLUDE_PAD = 1, AVG_EXCLUDE_PAD = 2, ADAPTIVE_AVG = 3;

    /** PyTorch's pooling_output_shape: floor or ceil, and with ceil no window that starts in the right padding. */
    static long outSize(String op, String dim, long in, long k, long s, long p, long d, boolean ceil) {
        long span = d * (k - 1) + 1;
        if (p * 2 > span) {
            throw new IllegalArgumentException(op + ": padding " + p + " should be at most half of the kernel's reach (" + span + ") in " + dim);
        }
        long num = in + 2 * p - span + (ceil ? s - 1 : 0);
        long out = (num < 0 ? -1 : num / s) + 1;
        if (ceil && out > 0 && (out - 1) * s >= in + p) out--;
        if (out < 1) {
            throw new IllegalArgumentException(op + ": the input's " + dim + " (" + in + ", padded by " + p + ") is smaller than the window ("
                    + k + (d > 1 ? " at dilation " + d : "") + "); the output would be empty");
        }
        return out;
    }

    static long[] geom(Tensor x, long[] k, long[] s, long[] p, long[] d, long oh, long ow) {
        return new long[] {x.shape[0], x.shape[1], x.shape[2], x.shape[3], k[0], k[1], s[0], s[1], p[0], p[1], d[0], d[1], oh, ow};
    }

    static void check4d(String op, Tensor input) {
        input.checkOpen();
        Kernels.requireFloating(op, "input", input);
        if (input.shape.length != 4) {
            throw new IllegalArgumentException(op + ": expected input [N, C, H, W] or [C, H, W], got shape " + Shapes.str(input.shape));
        }
    }

    /**
     * torch.nn.functional.max_pool2d: kernelSize, stride (null or empty: the kernel size), padding
     * (at most half the kernel) and dilation, each one value or two; ceilMode rounds the output up.
     */
    public static Tensor maxPool2d(Tensor input, int[] kernelSize, int[] stride, int[] padding, int[] dilation, boolean ceilMode) {
        String op = "maxPool2d";
        long[] k = Convolution.pair(op, "kernelSize", kernelSize, 1);
        long[] s = stride == null || stride.length == 0 ? k : Convolution.pair(op, "stride", stride, 1);
        long[] p = Convolution.pair(op, "padding", padding, 0), d = Convolution.pair(op, "dilation", dilation, 1);
        return pool2d(op, MAX, input, k, s, p, d, ceilMode, null);
    }

    /** torch.nn.functional.avg_pool2d: the mean of each window, the divisor counting the padding (countIncludePad) or not. */
    public static Tensor avgPool2d(Tensor input, int[] kernelSize, int[] stride, int[] padding, boolean ceilMode, boolean countIncludePad) {
        String op = "avgPool2d";
        long[] k = Convolution.pair(op, "kernelSize", kernelSize, 1);
        long[] s = stride == null || stride.length == 0 ? k : Convolution.pair(op, "stride", stride, 1);
        long[] p = Convolution.pair(op, "padding", padding, 0);
        return pool2d(op, countIncludePad ? AVG_INCLUDE_PAD : AVG_EXCLUDE_PAD, input, k, s, p, new long[] {1, 1}, ceilMode, null);
    }

    /** torch.nn.functional.adaptive_avg_pool2d: outputSize one value or two; window i spans floor(i·H/out) to ceil((i+1)·H/out). */
    public static Tensor adaptiveAvgPool2d(Tensor input, int[] outputSize) {
        String op = "adaptiveAvgPool2d";
        long[] o = Convolution.pair(op, "outputSize", outputSize, 1);
        long[] one = {1, 1};
        return pool2d(op, ADAPTIVE_AVG, input, one, one, new long[] {0, 0}, one, false, o);
    }

    /** torch.nn.functional.max_pool1d over the last dim of [N, C, L] or [C, L]. */
    public static Tensor maxPool1d(Tensor input, int kernelSize, int stride, int padding, int dilation, boolean ceilMode) {
        try (Temps t = new Temps()) {
            Tensor x = t.add(input.unsqueeze(input.shape.length - 1));
            Tensor y = t.add(maxPool2d(x, new int[] {1, kernelSize}, new int[] {1, stride <= 0 ? kernelSize : stride}, new int[] {0, padding},
                    new int[] {1, dilation}, ceilMode));
            return y.squeeze(input.shape.length - 1);
        }
    }

    /** torch.nn.functional.avg_pool1d over the last dim of [N, C, L] or [C, L]; a stride of 0 means the kernel size. */
    public static Tensor avgPool1d(Tensor input, int kernelSize, int stride, int padding, boolean ceilMode, boolean countIncludePad) {
        try (Temps t = new Temps()) {
            Tensor x = t.add(input.unsqueeze(input.shape.length - 1));
            Tensor y = t.add(avgPool2d(x, new int[] {1, kernelSize}, new int[] {1, stride <= 0 ? kernelSize : stride}, new int[] {0, padding},
                    ceilMode, countIncludePad));
            return y.squeeze(input.shape.length - 1);
        }
    }

    static Tensor pool2d(String op, int kind, Tensor input, long[] k, long[] s, long[] p, long[] d, boolean ceil, long[] adaptive) {
        input.checkOpen();
        if (input.shape.length == 3) return Convolution.unbatched(input, x -> pool2d(op, kind, x, k, s, p, d, ceil, adaptive));
        check4d(op, input);
        long oh, ow;
        if (adaptive != null) {
            oh = adaptive[0];
            ow = adaptive[1];
            if (input.shape[2] < 1 || input.shape[3] < 1) {
                throw new IllegalArgumentException(op + ": input of shape " + Shapes.str(input.shape) + " has an empty plane to average");
            }
        } else {
            oh = outSize(op, "height", input.shape[2], k[0], s[0], p[0], d[0], ceil);
            ow = outSize(op, "width", input.shape[3], k[1], s[1], p[1], d[1], ceil);
        }
        long[] outShape = {input.shape[0], input.shape[1], oh, ow};
        Shapes.numel(op, outShape);
        long[] g = geom(input, k, s, p, d, oh, ow);
        Tensor out = Tensor.empty(outShape, input.dtype, input.device);
        Tensor indices = kind == MAX ? Tensor.empty(outShape, DType.INT64, input.device) : null;
        try (Temps t = new Temps()) {
            Kernels.pool2d(kind, out, indices, t.dense(input), g, op);
        } catch (RuntimeException e) {
            out.close();
            if (indices != null) indices.close();
            throw e;
        }
        long[] inShape = input.shape.clone();
        Tensor[] saved = indices == null ? new Tensor[0] : new Tensor[] {indices};
        Tensor res = Autograd.record(out, kind == MAX ? "MaxPool2DWithIndicesBackward0" : adaptive != null ? "AdaptiveAvgPool2DBackward0"
                : "AvgPool2DBackward0", new Tensor[] {input}, saved, (ctx, grad) -> new Tensor[] {
                    backward(op, kind, grad, indices == null ? null : ctx.saved(0), g, inShape)});
        if (indices != null) indices.close();  // the node, if any, keeps its own handle
        return res;
    }

    /**
     * dx from dy: the fused kernel, recorded (for a graph of the gradient) as an op whose own
     * gradient is the forward pooling again: max's gathers dy's gradient at the winners, the
     * averages' is the average pooling itself (both are linear maps and these their adjoints).
     */
    static Tensor backward(String op, int kind, Tensor dy, Tensor indices, long[] g, long[] inShape) {
        Tensor dx = Tensor.empty(inShape, dy.dtype, dy.device);
        try (Temps t = new Temps()) {
            Kernels.pool2dBackward(kind, dx, t.dense(dy), indices, g, op);
        } catch (RuntimeException e) {
            dx.close();
            throw e;
        }
        Tensor[] saved = indices == null ? new Tensor[0] : new Tensor[] {indices};
        return Autograd.record(dx, op + "Backward", new Tensor[] {dy}, saved, (ctx, gg) -> new Tensor[] {
            adjoint(op, kind, gg, indices == null ? null : ctx.saved(0), g)});
    }

    /** The forward pooling of a pooling backward's gradient (differentiable, recorded). */
    static Tensor adjoint(String op, int kind, Tensor ggx, Tensor indices, long[] g) {
        long[] outShape = {g[0], g[1], g[12], g[13]};
        if (kind == MAX) {
            try (Temps t = new Temps()) {
                Tensor flat = t.add(ggx.reshape(g[0], g[1], g[2] * g[3]));
                Tensor idx = t.add(indices.reshape(g[0], g[1], g[12] * g[13]));
                // a window of padding only has index -1 and gradient 0
                Tensor safe = t.add(idx.clamp(0, Math.max(0, g[2] * g[3] - 1)));
                Tensor picked = t.add(flat.gather(2, safe));
                Tensor valid = t.add(idx.ge(0));
                Tensor kept = t.add(Tensor.where(valid, picked, t.add(Tensor.zerosLike(picked))));
                return kept.reshape(outShape);
            }
        }
        Tensor out = Tensor.empty(outShape, ggx.dtype, ggx.device);
        try (Temps t = new Temps()) {
            Kernels.pool2d(kind, out, null, t.dense(ggx), g, op);
        } catch (RuntimeException e) {
            out.close();
            throw e;
        }
        return Autograd.record(out, op + "BackwardBackward", new Tensor[] {ggx}, new Tensor[0], (ctx, h) -> new Tensor[] {
            backward(op, kind, h, null, g, new long[] {g[0], g[1], g[2], g[3]})});
    }
}
