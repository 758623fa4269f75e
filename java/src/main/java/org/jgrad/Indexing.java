package org.jgrad;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** gather, indexSelect, cat and stack with their gradients. */
final class Indexing {
    private Indexing() {}

    static Tensor gather(Tensor x, int dim, Tensor index) {
        x.checkOpen();
        index.checkOpen();
        Kernels.sameDevice("gather", x, index);
        if (index.dtype != DType.INT64) {
            throw new IllegalArgumentException("gather: index must be INT64, got " + index.dtype + " (shape " + Shapes.str(index.shape) + ")");
        }
        int n = x.shape.length;
        if (index.shape.length != n) {
            throw new IllegalArgumentException("gather: index has " + index.shape.length + " dims (shape " + Shapes.str(index.shape)
                    + ") but the input has " + n + " (shape " + Shapes.str(x.shape) + "); they must have the same number of dims");
        }
        int d = Shapes.normDim("gather", dim, n);
        for (int i = 0; i < n; i++) {
            if (i != d && index.shape[i] > x.shape[i]) {
                throw new IllegalArgumentException("gather: index shape " + Shapes.str(index.shape) + " exceeds input shape "
                        + Shapes.str(x.shape) + " at dim " + i + "; index.size(i) <= input.size(i) is required for every dim except " + d);
            }
        }
        if (n == 0) return x.mul(1.0);
        Tensor out = Tensor.empty(index.shape, x.dtype, x.device);
        if (out.numel > 0) {
            long[] geom = new long[3 * n];
            System.arraycopy(index.shape, 0, geom, 0, n);
            System.arraycopy(x.strides, 0, geom, n, n);
            System.arraycopy(index.strides, 0, geom, 2 * n, n);
            if (x.shape[d] == 0) {
                throw new IllegalArgumentException("gather: dim " + d + " of the input (shape " + Shapes.str(x.shape) + ") is empty; no index is valid");
            }
            Kernels.gather(out, x, index, geom, d);
        }
        if (Ops.recording(x)) {
            long[] in = x.shape;
            Node.record(out, "GatherBackward0", (ctx, g) -> new Tensor[] {scatterAdd(in, d, ctx.saved(0), g)}, new Tensor[] {x}, index);
        }
        return out;
    }

    /** zeros(shape) with src added at index along dim; recorded (its gradient is a gather). */
    static Tensor scatterAdd(long[] shape, int d, Tensor index, Tensor src) {
        Tensor out = Tensor.zeros(src.dtype, src.device, shape);
        int n = shape.length;
        if (src.numel > 0) {
            long[] geom = new long[4 * n];
            System.arraycopy(index.shape, 0, geom, 0, n);
            System.arraycopy(out.strides, 0, geom, n, n);
            long[] ss = Shapes.expandStrides(src.shape, src.strides, index.shape);
            System.arraycopy(ss, 0, geom, 2 * n, n);
            System.arraycopy(index.strides, 0, geom, 3 * n, n);
            Kernels.scatterAdd(out, src, index, geom, d);
        }
        if (Ops.recording(src)) {
            Node.record(out, "ScatterAddBackward0", (ctx, g) -> new Tensor[] {g.gather(d, ctx.saved(0))}, new Tensor[] {src}, index);
        }
        return out;
    }

    static Tensor indexSelect(Tensor x, int dim, Tensor index) {
        x.checkOpen();
        index.checkOpen();
        Kernels.sameDevice("indexSelect", x, index);
        if (index.dtype != DType.INT64 || index.shape.length > 1) {
            throw new IllegalArgumentException("indexSelect: index must be a 1-D INT64 tensor, got " + index.dtype + " of shape "
                    + Shapes.str(index.shape));
        }
        int n = x.shape.length;
        if (n == 0) throw new IllegalArgumentException("indexSelect: input must have at least one dim, got a 0-dim tensor");
        int d = Shapes.normDim("indexSelect", dim, n);
        long k = index.numel;
        long[] outShape = x.shape.clone();
        outShape[d] = k;
        if (k > 0 && x.shape[d] == 0) {
            throw new IllegalArgumentException("indexSelect: dim " + d + " of the input (shape " + Shapes.str(x.shape) + ") is empty; no index is valid");
        }
        long outer = 1, inner = 1;
        for (int i = 0; i < d; i++) outer *= x.shape[i];
        for (int i = d + 1; i < n; i++) inner *= x.shape[i];
        long[] rows = rowStrides(x, d, inner);
        Tensor src = rows != null ? x : Autograd.withoutGrad(() -> Kernels.contiguousCopy(x, x.dtype));
        if (rows == null) rows = new long[] {x.shape[d] * inner, inner};
        Tensor out = Tensor.empty(outShape, x.dtype, x.device);
        if (out.numel > 0) Kernels.indexSelect(out, src, d, outer, x.shape[d], inner, rows[0], rows[1], index);
        if (src != x) src.close();
        if (Ops.recording(x)) {
            long[] in = x.shape;
            long o = outer, size = x.shape[d], inn = inner;
            Node.record(out, "IndexSelectBackward0", (ctx, g) -> new Tensor[] {indexAdd(in, d, o, size, inn, ctx.saved(0), g)},
                    new Tensor[] {x}, index);
        }
        return out;
    }

    /**
     * {outer stride, stride along d} of x seen as [outer, size(d), inner] with dense inner rows, or null
     * when its layout is not that (the dims after d not one dense block, or the dims before d not one stride).
     */
    private static long[] rowStrides(Tensor x, int d, long inner) {
        int n = x.shape.length;
        long expect = 1;
        for (int i = n - 1; i > d; i--) {
            if (x.shape[i] != 1 && x.strides[i] != expect) return null;
            expect *= x.shape[i];
        }
        long dimStride = x.shape[d] == 1 ? inner : x.strides[d];
        long outerStride = -1, next = -1;
        for (int i = d - 1; i >= 0; i--) {
            if (x.shape[i] == 1) continue;
            if (outerStride < 0) outerStride = x.strides[i];
            else if (x.strides[i] != next) return null;
            next = x.strides[i] * x.shape[i];
        }
        return new long[] {outerStride < 0 ? 0 : outerStride, dimStride};
    }

    /**
     * index_add on a GPU with the CPU's bits: the device kernel adds with atomics, whose order is
     * free when an index repeats, so the positions are applied in rounds, the r-th occurrence of each
     * index in round r (no destination twice within a round, rounds in order). Every destination
     * then sums its rows in position order, as the CPU's loop does.
     */
    private static Tensor deterministicIndexAdd(Tensor out, Tensor src, int d, long outer, long size, long inner, Tensor index) {
        long[] idx = index.toLongArray();
        int[] round = new int[idx.length];
        java.util.HashMap<Long, Integer> seen = new java.util.HashMap<>();
        int rounds = 0;
        for (int p = 0; p < idx.length; p++) {
            long v = idx[p] < 0 ? idx[p] + size : idx[p];
            round[p] = seen.merge(v, 1, Integer::sum) - 1;
            rounds = Math.max(rounds, round[p] + 1);
        }
        if (rounds <= 1) {
            Kernels.indexAdd(out, src, d, outer, size, inner, index);
            return out;
        }
        for (int r = 0; r < rounds; r++) {
            int n = 0;
            for (int p = 0; p < idx.length; p++) if (round[p] == r) n++;
            long[] pos = new long[n], sub = new long[n];
            for (int p = 0, j = 0; p < idx.length; p++) {
                if (round[p] == r) {
                    pos[j] = p;
                    sub[j++] = idx[p];
                }
            }
            try (Scope scope = Scope.open()) {
                Tensor posT = Tensor.of(pos, n).to(out.device);
                Tensor part = src.indexSelect(d, posT).contiguous();
                Kernels.indexAdd(out, part, d, outer, size, inner, Tensor.of(sub, n).to(out.device));
            }
        }
        return out;
    }

    /** zeros(shape) with the rows of src [.., k, ..] added at index along d; recorded (its gradient is an indexSelect). */
    static Tensor indexAdd(long[] shape, int d, long outer, long size, long inner, Tensor index, Tensor src) {
        Tensor out = Tensor.zeros(src.dtype, src.device, shape);
        if (src.numel > 0) {
            Tensor s = src.contiguous ? src : Autograd.withoutGrad(() -> Kernels.contiguousCopy(src, src.dtype));
            if (out.device.isCpu() || !src.dtype.isFloatingPoint()) Kernels.indexAdd(out, s, d, outer, size, inner, index);
            else if (!Cuda.isDeterministic()) Kernels.indexAdd(out, s, d, outer, size, inner, index);
            else Autograd.withoutGrad(() -> deterministicIndexAdd(out, s, d, outer, size, inner, index));
            if (s != src) s.close();
        }
        if (Ops.recording(src)) {
            Node.record(out, "IndexAddBackward0", (ctx, g) -> new Tensor[] {g.indexSelect(d, ctx.saved(0))}, new Tensor[] {src}, index);
        }
        return out;
    }

    static Tensor cat(List<Tensor> tensors, int dim) {
        if (tensors.isEmpty()) throw new IllegalArgumentException("cat: expected a non-empty list of tensors");
        Tensor first = tensors.get(0);
        first.checkOpen();
        int n = first.shape.length;
        if (n == 0) throw new IllegalArgumentException("cat: zero-dim tensors cannot be concatenated; unsqueeze them or use stack");
        int d = Shapes.normDim("cat", dim, n);
        DType dt = first.dtype;
        long total = 0;
        for (int i = 0; i < tensors.size(); i++) {
            Tensor t = tensors.get(i);
            t.checkOpen();
            Kernels.sameDevice("cat", first, t);
            dt = DType.promote(dt, t.dtype);
            boolean ok = t.shape.length == n;
            for (int j = 0; ok && j < n; j++) ok = j == d || t.shape[j] == first.shape[j];
            if (!ok) {
                throw new IllegalArgumentException("cat: tensor " + i + " has shape " + Shapes.str(t.shape) + " but tensor 0 has shape "
                        + Shapes.str(first.shape) + "; sizes must match except in dim " + d);
            }
            if (total > Long.MAX_VALUE - t.shape[d]) {
                throw new IllegalArgumentException("cat: the sizes of dim " + d + " of tensors 0.." + i + " (the last of shape "
                        + Shapes.str(t.shape) + ") add up past 2^63 - 1; no tensor can have this shape");
            }
            total += t.shape[d];
        }
        long[] outShape = first.shape.clone();
        outShape[d] = total;
        Shapes.numel("cat", outShape);
        Tensor out = Tensor.empty(outShape, dt, first.device);
        long off = 0;
        List<Tensor> inputs = new ArrayList<>();
        long[] offsets = new long[tensors.size()];
        long[] lengths = new long[tensors.size()];
        boolean anyGrad = false;
        for (int i = 0; i < tensors.size(); i++) {
            Tensor t = tensors.get(i);
            long len = t.shape[d];
            long[] ws = outShape.clone();
            ws[d] = len;
            Tensor part = out.view(ws, out.strides, off * out.strides[d]);
            Kernels.copy(part, t);
            part.close();
            offsets[i] = off;
            lengths[i] = len;
            off += len;
            inputs.add(t);
            anyGrad |= t.requiresGrad;
        }
        if (anyGrad && GradMode.enabled()) {
            Tensor[] in = inputs.toArray(new Tensor[0]);
            DType[] types = new DType[in.length];
            for (int i = 0; i < in.length; i++) types[i] = in[i].dtype;
            Node.record(out, "CatBackward0", (ctx, g) -> {
                Tensor[] gs = new Tensor[in.length];
                for (int i = 0; i < in.length; i++) {
                    if (ctx.needsInputGrad(i)) gs[i] = g.narrow(d, offsets[i], lengths[i]).to(types[i]);
                }
                return gs;
            }, in);
        }
        return out;
    }

    static Tensor stack(List<Tensor> tensors, int dim) {
        if (tensors.isEmpty()) throw new IllegalArgumentException("stack: expected a non-empty list of tensors");
        long[] s0 = tensors.get(0).shape;
        int d = dim < 0 ? dim + s0.length + 1 : dim;
        if (d < 0 || d > s0.length) {
            throw new IllegalArgumentException("stack: dim " + dim + " is out of range for tensors with " + s0.length + " dims; valid dims are "
                    + (-(s0.length + 1)) + ".." + s0.length);
        }
        List<Tensor> parts = new ArrayList<>();
        try {
            for (int i = 0; i < tensors.size(); i++) {
                Tensor t = tensors.get(i);
                if (!Arrays.equals(t.shape, s0)) {
                    throw new IllegalArgumentException("stack: tensor " + i + " has shape " + Shapes.str(t.shape) + " but tensor 0 has shape "
                            + Shapes.str(s0) + "; stack needs equal shapes");
                }
                parts.add(t.unsqueeze(d));
            }
            return cat(parts, d);
        } finally {
            parts.forEach(Tensor::close);  // the cat node keeps what it needs
        }
    }
}
