package org.jgrad;

import java.util.Arrays;

/** Forward + recording for the elementwise families, casts and in-place writes. */
final class Ops {
    private Ops() {}

    private static final Tensor[] NONE = new Tensor[0];

    static boolean recording(Tensor a) {
        return a.requiresGrad && GradMode.enabled();
    }

    static boolean recording(Tensor a, Tensor b) {
        return (a.requiresGrad || b.requiresGrad) && GradMode.enabled();
    }

    static Tensor unary(UnaryOp op, Tensor x, double a, double b) {
        x.checkOpen();
        if (!x.dtype.isFloatingPoint()) {
            if (!op.integral || x.dtype == DType.BOOL) {
                throw new IllegalArgumentException(op.opName() + ": dtype " + x.dtype + " (shape " + Shapes.str(x.shape)
                        + ") is not supported; expected FLOAT32 or FLOAT64" + (op.integral ? " or INT64" : "")
                        + "; convert with to(DType.FLOAT32)");
            }
        }
        Tensor y = Kernels.unary(op.opName(), op.code, x, a, b);
        if (recording(x)) {
            Tensor[] save;
            switch (op.saves) {
                case INPUT: save = new Tensor[] {x}; break;
                case OUTPUT: save = new Tensor[] {y}; break;
                case BOTH: save = new Tensor[] {x, y}; break;
                default: save = NONE;
            }
            Node.record(y, op.backwardName, (ctx, g) -> {
                Tensor xs = null, ys = null;
                switch (op.saves) {
                    case INPUT: xs = ctx.saved(0); break;
                    case OUTPUT: ys = ctx.saved(0); break;
                    case BOTH: xs = ctx.saved(0); ys = ctx.saved(1); break;
                    default: break;
                }
                return new Tensor[] {op.grad(xs, ys, g, a, b)};
            }, new Tensor[] {x}, save);
        }
        return y;
    }

    /** Unary op with a scalar operand; integer tensors are promoted when the result would not be integral. */
    static Tensor unaryScalar(UnaryOp op, Tensor x, double s) {
        x.checkOpen();
        if (!x.dtype.isFloatingPoint() && (!op.integral || s != Math.rint(s) || x.dtype == DType.BOOL)) {
            DType to = op.integral && s == Math.rint(s) ? DType.INT64 : DType.FLOAT32;
            return unary(op, x.to(to), s, 0);
        }
        return unary(op, x, s, 0);
    }

    private static DType resultType(BinaryOp op, Tensor a, Tensor b) {
        DType dt = DType.promote(a.dtype, b.dtype);
        if (!op.integral && !dt.isFloatingPoint()) return DType.FLOAT32;
        if (dt == DType.BOOL) return DType.INT64;
        return dt;
    }

    static Tensor binary(BinaryOp op, Tensor a, Tensor b) {
        a.checkOpen();
        b.checkOpen();
        Kernels.sameDevice(op.opName, a, b);
        DType dt = resultType(op, a, b);
        Tensor a2 = a.to(dt), b2 = b.to(dt);
        Tensor y = Kernels.binary(op.opName, op.code, a2, b2, dt, 0, 0);
        if (recording(a2, b2)) {
            Tensor[] save = op == BinaryOp.POW ? new Tensor[] {a2, b2, y}
                    : op == BinaryOp.MUL || op == BinaryOp.DIV || op == BinaryOp.MAXIMUM || op == BinaryOp.MINIMUM ? new Tensor[] {a2, b2}
                    : NONE;
            long[] sa = a2.shape, sb = b2.shape;
            Node.record(y, op.backwardName, (ctx, g) -> {
                Tensor as = save.length > 0 ? ctx.saved(0) : null;
                Tensor bs = save.length > 1 ? ctx.saved(1) : null;
                Tensor ys = save.length > 2 ? ctx.saved(2) : null;
                Tensor ga = ctx.needsInputGrad(0) ? sumToShape(op.gradA(as, bs, ys, g), sa) : null;
                Tensor gb = ctx.needsInputGrad(1) ? sumToShape(op.gradB(as, bs, ys, g), sb) : null;
                return new Tensor[] {ga, gb};
            }, new Tensor[] {a2, b2}, save);
        }
        return y;
    }

    static Tensor compare(BinaryOp op, Tensor a, Tensor b) {
        a.checkOpen();
        b.checkOpen();
        Kernels.sameDevice(op.opName, a, b);
        DType dt = DType.promote(a.dtype, b.dtype);
        try (var off = Autograd.noGrad()) {
            Tensor a2 = a.to(dt), b2 = b.to(dt);
            Tensor y = Kernels.binary(op.opName, op.code, a2, b2, DType.BOOL, 0, 0);
            if (a2 != a) a2.close();
            if (b2 != b) b2.close();
            return y;
        }
    }

    static Tensor compareScalar(BinaryOp op, Tensor a, double s) {
        a.checkOpen();
        DType dt = a.dtype.isFloatingPoint() || s == Math.rint(s) ? a.dtype : DType.FLOAT64;
        if (dt == DType.BOOL) dt = DType.INT64;
        try (Tensor t = Tensor.full(s, dt, a.device)) {
            return compare(op, a, t);
        }
    }

    static Tensor where(Tensor cond, Tensor a, Tensor b) {
        cond.checkOpen();
        a.checkOpen();
        b.checkOpen();
        if (cond.dtype != DType.BOOL) {
            throw new IllegalArgumentException("where: condition must be BOOL, got " + cond.dtype + " (shape "
                    + Shapes.str(cond.shape) + "); build it with a comparison such as x.gt(0)");
        }
        Kernels.sameDevice("where", cond, a);
        Kernels.sameDevice("where", a, b);
        DType dt = DType.promote(a.dtype, b.dtype);
        Tensor a2 = a.to(dt), b2 = b.to(dt);
        Tensor y = Kernels.where(cond, a2, b2);
        if (recording(a2, b2)) {
            long[] sa = a2.shape, sb = b2.shape;
            Node.record(y, "WhereBackward0", (ctx, g) -> {
                Tensor c = ctx.saved(0);
                Tensor zero = Tensor.zeros(g.dtype, g.device);
                Tensor ga = ctx.needsInputGrad(0) ? sumToShape(Tensor.where(c, g, zero), sa) : null;
                Tensor gb = ctx.needsInputGrad(1) ? sumToShape(Tensor.where(c, zero, g), sb) : null;
                return new Tensor[] {ga, gb};
            }, new Tensor[] {a2, b2}, cond);
        }
        return y;
    }

    /** Sums a broadcast gradient back to {@code shape} (the one place broadcasting is undone). */
    static Tensor sumToShape(Tensor g, long[] shape) {
        if (Arrays.equals(g.shape, shape)) return g;
        int lead = g.shape.length - shape.length;
        int[] dims = new int[g.shape.length];
        int k = 0;
        // two plain loops, not one with a branch on i < lead: C2's profiled loop predicates on
        // the one loop failed as the shapes varied, and each failure recompiled the method
        for (int i = 0; i < lead; i++) dims[k++] = i;
        for (int j = 0; j < shape.length; j++) {
            if (shape[j] == 1 && g.shape[lead + j] != 1) dims[k++] = lead + j;
        }
        Tensor s = k == 0 ? g : g.sum(Arrays.copyOf(dims, k), true);
        return Arrays.equals(s.shape, shape) ? s : s.reshape(shape);
    }

    static Tensor fusedBackward(BinaryOp op, Tensor g, Tensor t, double a, double b) {
        return Kernels.binary(op.opName, op.code, g, t, g.dtype, a, b);
    }

    static Tensor cast(Tensor x, DType dtype) {
        x.checkOpen();
        Tensor y = Kernels.contiguousCopy(x, dtype);
        if (recording(x) && dtype.isFloatingPoint()) {
            DType from = x.dtype;
            Node.record(y, "ToCopyBackward0", (ctx, g) -> new Tensor[] {g.to(from)}, new Tensor[] {x});
        }
        return y;
    }

    static Tensor toDevice(Tensor x, Device device) {
        x.checkOpen();
        Tensor y = Kernels.toDevice(x, device);
        if (recording(x)) {
            Device from = x.device;
            Node.record(y, "ToCopyBackward0", (ctx, g) -> new Tensor[] {g.to(from)}, new Tensor[] {x});
        }
        return y;
    }

    static Tensor contiguousCopy(Tensor x) {
        Tensor y = Kernels.contiguousCopy(x, x.dtype);
        if (recording(x)) Node.record(y, "CloneBackward0", (ctx, g) -> new Tensor[] {g}, new Tensor[] {x});
        return y;
    }

    static void checkInPlace(String op, Tensor self) {
        self.checkOpen();
        if (self.requiresGrad && GradMode.enabled()) {
            throw new IllegalStateException(op + ": in-place operations on a tensor that requires grad (shape "
                    + Shapes.str(self.shape) + ") are not recorded; use the out-of-place op, or wrap the update in "
                    + "try (var g = Autograd.noGrad()) { ... } as optimizers do");
        }
    }

    /**
     * Refuses to write into a tensor in which two elements share memory (an expanded view, or a
     * view of one): which of the writes lands would depend on thread timing on the CPU and the GPU.
     */
    static void checkWritable(String op, Tensor dst) {
        if (Shapes.selfOverlapping(dst.shape, dst.strides)) {
            throw new IllegalArgumentException(op + ": the destination (shape " + Shapes.str(dst.shape) + ", strides "
                    + Shapes.str(dst.strides) + ") has elements that share memory, as an expanded view does, so a write "
                    + "to it is ambiguous; write into a dense tensor (clone() or contiguous() makes one)");
        }
    }

    /**
     * True when src, read as if broadcast to dst's shape, shares memory with dst other than element
     * for element (same first element and the same stride on every dim): an elementwise write would
     * then change source elements that are still to be read. Conservative: it compares the memory
     * ranges, so two interleaved views that never touch count as overlapping too.
     */
    static boolean partlyOverlaps(Tensor dst, Tensor src) {
        if (dst.storage != src.storage) return false;
        long[] srcStrides = Shapes.expandStrides(src.shape, src.strides, dst.shape);
        long dLast = Shapes.extent(dst.shape, dst.strides), sLast = Shapes.extent(dst.shape, srcStrides);
        if (dLast < 0 || sLast < 0) return false;
        long d0 = dst.offset * dst.dtype.size, s0 = src.offset * src.dtype.size;
        long d1 = d0 + (dLast + 1) * dst.dtype.size, s1 = s0 + (sLast + 1) * src.dtype.size;
        if (d1 <= s0 || s1 <= d0) return false;
        if (d0 != s0 || dst.dtype.size != src.dtype.size) return true;
        for (int d = 0; d < dst.shape.length; d++) {
            if (dst.shape[d] > 1 && dst.strides[d] != srcStrides[d]) return true;
        }
        return false;
    }

    /** src itself, or a dense copy of it when it partly overlaps dst (the caller closes a copy). */
    static Tensor unaliased(Tensor dst, Tensor src) {
        return partlyOverlaps(dst, src) ? Autograd.withoutGrad(() -> Kernels.contiguousCopy(src, src.dtype)) : src;
    }

    static Tensor inPlace(BinaryOp op, Tensor self, Tensor other) {
        String name = op.opName + "InPlace";
        checkInPlace(name, self);
        other.checkOpen();
        Kernels.sameDevice(name, self, other);
        long[] shape = Shapes.broadcast(name, self.shape, other.shape);
        if (!Arrays.equals(shape, self.shape)) {
            throw new IllegalArgumentException(name + ": the result shape " + Shapes.str(shape) + " differs from this tensor's shape "
                    + Shapes.str(self.shape) + "; an in-place op needs the other operand to broadcast to " + Shapes.str(self.shape));
        }
        if (DType.promote(self.dtype, other.dtype) != self.dtype || (!op.integral && !self.dtype.isFloatingPoint())) {
            throw new IllegalArgumentException(name + ": result type " + DType.promote(self.dtype, other.dtype)
                    + " cannot be written into a tensor of dtype " + self.dtype);
        }
        checkWritable(name, self);
        try (var off = Autograd.noGrad()) {
            Tensor converted = other.to(self.dtype);
            Tensor o = unaliased(self, converted);
            if (o != converted && converted != other) converted.close();
            long[] geom = Shapes.geom(shape, self.strides, self.strides, Shapes.expandStrides(o.shape, o.strides, shape));
            Kernels.binaryInto(name, op.code, self.dtype, self, self, o, geom, 0, 0);
            if (o != other) o.close();
        }
        self.storage.bumpVersion();
        return self;
    }
}
