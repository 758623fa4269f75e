package org.jgrad;

import java.lang.ref.Reference;
import org.jgrad.internal.NativeLib;
import org.jgrad.internal.bind.JgradNative;

/**
 * The one place that turns tensors into native calls: it allocates outputs, computes geometry
 * and checks status codes. Nothing here knows about autograd. Every native op family takes the
 * tensor's device first ({@link Device#index()}: -1, the native JG_CPU, for the CPU) and routes
 * in native code, so no call here chooses a backend.
 *
 * Every tensor whose address goes to native code is kept reachable until the call returns
 * ({@link #fence}): otherwise the collector could run its Cleaner, and free the memory, while a
 * kernel still reads it.
 */
final class Kernels {
    private Kernels() {}

    /** Whether the native op table defines op of the family (JG_FAMILY_UNARY/BINARY) for dtype. */
    static boolean supports(int family, int op, DType dtype) {
        NativeLib.ensureLoaded();
        return JgradNative.jg_op_supports(family, op, dtype.code) != 0;
    }

    /** Throws unless t is FLOAT32 or FLOAT64, naming op, what t is, its dtype and shape. */
    static void requireFloating(String op, String what, Tensor t) {
        if (!t.dtype.isFloatingPoint()) {
            throw new IllegalArgumentException(op + ": " + what + " must be FLOAT32 or FLOAT64, got " + t.dtype + " (shape "
                    + Shapes.str(t.shape) + ")");
        }
    }

    static void sameDevice(String op, Tensor a, Tensor b) {
        if (!a.device.equals(b.device)) {
            throw new IllegalArgumentException(op + ": expected all tensors on the same device, got " + a.device
                    + " (shape " + Shapes.str(a.shape) + ") and " + b.device + " (shape " + Shapes.str(b.shape) + ")");
        }
    }

    static void fence(Tensor a, Tensor b, Tensor c, Tensor d) {
        Reference.reachabilityFence(a);
        Reference.reachabilityFence(b);
        Reference.reachabilityFence(c);
        Reference.reachabilityFence(d);
    }

    static void unaryInto(String op, int code, Tensor out, Tensor x, long[] geom, double alpha, double beta) {
        int nd = Shapes.geomDims(geom, 2);
        int st = JgradNative.jg_unary(out.device.index(), code, x.dtype.code, out.numel, nd, geom, out.address(), x.address(), alpha, beta);
        fence(out, x, null, null);
        NativeLib.check(st, op);
    }

    static void binaryInto(String op, int code, DType dtype, Tensor out, Tensor a, Tensor b, long[] geom, double alpha, double beta) {
        int nd = Shapes.geomDims(geom, 3);
        int st = JgradNative.jg_binary(out.device.index(), code, dtype.code, out.numel, nd, geom, out.address(), a.address(),
                b.address(), alpha, beta);
        fence(out, a, b, null);
        NativeLib.check(st, op);
    }

    static Tensor unary(String op, int code, Tensor x, double alpha, double beta) {
        Tensor out = Tensor.empty(x.shape, x.dtype, x.device);
        long[] geom = x.contiguous ? null : Shapes.geom(x.shape, out.strides, x.strides);
        unaryInto(op, code, out, x, geom, alpha, beta);
        return out;
    }

    /** a and b must share dtype and device; the result has the broadcast shape and dtype outDtype. */
    static Tensor binary(String op, int code, Tensor a, Tensor b, DType outDtype, double alpha, double beta) {
        long[] shape = Shapes.broadcast(op, a.shape, b.shape);
        Tensor out = Tensor.empty(shape, outDtype, a.device);
        long[] geom = null;
        if (!(a.contiguous && b.contiguous && shape == a.shape && (b.shape == a.shape || java.util.Arrays.equals(b.shape, shape)))) {
            geom = Shapes.geom(shape, out.strides, Shapes.expandStrides(a.shape, a.strides, shape),
                    Shapes.expandStrides(b.shape, b.strides, shape));
        }
        binaryInto(op, code, a.dtype, out, a, b, geom, alpha, beta);
        return out;
    }

    static Tensor where(Tensor cond, Tensor a, Tensor b) {
        long[] shape = Shapes.broadcast("where", Shapes.broadcast("where", cond.shape, a.shape), b.shape);
        Tensor out = Tensor.empty(shape, a.dtype, a.device);
        long[] geom = Shapes.geom(shape, out.strides, Shapes.expandStrides(cond.shape, cond.strides, shape),
                Shapes.expandStrides(a.shape, a.strides, shape), Shapes.expandStrides(b.shape, b.strides, shape));
        int nd = Shapes.geomDims(geom, 4);
        int st = JgradNative.jg_where(out.device.index(), a.dtype.code, out.numel, nd, geom, out.address(), cond.address(),
                a.address(), b.address());
        fence(out, cond, a, b);
        NativeLib.check(st, "where");
        return out;
    }

    static void softmax(String op, boolean log, Tensor out, Tensor x, long rows, long cols) {
        int st = JgradNative.jg_softmax(x.device.index(), log ? 1 : 0, x.dtype.code, rows, cols, out.address(), x.address());
        fence(out, x, null, null);
        NativeLib.check(st, op);
    }

    static void softmaxBackward(String op, boolean log, Tensor dx, Tensor y, Tensor dy, long rows, long cols) {
        int st = JgradNative.jg_softmax_backward(y.device.index(), log ? 1 : 0, y.dtype.code, rows, cols, dx.address(),
                y.address(), dy.address());
        fence(dx, y, dy, null);
        NativeLib.check(st, op);
    }

    static void layerNorm(Tensor y, Tensor mean, Tensor rstd, Tensor x, Tensor w, Tensor b, long rows, long cols, double eps) {
        int st = JgradNative.jg_layer_norm(x.device.index(), x.dtype.code, rows, cols, eps, y.address(), mean.address(), rstd.address(), x.address(),
                w == null ? 0 : w.address(), b == null ? 0 : b.address());
        fence(y, mean, rstd, x);
        fence(w, b, null, null);
        NativeLib.check(st, "layerNorm");
    }

    static void layerNormBackward(Tensor dx, Tensor dy, Tensor x, Tensor mean, Tensor rstd, Tensor w, long rows, long cols) {
        int st = JgradNative.jg_layer_norm_backward(x.device.index(), x.dtype.code, rows, cols, dx.address(), dy.address(), x.address(), mean.address(),
                rstd.address(), w == null ? 0 : w.address());
        fence(dx, dy, x, mean);
        fence(rstd, w, null, null);
        NativeLib.check(st, "layerNorm backward");
    }

    /** Row cross-entropy of contiguous x [N, C] into loss [N] and lse [N] (FLOAT64). */
    static void crossEntropy(Tensor loss, Tensor lse, Tensor x, Tensor target, boolean useIgnore, long ignore) {
        long rows = x.shape[0], cols = x.shape[1];
        int ui = useIgnore ? 1 : 0;
        long ts = target.strides[0];
        int st = JgradNative.jg_cross_entropy(x.device.index(), x.dtype.code, rows, cols, loss.address(), lse.address(),
                x.address(), target.address(), ts, ui, ignore);
        fence(loss, lse, x, target);
        NativeLib.check(st, "crossEntropy");
    }

    /** dx [N, C] (contiguous) from contiguous x, lse and the row gradient g [N] (any stride). */
    static void crossEntropyBackward(Tensor dx, Tensor x, Tensor lse, Tensor target, boolean useIgnore, long ignore, Tensor g) {
        long rows = x.shape[0], cols = x.shape[1];
        int ui = useIgnore ? 1 : 0;
        long ts = target.strides[0], gs = g.strides[0];
        int st = JgradNative.jg_cross_entropy_backward(x.device.index(), x.dtype.code, rows, cols, dx.address(), x.address(),
                lse.address(), target.address(), ts, ui, ignore, g.address(), gs);
        fence(dx, x, lse, target);
        fence(g, null, null, null);
        NativeLib.check(st, "crossEntropy backward");
    }

    /** Row NLL of x [N, C] (any strides) into loss [N]. */
    static void nllLoss(Tensor loss, Tensor x, Tensor target, boolean useIgnore, long ignore) {
        long rows = x.shape[0], cols = x.shape[1];
        int ui = useIgnore ? 1 : 0;
        long ts = target.strides[0];
        int st = JgradNative.jg_nll_loss(x.device.index(), x.dtype.code, rows, cols, loss.address(), x.address(), x.strides[0],
                x.strides[1], target.address(), ts, ui, ignore);
        fence(loss, x, target, null);
        NativeLib.check(st, "nllLoss");
    }

    static void nllLossBackward(Tensor dx, Tensor target, boolean useIgnore, long ignore, Tensor g) {
        long rows = dx.shape[0], cols = dx.shape[1];
        int ui = useIgnore ? 1 : 0;
        long ts = target.strides[0], gs = g.strides[0];
        int st = JgradNative.jg_nll_loss_backward(dx.device.index(), dx.dtype.code, rows, cols, dx.address(), target.address(),
                ts, ui, ignore, g.address(), gs);
        fence(dx, target, g, null);
        NativeLib.check(st, "nllLoss backward");
    }

    static void gather(Tensor out, Tensor x, Tensor index, long[] geom, int d) {
        int n = x.shape.length;
        int st = JgradNative.jg_gather(x.device.index(), x.dtype.code, n, geom, d, x.shape[d], out.address(), x.address(), index.address());
        fence(out, x, index, null);
        NativeLib.check(st, "gather");
    }

    /** out [outer, k, inner] = rows of x [outer, dimSize, inner] (element strides xOuter, xDim; inner dense) picked by the 1-D index. */
    static void indexSelect(Tensor out, Tensor x, int dim, long outer, long dimSize, long inner, long xOuter, long xDim, Tensor index) {
        long k = index.numel, is = index.shape.length == 0 ? 0 : index.strides[0];
        int st = JgradNative.jg_index_select(x.device.index(), x.dtype.code, dim, outer, dimSize, inner, k, out.address(), x.address(),
                xOuter, xDim, index.address(), is);
        fence(out, x, index, null);
        NativeLib.check(st, "indexSelect");
    }

    /** out (contiguous [outer, dimSize, inner]) rows index[i] += src (contiguous [outer, k, inner]) row i. */
    static void indexAdd(Tensor out, Tensor src, int dim, long outer, long dimSize, long inner, Tensor index) {
        long k = index.numel, is = index.shape.length == 0 ? 0 : index.strides[0];
        int st = JgradNative.jg_index_add(out.device.index(), out.dtype.code, dim, outer, dimSize, inner, k, out.address(), src.address(),
                index.address(), is);
        fence(out, src, index, null);
        NativeLib.check(st, "indexAdd");
    }

    /**
     * Checks that the contiguous x holds probabilities: at once on the CPU, on CUDA queued on the
     * device and reported at the next wait.
     */
    static void checkProbabilities(Tensor x) {
        int st = JgradNative.jg_check_probabilities(x.device.index(), x.dtype.code, x.numel, x.address());
        fence(x, null, null, null);
        NativeLib.check(st, "binaryCrossEntropy");
    }

    static void scatterAdd(Tensor out, Tensor src, Tensor index, long[] geom, int d) {
        int n = out.shape.length;
        int st = JgradNative.jg_scatter_add(out.device.index(), src.dtype.code, n, geom, d, out.shape[d], out.address(),
                src.address(), index.address());
        fence(out, src, index, null);
        NativeLib.check(st, "scatter_add");
    }

    /** Copies a tensor to another device: a contiguous copy there, same dtype. */
    static Tensor toDevice(Tensor x, Device device) {
        Tensor src = x.contiguous ? x : contiguousCopy(x, x.dtype);
        Tensor out = Tensor.empty(x.shape, x.dtype, device);
        long nbytes = x.numel * x.dtype.size;
        int st = JgradNative.jg_copy_bytes(device.index(), out.address(), src.device.index(), src.address(), nbytes);
        fence(x, src, out, null);
        if (src != x) src.close();
        if (st != JgradNative.JG_OK) out.close();
        NativeLib.check(st, "to(" + device + ")");
        return out;
    }

    /** Copies src into dst elementwise (shapes broadcast src to dst), converting dtype. */
    static void copy(Tensor dst, Tensor src) {
        long[] geom = Shapes.geom(dst.shape, dst.strides, Shapes.expandStrides(src.shape, src.strides, dst.shape));
        int nd = Shapes.geomDims(geom, 2);
        int st = JgradNative.jg_copy(dst.device.index(), dst.dtype.code, src.dtype.code, dst.numel, nd, geom, dst.address(), src.address());
        fence(dst, src, null, null);
        NativeLib.check(st, "copy");
    }

    static Tensor contiguousCopy(Tensor x, DType dtype) {
        Tensor out = Tensor.empty(x.shape, dtype, x.device);
        copy(out, x);
        return out;
    }

    static void fill(Tensor t, double value) {
        if (t.contiguous) {
            int st = JgradNative.jg_fill(t.device.index(), t.dtype.code, t.numel, t.address(), value);
            fence(t, null, null, null);
            NativeLib.check(st, "fill");
        } else {
            Tensor v = Tensor.full(value, t.dtype, t.device);
            copy(t, v);
            v.close();
        }
    }

    /** Writes arange (start, step) or linspace (start, end) values into the contiguous t. */
    static void sequence(String op, Tensor t, boolean linspace, double a, double b) {
        int dev = t.device.index();
        int st;
        if (linspace) {
            st = JgradNative.jg_linspace(t.device.index(), t.dtype.code, t.numel, t.address(), a, b);
        } else {
            st = JgradNative.jg_arange(t.device.index(), t.dtype.code, t.numel, t.address(), a, b);
        }
        fence(t, null, null, null);
        NativeLib.check(st, op);
    }

    /** Fills the contiguous t with Philox draws (kind 0 uniform [a, b), 1 normal(a, b)) at the given counter offset. */
    static void random(String op, Tensor t, int kind, long seed, long offset, double a, double b) {
        int st = JgradNative.jg_random(t.device.index(), kind, t.dtype.code, t.numel, t.address(), seed, offset, a, b);
        fence(t, null, null, null);
        NativeLib.check(st, op);
    }

    /** Reduces a contiguous x viewed as [outer, r, inner] to [outer, inner]. */
    static void reduce(String op, int code, Tensor out, Tensor x, long outer, long r, long inner) {
        int st = JgradNative.jg_reduce(x.device.index(), code, x.dtype.code, outer, r, inner, out.address(), x.address());
        fence(out, x, null, null);
        NativeLib.check(st, op);
    }
}
