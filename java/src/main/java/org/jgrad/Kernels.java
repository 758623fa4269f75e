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
 * Every tensor whose address goes to native code is pinned for the call ({@link #pin} before,
 * {@link #unpin} in a finally after): its storage holds one more reference, so neither close() on
 * another thread nor the collector's Cleaner can free the memory while a kernel still uses it; the
 * free happens when the call returns. A tensor closed before the pin is refused with an
 * IllegalStateException.
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

    /** t itself if null or contiguous, else a contiguous copy (not recorded). */
    static Tensor dense(Tensor t) {
        return t == null || t.contiguous ? t : Autograd.withoutGrad(() -> contiguousCopy(t, t.dtype));
    }

    static void sameDevice(String op, Tensor a, Tensor b) {
        if (!a.device.equals(b.device)) {
            throw new IllegalArgumentException(op + ": expected all tensors on the same device, got " + a.device
                    + " (shape " + Shapes.str(a.shape) + ") and " + b.device + " (shape " + Shapes.str(b.shape) + ")");
        }
    }

    /**
     * Holds the storage of each tensor (nulls skipped) until {@link #unpin}; throws, holding
     * nothing, if one is closed or its storage already freed.
     */
    static void pin(Tensor... ts) {
        for (int i = 0; i < ts.length; i++) {
            if (!tryPin(ts[i])) {
                for (int j = 0; j < i; j++) if (ts[j] != null) ts[j].storage.release();
                throw closedAtStart(ts[i]);
            }
        }
    }

    /** Lets go of what {@link #pin} held (the same tensors); frees a storage whose last holder this was. */
    static void unpin(Tensor... ts) {
        for (Tensor t : ts) if (t != null) t.storage.release();
        Reference.reachabilityFence(ts);
    }

    // the common arities without a varargs array (most ops pin one to three tensors)
    static void pin(Tensor a) {
        pin1(a, null, null);
    }

    static void pin(Tensor a, Tensor b) {
        pin1(a, null, null);
        pin1(b, a, null);
    }

    static void pin(Tensor a, Tensor b, Tensor c) {
        pin1(a, null, null);
        pin1(b, a, null);
        pin1(c, a, b);
    }

    /** Pins t (if not null), or releases the already pinned p and q and throws. */
    private static void pin1(Tensor t, Tensor p, Tensor q) {
        if (tryPin(t)) return;
        if (p != null) p.storage.release();
        if (q != null) q.storage.release();
        throw closedAtStart(t);
    }

    private static boolean tryPin(Tensor t) {
        return t == null || (!t.isClosed() && t.storage.tryRetain());
    }

    /** The exception for a tensor that could not be pinned: checkOpen's, or one for a close that raced the op's start. */
    private static IllegalStateException closedAtStart(Tensor t) {
        t.checkOpen();
        return new IllegalStateException("tensor of shape " + Shapes.str(t.shape) + " was closed while an op was starting on it");
    }

    static void unpin(Tensor a) {
        if (a != null) a.storage.release();
        Reference.reachabilityFence(a);
    }

    static void unpin(Tensor a, Tensor b) {
        unpin(a);
        unpin(b);
    }

    static void unpin(Tensor a, Tensor b, Tensor c) {
        unpin(a);
        unpin(b);
        unpin(c);
    }

    static void unaryInto(String op, int code, Tensor out, Tensor x, long[] geom, double alpha, double beta) {
        int nd = Shapes.geomDims(geom, 2);
        pin(out, x);
        int st;
        try {
            st = JgradNative.jg_unary(out.device.index(), code, x.dtype.code, out.numel, nd, geom, out.address(), x.address(), alpha, beta);
        } finally {
            unpin(out, x);
        }
        NativeLib.check(st, op);
    }

    static void binaryInto(String op, int code, DType dtype, Tensor out, Tensor a, Tensor b, long[] geom, double alpha, double beta) {
        int nd = Shapes.geomDims(geom, 3);
        pin(out, a, b);
        int st;
        try {
            st = JgradNative.jg_binary(out.device.index(), code, dtype.code, out.numel, nd, geom, out.address(), a.address(),
                    b.address(), alpha, beta);
        } finally {
            unpin(out, a, b);
        }
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
        pin(out, cond, a, b);
        int st;
        try {
            st = JgradNative.jg_where(out.device.index(), a.dtype.code, out.numel, nd, geom, out.address(), cond.address(),
                    a.address(), b.address());
        } finally {
            unpin(out, cond, a, b);
        }
        NativeLib.check(st, "where");
        return out;
    }

    static void softmax(String op, boolean log, Tensor out, Tensor x, long rows, long cols) {
        pin(out, x);
        int st;
        try {
            st = JgradNative.jg_softmax(x.device.index(), log ? 1 : 0, x.dtype.code, rows, cols, out.address(), x.address());
        } finally {
            unpin(out, x);
        }
        NativeLib.check(st, op);
    }

    static void softmaxBackward(String op, boolean log, Tensor dx, Tensor y, Tensor dy, long rows, long cols) {
        pin(dx, y, dy);
        int st;
        try {
            st = JgradNative.jg_softmax_backward(y.device.index(), log ? 1 : 0, y.dtype.code, rows, cols, dx.address(),
                    y.address(), dy.address());
        } finally {
            unpin(dx, y, dy);
        }
        if (st != JgradNative.JG_OK) NativeLib.check(st, op + " backward");
    }

    static void layerNorm(Tensor y, Tensor mean, Tensor rstd, Tensor x, Tensor w, Tensor b, long rows, long cols, double eps) {
        pin(y, mean, rstd, x, w, b);
        int st;
        try {
            st = JgradNative.jg_layer_norm(x.device.index(), x.dtype.code, rows, cols, eps, y.address(), mean.address(), rstd.address(), x.address(),
                    w == null ? 0 : w.address(), b == null ? 0 : b.address());
        } finally {
            unpin(y, mean, rstd, x, w, b);
        }
        NativeLib.check(st, "layerNorm");
    }

    static void layerNormBackward(Tensor dx, Tensor dy, Tensor x, Tensor mean, Tensor rstd, Tensor w, long rows, long cols) {
        pin(dx, dy, x, mean, rstd, w);
        int st;
        try {
            st = JgradNative.jg_layer_norm_backward(x.device.index(), x.dtype.code, rows, cols, dx.address(), dy.address(), x.address(), mean.address(),
                    rstd.address(), w == null ? 0 : w.address());
        } finally {
            unpin(dx, dy, x, mean, rstd, w);
        }
        NativeLib.check(st, "layerNorm backward");
    }

    /** col [c·kh·kw, n·oh·ow] = the columns of the contiguous image batch x (geometry: native/ops/conv.h). */
    static void im2col(Tensor col, Tensor x, long[] geom, String op) {
        pin(col, x);
        int st;
        try {
            st = JgradNative.jg_im2col(x.device.index(), x.dtype.code, geom, col.address(), x.address());
        } finally {
            unpin(col, x);
        }
        NativeLib.check(st, op);
    }

    /** x [n, c, h, w] (contiguous, overwritten) = the adjoint of im2col applied to col. */
    static void col2im(Tensor x, Tensor col, long[] geom, String op) {
        pin(x, col);
        int st;
        try {
            st = JgradNative.jg_col2im(x.device.index(), x.dtype.code, geom, x.address(), col.address());
        } finally {
            unpin(x, col);
        }
        NativeLib.check(st, op);
    }

    /** Pooling of kind (native/ops/conv.h's PoolKind) of contiguous x into out; indices (INT64, out's shape) for max. */
    static void pool2d(int kind, Tensor out, Tensor indices, Tensor x, long[] geom, String op) {
        pin(out, indices, x);
        int st;
        try {
            st = JgradNative.jg_pool2d(x.device.index(), kind, x.dtype.code, geom, out.address(), indices == null ? 0 : indices.address(),
                    x.address());
        } finally {
            unpin(out, indices, x);
        }
        NativeLib.check(st, op);
    }

    static void pool2dBackward(int kind, Tensor dx, Tensor dy, Tensor indices, long[] geom, String op) {
        pin(dx, dy, indices);
        int st;
        try {
            st = JgradNative.jg_pool2d_backward(dx.device.index(), kind, dx.dtype.code, geom, dx.address(), dy.address(),
                    indices == null ? 0 : indices.address());
        } finally {
            unpin(dx, dy, indices);
        }
        if (st != JgradNative.JG_OK) NativeLib.check(st, op + " backward");
    }

    /** Batch norm of contiguous x [n, c, s]; training computes mean, var (may be null) and invstd, else reads mean and invstd. */
    static void batchNorm(Tensor y, Tensor mean, Tensor var, Tensor invstd, Tensor x, Tensor w, Tensor b, long n, long c, long s, double eps,
                          boolean training) {
        pin(y, mean, var, invstd, x, w, b);
        int st;
        try {
            st = JgradNative.jg_batch_norm(x.device.index(), x.dtype.code, n, c, s, eps, training ? 1 : 0, y.address(), mean.address(),
                    var == null ? 0 : var.address(), invstd.address(), x.address(), w == null ? 0 : w.address(), b == null ? 0 : b.address());
        } finally {
            unpin(y, mean, var, invstd, x, w, b);
        }
        NativeLib.check(st, "batchNorm");
    }

    /** dx, dw, db (each may be null) of batch norm from contiguous dy and x and the forward's statistics. */
    static void batchNormBackward(Tensor dx, Tensor dw, Tensor db, Tensor dy, Tensor x, Tensor mean, Tensor invstd, Tensor w, long n, long c,
                                  long s, boolean training) {
        pin(dx, dw, db, dy, x, mean, invstd, w);
        int st;
        try {
            st = JgradNative.jg_batch_norm_backward(x.device.index(), x.dtype.code, n, c, s, training ? 1 : 0, dx == null ? 0 : dx.address(),
                    dw == null ? 0 : dw.address(), db == null ? 0 : db.address(), dy.address(), x.address(), mean.address(), invstd.address(),
                    w == null ? 0 : w.address());
        } finally {
            unpin(dx, dw, db, dy, x, mean, invstd, w);
        }
        NativeLib.check(st, "batchNorm backward");
    }

    /** Row cross-entropy of contiguous x [N, C] into loss [N] and lse [N] (FLOAT64). */
    static void crossEntropy(Tensor loss, Tensor lse, Tensor x, Tensor target, boolean useIgnore, long ignore) {
        long rows = x.shape[0], cols = x.shape[1];
        int ui = useIgnore ? 1 : 0;
        long ts = target.strides[0];
        pin(loss, lse, x, target);
        int st;
        try {
            st = JgradNative.jg_cross_entropy(x.device.index(), x.dtype.code, rows, cols, loss.address(), lse.address(),
                    x.address(), target.address(), ts, ui, ignore);
        } finally {
            unpin(loss, lse, x, target);
        }
        NativeLib.check(st, "crossEntropy");
    }

    /** dx [N, C] (contiguous) from contiguous x, lse and the row gradient g [N] (any stride). */
    static void crossEntropyBackward(Tensor dx, Tensor x, Tensor lse, Tensor target, boolean useIgnore, long ignore, Tensor g) {
        long rows = x.shape[0], cols = x.shape[1];
        int ui = useIgnore ? 1 : 0;
        long ts = target.strides[0], gs = g.strides[0];
        pin(dx, x, lse, target, g);
        int st;
        try {
            st = JgradNative.jg_cross_entropy_backward(x.device.index(), x.dtype.code, rows, cols, dx.address(), x.address(),
                    lse.address(), target.address(), ts, ui, ignore, g.address(), gs);
        } finally {
            unpin(dx, x, lse, target, g);
        }
        NativeLib.check(st, "crossEntropy backward");
    }

    /** Row NLL of x [N, C] (any strides) into loss [N]. */
    static void nllLoss(Tensor loss, Tensor x, Tensor target, boolean useIgnore, long ignore) {
        long rows = x.shape[0], cols = x.shape[1];
        int ui = useIgnore ? 1 : 0;
        long ts = target.strides[0];
        pin(loss, x, target);
        int st;
        try {
            st = JgradNative.jg_nll_loss(x.device.index(), x.dtype.code, rows, cols, loss.address(), x.address(), x.strides[0],
                    x.strides[1], target.address(), ts, ui, ignore);
        } finally {
            unpin(loss, x, target);
        }
        NativeLib.check(st, "nllLoss");
    }

    static void nllLossBackward(Tensor dx, Tensor target, boolean useIgnore, long ignore, Tensor g) {
        long rows = dx.shape[0], cols = dx.shape[1];
        int ui = useIgnore ? 1 : 0;
        long ts = target.strides[0], gs = g.strides[0];
        pin(dx, target, g);
        int st;
        try {
            st = JgradNative.jg_nll_loss_backward(dx.device.index(), dx.dtype.code, rows, cols, dx.address(), target.address(),
                    ts, ui, ignore, g.address(), gs);
        } finally {
            unpin(dx, target, g);
        }
        NativeLib.check(st, "nllLoss backward");
    }

    static void gather(Tensor out, Tensor x, Tensor index, long[] geom, int d) {
        int n = x.shape.length;
        pin(out, x, index);
        int st;
        try {
            st = JgradNative.jg_gather(x.device.index(), x.dtype.code, n, geom, d, x.shape[d], out.address(), x.address(), index.address());
        } finally {
            unpin(out, x, index);
        }
        NativeLib.check(st, "gather");
    }

    /** out [outer, k, inner] = rows of x [outer, dimSize, inner] (element strides xOuter, xDim; inner dense) picked by the 1-D index. */
    static void indexSelect(Tensor out, Tensor x, int dim, long outer, long dimSize, long inner, long xOuter, long xDim, Tensor index) {
        long k = index.numel, is = index.shape.length == 0 ? 0 : index.strides[0];
        pin(out, x, index);
        int st;
        try {
            st = JgradNative.jg_index_select(x.device.index(), x.dtype.code, dim, outer, dimSize, inner, k, out.address(), x.address(),
                    xOuter, xDim, index.address(), is);
        } finally {
            unpin(out, x, index);
        }
        NativeLib.check(st, "indexSelect");
    }

    /** out (contiguous [outer, dimSize, inner]) rows index[i] += src (contiguous [outer, k, inner]) row i. */
    static void indexAdd(Tensor out, Tensor src, int dim, long outer, long dimSize, long inner, Tensor index) {
        long k = index.numel, is = index.shape.length == 0 ? 0 : index.strides[0];
        pin(out, src, index);
        int st;
        try {
            st = JgradNative.jg_index_add(out.device.index(), out.dtype.code, dim, outer, dimSize, inner, k, out.address(), src.address(),
                    index.address(), is);
        } finally {
            unpin(out, src, index);
        }
        NativeLib.check(st, "indexAdd");
    }

    /**
     * Checks that the contiguous x holds probabilities: at once on the CPU, on CUDA queued on the
     * device and reported at the next wait.
     */
    static void checkProbabilities(Tensor x) {
        pin(x);
        int st;
        try {
            st = JgradNative.jg_check_probabilities(x.device.index(), x.dtype.code, x.numel, x.address());
        } finally {
            unpin(x);
        }
        NativeLib.check(st, "binaryCrossEntropy");
    }

    static void scatterAdd(Tensor out, Tensor src, Tensor index, long[] geom, int d) {
        int n = out.shape.length;
        pin(out, src, index);
        int st;
        try {
            st = JgradNative.jg_scatter_add(out.device.index(), src.dtype.code, n, geom, d, out.shape[d], out.address(),
                    src.address(), index.address());
        } finally {
            unpin(out, src, index);
        }
        NativeLib.check(st, "scatter_add");
    }

    /** Copies a tensor to another device: a contiguous copy there, same dtype. */
    static Tensor toDevice(Tensor x, Device device) {
        Tensor src = x.contiguous ? x : contiguousCopy(x, x.dtype);
        Tensor out = Tensor.empty(x.shape, x.dtype, device);
        long nbytes = x.numel * x.dtype.size;
        pin(x, src, out);
        int st;
        try {
            st = JgradNative.jg_copy_bytes(device.index(), out.address(), src.device.index(), src.address(), nbytes);
        } finally {
            unpin(x, src, out);
        }
        if (src != x) src.close();
        if (st != JgradNative.JG_OK) out.close();
        if (st != JgradNative.JG_OK) NativeLib.check(st, "to(" + device + ")");
        return out;
    }

    /** Copies src into dst elementwise (shapes broadcast src to dst), converting dtype. */
    static void copy(Tensor dst, Tensor src) {
        long[] geom = Shapes.geom(dst.shape, dst.strides, Shapes.expandStrides(src.shape, src.strides, dst.shape));
        int nd = Shapes.geomDims(geom, 2);
        pin(dst, src);
        int st;
        try {
            st = JgradNative.jg_copy(dst.device.index(), dst.dtype.code, src.dtype.code, dst.numel, nd, geom, dst.address(), src.address());
        } finally {
            unpin(dst, src);
        }
        NativeLib.check(st, "copy");
    }

    static Tensor contiguousCopy(Tensor x, DType dtype) {
        Tensor out = Tensor.empty(x.shape, dtype, x.device);
        copy(out, x);
        return out;
    }

    static void fill(Tensor t, double value) {
        if (t.contiguous) {
            pin(t);
            int st;
            try {
                st = JgradNative.jg_fill(t.device.index(), t.dtype.code, t.numel, t.address(), value);
            } finally {
                unpin(t);
            }
            NativeLib.check(st, "fill");
        } else {
            Tensor v = Tensor.full(value, t.dtype, t.device);
            copy(t, v);
            v.close();
        }
    }

    /** Writes arange (start, step) or linspace (start, end) values into the contiguous t. */
    static void sequence(String op, Tensor t, boolean linspace, double a, double b) {
        int st;
        pin(t);
        try {
            if (linspace) {
                st = JgradNative.jg_linspace(t.device.index(), t.dtype.code, t.numel, t.address(), a, b);
            } else {
                st = JgradNative.jg_arange(t.device.index(), t.dtype.code, t.numel, t.address(), a, b);
            }
        } finally {
            unpin(t);
        }
        NativeLib.check(st, op);
    }

    /** Fills the contiguous t with Philox draws (kind 0 uniform [a, b), 1 normal(a, b)) at the given counter offset. */
    static void random(String op, Tensor t, int kind, long seed, long offset, double a, double b) {
        pin(t);
        int st;
        try {
            st = JgradNative.jg_random(t.device.index(), kind, t.dtype.code, t.numel, t.address(), seed, offset, a, b);
        } finally {
            unpin(t);
        }
        NativeLib.check(st, op);
    }

    /** Reduces a contiguous x viewed as [outer, r, inner] to [outer, inner]. */
    static void reduce(String op, int code, Tensor out, Tensor x, long outer, long r, long inner) {
        pin(out, x);
        int st;
        try {
            st = JgradNative.jg_reduce(x.device.index(), code, x.dtype.code, outer, r, inner, out.address(), x.address());
        } finally {
            unpin(out, x);
        }
        NativeLib.check(st, op);
    }
}
