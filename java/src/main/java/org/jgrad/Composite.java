package org.jgrad;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Ops built from other ops (their gradients follow from those), or with a gradient formula of
 * their own where PyTorch defines one at a point the composition leaves undefined (a norm at zero).
 */
final class Composite {
    private Composite() {}

    private static void floating(String op, Tensor x) {
        if (!x.dtype.isFloatingPoint())
            throw new IllegalArgumentException(op + ": input dtype must be FLOAT32 or FLOAT64, got " + x.dtype + " (shape " + Shapes.str(x.shape) + ")");
    }

    private static long count(Tensor x, int[] dims) {
        long n = 1;
        for (int d : Reductions.normDims("count", dims, x.shape.length)) n *= x.shape.length == 0 ? 1 : x.shape[d];
        return n;
    }

    /** Σ(x - mean)² / (N - correction) over dims (all when null): torch.var. */
    static Tensor var(Tensor x, int[] dims, double correction, boolean keepDim) {
        floating("var", x);
        try (Scope scope = Scope.open()) {
            Tensor mean = x.mean(dims, true);
            Tensor dev = x.sub(mean);
            Tensor ss = dev.mul(dev).sum(dims, keepDim);
            double denom = Math.max(0, count(x, dims) - correction);
            return scope.keep(ss.div(denom));
        }
    }

    static Tensor std(Tensor x, int[] dims, double correction, boolean keepDim) {
        try (Scope scope = Scope.open()) {
            return scope.keep(var(x, dims, correction, keepDim).sqrt());
        }
    }

    /** The largest value over dims (NaN-propagating), keeping them; not recorded. */
    private static Tensor amaxKeep(Tensor x, int[] dims) {
        return Autograd.withoutGrad(() -> {
            int[] ds = Reductions.normDims("amax", dims, x.shape.length);
            Tensor m = x;
            for (int d : ds) {
                Tensor next = m.max(d, true);
                if (m != x) m.close();
                m = next;
            }
            return m == x ? x.detach() : m;
        });
    }

    private static Tensor squeezeDims(Tensor t, int[] dims, int ndim) {
        int[] ds = Reductions.normDims("squeeze", dims, ndim);
        Tensor r = t;
        for (int i = ds.length - 1; i >= 0; i--) r = r.squeeze(ds[i]);
        return r;
    }

    /** log Σ exp(x) over dims, stably (the max taken out; an infinite max leaves the sum as is): torch.logsumexp. */
    static Tensor logsumexp(Tensor x, int[] dims, boolean keepDim) {
        floating("logsumexp", x);
        try (Scope scope = Scope.open()) {
            Tensor m = amaxKeep(x, dims);
            Tensor finite = Autograd.withoutGrad(() -> {
                Tensor inf = m.abs().eq(Double.POSITIVE_INFINITY);
                return Tensor.where(inf, Tensor.zerosLike(m), m);
            });
            Tensor out = x.sub(finite).exp().sum(dims, true).log().add(finite);
            return scope.keep(keepDim ? out : squeezeDims(out, dims, x.shape.length).contiguous());
        }
    }

    /**
     * The p-norm over dims (all when null): p = 2, 1, infinity or any p > 0, as
     * torch.linalg.vector_norm, with PyTorch's gradient: 0 where the norm is 0, and for the
     * infinity norm shared evenly among the elements of largest magnitude.
     */
    static Tensor norm(Tensor x, double p, int[] dims, boolean keepDim) {
        floating("norm", x);
        if (!(p > 0)) throw new IllegalArgumentException("norm: p must be positive (or infinity), got " + p);
        int[] ds = dims;
        Tensor y, yKeep;
        try (Scope scope = Scope.open()) {
            Tensor a = Autograd.withoutGrad(x::abs);
            Tensor k;
            if (Double.isInfinite(p)) k = amaxKeep(a, ds);
            else if (p == 1) k = Autograd.withoutGrad(() -> a.sum(ds, true));
            else if (p == 2) k = Autograd.withoutGrad(() -> a.mul(a).sum(ds, true).sqrt());
            else k = Autograd.withoutGrad(() -> a.pow(p).sum(ds, true).pow(1 / p));
            yKeep = scope.keep(k.contiguous());
        }
        y = keepDim ? yKeep : squeezeDims(yKeep, ds, x.shape.length).contiguous();
        if (y != yKeep) yKeep.close();
        long[] keepShape = yKeep.shape.clone();
        return Autograd.record(y, "LinalgVectorNormBackward0", new Tensor[] {x}, new Tensor[] {x, y}, (ctx, g) -> {
            Tensor xs = ctx.saved(0), ys = ctx.saved(1).reshape(keepShape);
            Tensor gk = g.reshape(keepShape);
            Tensor zero = Tensor.zerosLike(xs);
            Tensor d;
            if (Double.isInfinite(p)) {
                Tensor hit = xs.abs().eq(ys).to(xs.dtype);
                d = xs.sign().mul(hit).div(hit.sum(ds, true)).mul(gk);
            } else if (p == 1) {
                d = xs.sign().mul(gk);
            } else if (p == 2) {
                d = xs.mul(gk.div(ys));
            } else {
                d = xs.mul(xs.abs().pow(p - 2)).mul(gk.div(ys.pow(p - 1)));
            }
            return new Tensor[] {Tensor.where(ys.eq(0.0).expand(xs.shape), zero, d)};
        });
    }

    /** value where mask is true (broadcast), x elsewhere: torch.masked_fill. */
    static Tensor maskedFill(Tensor x, Tensor mask, double value) {
        if (mask.dtype != DType.BOOL)
            throw new IllegalArgumentException("maskedFill: mask must be BOOL, got " + mask.dtype + " (shape " + Shapes.str(mask.shape) + ")");
        try (Scope scope = Scope.open()) {
            Tensor fill = Tensor.full(value, x.dtype, x.device, new long[0]);
            return scope.keep(Tensor.where(mask, fill.expand(x.shape), x));
        }
    }

    /** INT64 class indices to one-hot rows [.., numClasses] (INT64): torch.nn.functional.one_hot. */
    static Tensor oneHot(Tensor t, long numClasses) {
        if (t.dtype != DType.INT64)
            throw new IllegalArgumentException("oneHot: indices must be INT64, got " + t.dtype + " (shape " + Shapes.str(t.shape) + ")");
        long c = numClasses;
        if (c < 0) {
            if (t.numel == 0) throw new IllegalArgumentException("oneHot: numClasses cannot be inferred from an empty tensor; pass it");
            c = (long) t.max().item() + 1;
        }
        if (t.numel > 0) {
            long lo = (long) t.min().item(), hi = (long) t.max().item();
            if (lo < 0 || hi >= c)
                throw new IllegalArgumentException("oneHot: indices span " + lo + ".." + hi + ", outside 0.." + (c - 1) + " for " + c + " classes");
        }
        try (Scope scope = Scope.open()) {
            Tensor classes = Tensor.arange(c, t.device);
            return scope.keep(t.unsqueeze(-1).eq(classes).to(DType.INT64));
        }
    }

    /** Pieces of splitSize along dim (the last may be shorter): views, as torch.split. */
    static List<Tensor> split(Tensor x, long splitSize, int dim) {
        if (splitSize <= 0) throw new IllegalArgumentException("split: splitSize must be positive, got " + splitSize);
        int d = Shapes.normDim("split", dim, x.shape.length);
        long n = x.shape[d];
        List<Tensor> out = new ArrayList<>();
        for (long at = 0; at < n || (n == 0 && at == 0); at += splitSize) {
            out.add(x.narrow(d, at, Math.min(splitSize, n - at)));
            if (n == 0) break;
        }
        return out;
    }

    /** Sizes along dim for torch.split with a list of sizes, which must add up to the dimension. */
    static List<Tensor> split(Tensor x, long[] sizes, int dim) {
        int d = Shapes.normDim("split", dim, x.shape.length);
        long total = 0;
        for (long s : sizes) {
            if (s < 0) throw new IllegalArgumentException("split: negative size in " + Arrays.toString(sizes));
            total += s;
        }
        if (total != x.shape[d])
            throw new IllegalArgumentException("split: sizes " + Arrays.toString(sizes) + " add up to " + total + ", not to dim " + d + "'s " + x.shape[d]);
        List<Tensor> out = new ArrayList<>();
        long at = 0;
        for (long s : sizes) {
            out.add(x.narrow(d, at, s));
            at += s;
        }
        return out;
    }

    /** torch.chunk: ceil(n / chunks) per piece, so there may be fewer than chunks pieces. */
    static List<Tensor> chunk(Tensor x, int chunks, int dim) {
        if (chunks <= 0) throw new IllegalArgumentException("chunk: chunks must be positive, got " + chunks);
        int d = Shapes.normDim("chunk", dim, x.shape.length);
        long n = x.shape[d];
        return split(x, Math.max(1, (n + chunks - 1) / chunks), d);
    }

    /** A copy with its own storage (contiguous), recorded as torch.clone. */
    static Tensor cloneOf(Tensor x) {
        x.checkOpen();
        Tensor y = Autograd.withoutGrad(() -> Kernels.contiguousCopy(x, x.dtype));
        if (Ops.recording(x)) Node.record(y, "CloneBackward0", (ctx, g) -> new Tensor[] {g}, new Tensor[] {x});
        return y;
    }

    /**
     * Rows of weight [V, D] at INT64 indices of any shape: [.., D], as torch.nn.functional.embedding.
     * The gradient of the row paddingIdx (if >= 0) stays 0; the backward sums repeated indices in
     * position order on every device (the same bits each run, and on the CPU and a GPU).
     */
    static Tensor embedding(Tensor indices, Tensor weight, long paddingIdx) {
        if (indices.dtype != DType.INT64)
            throw new IllegalArgumentException("embedding: indices must be INT64, got " + indices.dtype + " (shape " + Shapes.str(indices.shape) + ")");
        if (weight.shape.length != 2)
            throw new IllegalArgumentException("embedding: weight must be [numEmbeddings, embeddingDim], got shape " + Shapes.str(weight.shape));
        long v = weight.shape[0];
        if (paddingIdx >= v) throw new IllegalArgumentException("embedding: paddingIdx " + paddingIdx + " is outside 0.." + (v - 1));
        long[] shape = Arrays.copyOf(indices.shape, indices.shape.length + 1);
        shape[indices.shape.length] = weight.shape[1];
        try (Scope scope = Scope.open()) {
            Tensor flat = indices.reshape(indices.numel);
            Tensor rows = flat.device.equals(weight.device) ? flat : flat.to(weight.device);
            Tensor picked = weight.indexSelect(0, rows);
            Tensor out = picked;
            if (paddingIdx >= 0 && weight.requiresGrad && GradMode.enabled()) {
                // padding rows keep their value but lose their gradient path; the others go through indexSelect
                Tensor keep = rows.ne((double) paddingIdx).to(weight.dtype).unsqueeze(1);
                Tensor frozen = Autograd.withoutGrad(() -> picked.detach().mul(keep.rsub(1.0)));
                out = picked.mul(keep).add(frozen);
            }
            return scope.keep(out.reshape(shape));
        }
    }
}
