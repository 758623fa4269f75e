package org.jgrad;

import java.util.Arrays;
import org.jgrad.internal.bind.JgradNative;

/** sum/mean/max/min/argmax/argmin and softmax/logSoftmax, with their gradients. */
final class Reductions {
    private Reductions() {}

    /** Sorted, de-duplicated, normalised dims; null means all. */
    static int[] normDims(String op, int[] dims, int ndim) {
        if (dims == null) {
            int[] all = new int[ndim];
            for (int i = 0; i < ndim; i++) all[i] = i;
            return all;
        }
        int[] d = new int[dims.length];
        for (int i = 0; i < dims.length; i++) d[i] = Shapes.normDim(op, dims[i], ndim);
        Arrays.sort(d);
        for (int i = 1; i < d.length; i++) {
            if (d[i] == d[i - 1]) throw new IllegalArgumentException(op + ": dim " + d[i] + " appears more than once in " + Arrays.toString(dims));
        }
        if (ndim == 0) return new int[0];
        return d;
    }

    private static long[] reducedShape(long[] shape, int[] dims, boolean keepDim) {
        long[] out = new long[shape.length];
        int k = 0;
        int j = 0;
        for (int i = 0; i < shape.length; i++) {
            boolean red = j < dims.length && dims[j] == i;
            if (red) j++;
            if (red && !keepDim) continue;
            out[k++] = red ? 1 : shape[i];
        }
        return Arrays.copyOf(out, k);
    }

    /** Runs a native reduction of x over the adjacent dims [d0, d1] into a keepDim-shaped result. */
    private static Tensor reduceBlock(String op, int code, Tensor x, int d0, int d1, DType outType) {
        long outer = 1, r = 1, inner = 1;
        for (int i = 0; i < d0; i++) outer *= x.shape[i];
        for (int i = d0; i <= d1; i++) r *= x.shape[i];
        for (int i = d1 + 1; i < x.shape.length; i++) inner *= x.shape[i];
        long[] shape = x.shape.clone();
        for (int i = d0; i <= d1; i++) shape[i] = 1;
        Tensor src = x.contiguous ? x : Kernels.contiguousCopy(x, x.dtype);
        Tensor out = Tensor.empty(shape, outType, x.device);
        Kernels.reduce(op, code, out, src, outer, r, inner);
        if (src != x) src.close();
        return out;
    }

    private static DType sumType(DType t) {
        return t.isFloatingPoint() ? t : DType.INT64;
    }

    /** Sum over sorted dims with keepDim shape, without recording. */
    private static Tensor sumRaw(Tensor x, int[] dims) {
        if (dims.length == 0) return Kernels.contiguousCopy(x, sumType(x.dtype));
        Tensor cur = x;
        // reduce runs of adjacent dims from the last run to the first
        int i = dims.length - 1;
        while (i >= 0) {
            int hi = dims[i], lo = hi;
            while (i > 0 && dims[i - 1] == lo - 1) lo = dims[--i];
            i--;
            Tensor next = reduceBlock("sum", JgradNative.JG_SUM, cur, lo, hi, sumType(cur.dtype));
            if (cur != x) cur.close();
            cur = next;
        }
        return cur;
    }

    static Tensor sum(Tensor x, int[] dimsIn, boolean keepDim) {
        x.checkOpen();
        int[] dims = normDims("sum", dimsIn, x.shape.length);
        Tensor kept = Autograd.withoutGrad(() -> sumRaw(x, dims));
        long[] outShape = reducedShape(x.shape, dims, keepDim);
        Tensor y = keepDim ? kept : kept.view(outShape, Shapes.contiguousStrides(outShape), 0);
        if (y != kept) kept.close();
        if (Ops.recording(x)) {
            long[] in = x.shape;
            long[] keepShape = reducedShape(x.shape, dims, true);
            Node.record(y, dimsIn == null ? "SumBackward0" : "SumBackward1",
                    (ctx, g) -> new Tensor[] {g.reshape(keepShape).expand(in)}, new Tensor[] {x});
        }
        return y;
    }

    static Tensor mean(Tensor x, int[] dimsIn, boolean keepDim) {
        x.checkOpen();
        if (!x.dtype.isFloatingPoint()) {
            throw new IllegalArgumentException("mean: input dtype must be FLOAT32 or FLOAT64, got " + x.dtype + " (shape "
                    + Shapes.str(x.shape) + "); convert with to(DType.FLOAT32)");
        }
        int[] dims = normDims("mean", dimsIn, x.shape.length);
        long count = 1;
        for (int d : dims) count *= x.shape[d];
        Tensor s = sum(x, dimsIn, keepDim);
        Tensor m = s.div((double) count);
        s.close();
        return m;
    }

    static Tensor extreme(Tensor x, boolean max) {
        x.checkOpen();
        String op = max ? "max" : "min";
        checkOrdered(op, x);
        if (x.numel == 0) throw new IllegalArgumentException(op + ": expected a non-empty tensor, got shape " + Shapes.str(x.shape));
        Tensor y = Autograd.withoutGrad(() -> {
            Tensor f = x.reshape(x.numel);
            Tensor flat = reduceBlock(op, max ? JgradNative.JG_MAX : JgradNative.JG_MIN, f, 0, 0, x.dtype);
            Tensor s = flat.view(Shapes.SCALAR, Shapes.SCALAR, 0);
            flat.close();
            if (f != x) f.close();
            return s;
        });
        if (Ops.recording(x)) {
            // the gradient is shared evenly among all elements equal to the extreme, like PyTorch
            Node.record(y, max ? "MaxBackward1" : "MinBackward1", (ctx, g) -> {
                Tensor xs = ctx.saved(0), ys = ctx.saved(1);
                Tensor mask = xs.eq(ys).to(g.dtype);
                return new Tensor[] {mask.mul(g.div(mask.sum()))};
            }, new Tensor[] {x}, x, y);
        }
        return y;
    }

    private static void checkOrdered(String op, Tensor x) {
        if (x.dtype == DType.BOOL) {
            throw new IllegalArgumentException(op + ": dtype BOOL is not supported; expected FLOAT32, FLOAT64 or INT64");
        }
    }

    static Tensor extremeDim(Tensor x, int dim, boolean keepDim, boolean max) {
        x.checkOpen();
        Tensor idx = argExtreme(x, dim, true, max);
        int d = Shapes.normDim(max ? "max" : "min", dim, x.shape.length);
        Tensor v = x.shape.length == 0 ? Views.alias(x) : x.gather(d, idx);
        idx.close();
        return keepDim || x.shape.length == 0 ? v : v.squeeze(d);
    }

    static Tensor argExtreme(Tensor x, Integer dim, boolean keepDim, boolean max) {
        x.checkOpen();
        String op = max ? "argmax" : "argmin";
        checkOrdered(op, x);
        int code = max ? JgradNative.JG_ARGMAX : JgradNative.JG_ARGMIN;
        return Autograd.withoutGrad(() -> {
            if (dim == null) {
                if (x.numel == 0) throw new IllegalArgumentException(op + ": expected a non-empty tensor, got shape " + Shapes.str(x.shape));
                Tensor f = x.reshape(x.numel);
                Tensor flat = reduceBlock(op, code, f, 0, 0, DType.INT64);
                Tensor s = flat.view(Shapes.SCALAR, Shapes.SCALAR, 0);
                flat.close();
                f.close();
                return s;
            }
            if (x.shape.length == 0) {
                Shapes.normDim(op, dim, 0);
                return Tensor.zeros(DType.INT64, x.device);
            }
            int d = Shapes.normDim(op, dim, x.shape.length);
            if (x.shape[d] == 0) {
                throw new IllegalArgumentException(op + ": dim " + d + " of shape " + Shapes.str(x.shape) + " is empty; there is no extreme");
            }
            Tensor k = reduceBlock(op, code, x, d, d, DType.INT64);
            if (keepDim) return k;
            long[] s = reducedShape(x.shape, new int[] {d}, false);
            Tensor v = k.view(s, Shapes.contiguousStrides(s), 0);
            k.close();
            return v;
        });
    }

    static Tensor softmax(Tensor x, int dim, boolean log) {
        x.checkOpen();
        String op = log ? "logSoftmax" : "softmax";
        if (!x.dtype.isFloatingPoint()) {
            throw new IllegalArgumentException(op + ": dtype " + x.dtype + " is not supported; expected FLOAT32 or FLOAT64");
        }
        int n = x.shape.length;
        int d = Shapes.normDim(op, dim, n);
        int last = Math.max(n - 1, 0);
        Tensor y = Autograd.withoutGrad(() -> {
            Tensor xt = n == 0 ? x : x.transpose(d, last);
            Tensor src = xt.contiguous ? xt : Kernels.contiguousCopy(xt, xt.dtype);
            Tensor out = Tensor.empty(src.shape, src.dtype, src.device);
            long cols = n == 0 ? 1 : src.shape[last];
            long rows = cols == 0 ? 0 : src.numel / cols;
            Kernels.softmax(op, log, out, src, rows, cols);
            if (src != xt) src.close();
            if (xt != x) xt.close();
            if (n == 0 || d == last) return out;
            Tensor back = out.transpose(d, last);
            out.close();
            return back;
        });
        if (Ops.recording(x)) {
            Node.record(y, log ? "LogSoftmaxBackward0" : "SoftmaxBackward0", (ctx, g) -> {
                Tensor ys = ctx.saved(0);
                if (GradMode.enabled()) {
                    if (log) return new Tensor[] {g.sub(ys.exp().mul(g.sum(d, true)))};
                    return new Tensor[] {ys.mul(g.sub(g.mul(ys).sum(d, true)))};
                }
                Tensor yt = n == 0 ? ys : ys.transpose(d, last).contiguous();
                Tensor gt = (n == 0 ? g : g.transpose(d, last)).contiguous();
                Tensor dx = Tensor.empty(yt.shape, yt.dtype, yt.device);
                long cols = n == 0 ? 1 : yt.shape[last];
                long rows = cols == 0 ? 0 : yt.numel / cols;
                Kernels.softmaxBackward(op, log, dx, yt, gt, rows, cols);
                return new Tensor[] {n == 0 || d == last ? dx : dx.transpose(d, last)};
            }, new Tensor[] {x}, y);
        }
        return y;
    }
}
