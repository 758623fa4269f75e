package org.jgrad;

import org.jgrad.internal.NativeLib;
import org.jgrad.internal.bind.JgradNative;

/**
 * The one place that turns tensors into native calls: it allocates outputs, computes geometry
 * and checks status codes. Nothing here knows about autograd.
 */
final class Kernels {
    private Kernels() {}

    static void sameDevice(String op, Tensor a, Tensor b) {
        if (!a.device.equals(b.device)) {
            throw new IllegalArgumentException(op + ": expected all tensors on the same device, got " + a.device
                    + " (shape " + Shapes.str(a.shape) + ") and " + b.device + " (shape " + Shapes.str(b.shape) + ")");
        }
    }

    static Tensor unary(String op, int code, Tensor x, double alpha, double beta) {
        Tensor out = Tensor.empty(x.shape, x.dtype, x.device);
        long[] geom = x.contiguous ? null : Shapes.geom(x.shape, out.strides, x.strides);
        NativeLib.check(JgradNative.jg_unary(code, x.dtype.code, out.numel, Shapes.geomDims(geom, 2), geom,
                out.address(), x.address(), alpha, beta), op);
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
        NativeLib.check(JgradNative.jg_binary(code, a.dtype.code, out.numel, Shapes.geomDims(geom, 3), geom,
                out.address(), a.address(), b.address(), alpha, beta), op);
        return out;
    }

    static Tensor where(Tensor cond, Tensor a, Tensor b) {
        long[] shape = Shapes.broadcast("where", Shapes.broadcast("where", cond.shape, a.shape), b.shape);
        Tensor out = Tensor.empty(shape, a.dtype, a.device);
        long[] geom = Shapes.geom(shape, out.strides, Shapes.expandStrides(cond.shape, cond.strides, shape),
                Shapes.expandStrides(a.shape, a.strides, shape), Shapes.expandStrides(b.shape, b.strides, shape));
        NativeLib.check(JgradNative.jg_where(a.dtype.code, out.numel, Shapes.geomDims(geom, 4), geom, out.address(),
                cond.address(), a.address(), b.address()), "where");
        return out;
    }

    /** Copies src into dst elementwise (shapes broadcast src to dst), converting dtype. */
    static void copy(Tensor dst, Tensor src) {
        long[] geom = Shapes.geom(dst.shape, dst.strides, Shapes.expandStrides(src.shape, src.strides, dst.shape));
        NativeLib.check(JgradNative.jg_copy(dst.dtype.code, src.dtype.code, dst.numel, Shapes.geomDims(geom, 2), geom,
                dst.address(), src.address()), "copy");
    }

    static Tensor contiguousCopy(Tensor x, DType dtype) {
        Tensor out = Tensor.empty(x.shape, dtype, x.device);
        copy(out, x);
        return out;
    }

    static void fill(Tensor t, double value) {
        if (t.contiguous) {
            NativeLib.check(JgradNative.jg_fill(t.dtype.code, t.numel, t.address(), value), "fill");
        } else {
            Tensor v = Tensor.full(value, t.dtype, t.device);
            copy(t, v);
            v.close();
        }
    }

    /** Reduces a contiguous x viewed as [outer, r, inner] to [outer, inner]. */
    static void reduce(String op, int code, Tensor out, Tensor x, long outer, long r, long inner) {
        NativeLib.check(JgradNative.jg_reduce(code, x.dtype.code, outer, r, inner, out.address(), x.address()), op);
    }
}
