package org.jgrad;

import java.util.Arrays;

/** View ops: new shape/strides/offset over the same storage, each with its gradient. */
final class Views {
    private Views() {}

    private static Tensor recordView(Tensor x, Tensor y, String name, Autograd.Backward fn) {
        if (Ops.recording(x)) Node.record(y, name, fn, new Tensor[] {x});
        return y;
    }

    static Tensor alias(Tensor x) {
        Tensor y = x.view(x.shape, x.strides, x.offset);
        return recordView(x, y, "AliasBackward0", (ctx, g) -> new Tensor[] {g});
    }

    static Tensor reshape(Tensor x, long[] newShape, boolean viewOnly) {
        x.checkOpen();
        String op = viewOnly ? "view" : "reshape";
        long[] shape = inferShape(op, newShape, x.numel, x.shape);
        long[] strides = x.contiguous ? Shapes.contiguousStrides(shape) : viewStrides(x.shape, x.strides, shape, x.numel);
        Tensor y;
        if (strides != null) {
            y = x.view(shape, strides, x.offset);
        } else if (viewOnly) {
            throw new IllegalArgumentException("view: shape " + Shapes.str(shape) + " is not compatible with the strides "
                    + Shapes.str(x.strides) + " of a tensor of shape " + Shapes.str(x.shape) + "; use reshape(...) which copies when needed");
        } else {
            Tensor c = Autograd.withoutGrad(() -> Kernels.contiguousCopy(x, x.dtype));
            y = c.view(shape, Shapes.contiguousStrides(shape), 0);
            c.close();
        }
        long[] in = x.shape;
        return recordView(x, y, viewOnly ? "ViewBackward0" : "ReshapeAliasBackward0", (ctx, g) -> new Tensor[] {g.reshape(in)});
    }

    private static long[] inferShape(String op, long[] shape, long numel, long[] from) {
        long[] s = shape.clone();
        int infer = -1;
        for (int i = 0; i < s.length; i++) {
            if (s[i] == -1) {
                if (infer >= 0) throw new IllegalArgumentException(op + ": only one dim can be -1, got " + Shapes.str(shape));
                infer = i;
            } else if (s[i] < 0) {
                throw new IllegalArgumentException(op + ": invalid size " + s[i] + " in shape " + Shapes.str(shape));
            }
        }
        long[] given = s.clone();
        if (infer >= 0) given[infer] = 1;
        long known = Shapes.numel(op, given);
        if (infer >= 0) {
            if (known == 0 || numel % known != 0) {
                throw new IllegalArgumentException(op + ": shape " + Shapes.str(shape) + " is invalid for input of shape "
                        + Shapes.str(from) + " (" + numel + " elements)");
            }
            s[infer] = numel / known;
        } else if (known != numel) {
            throw new IllegalArgumentException(op + ": shape " + Shapes.str(shape) + " is invalid for input of shape "
                    + Shapes.str(from) + " (" + numel + " elements); the shape must have the same number of elements");
        }
        return s;
    }

    /** Strides that view (oldShape, oldStrides) as newShape without copying, or null if impossible. */
    private static long[] viewStrides(long[] oldShape, long[] oldStrides, long[] newShape, long numel) {
        if (numel == 0 || oldShape.length == 0) return Shapes.contiguousStrides(newShape);
        long[] ns = new long[newShape.length];
        int viewD = newShape.length - 1;
        long chunkBase = oldStrides[oldStrides.length - 1];
        long tensorNumel = 1, viewNumel = 1;
        for (int td = oldShape.length - 1; td >= 0; td--) {
            tensorNumel *= oldShape[td];
            if (td == 0 || (oldShape[td - 1] != 1 && oldStrides[td - 1] != tensorNumel * chunkBase)) {
                while (viewD >= 0 && (viewNumel < tensorNumel || newShape[viewD] == 1)) {
                    ns[viewD] = viewNumel * chunkBase;
                    viewNumel *= newShape[viewD];
                    viewD--;
                }
                if (viewNumel != tensorNumel) return null;
                if (td > 0) {
                    chunkBase = oldStrides[td - 1];
                    tensorNumel = 1;
                    viewNumel = 1;
                }
            }
        }
        return viewD == -1 ? ns : null;
    }

    static Tensor transpose(Tensor x, int d0, int d1) {
        x.checkOpen();
        int n = x.shape.length;
        int a = Shapes.normDim("transpose", d0, n), b = Shapes.normDim("transpose", d1, n);  // 0-dim: dims -1 and 0, as PyTorch
        if (n == 0) return alias(x);
        long[] shape = x.shape.clone(), strides = x.strides.clone();
        shape[a] = x.shape[b];
        shape[b] = x.shape[a];
        strides[a] = x.strides[b];
        strides[b] = x.strides[a];
        Tensor y = x.view(shape, strides, x.offset);
        return recordView(x, y, "TransposeBackward0", (ctx, g) -> new Tensor[] {g.transpose(a, b)});
    }

    static Tensor permute(Tensor x, int[] dims) {
        x.checkOpen();
        int n = x.shape.length;
        if (dims.length != n) {
            throw new IllegalArgumentException("permute: got " + dims.length + " dims " + Arrays.toString(dims) + " for a tensor with "
                    + n + " dims (shape " + Shapes.str(x.shape) + "); give a permutation of 0.." + (n - 1));
        }
        int[] p = new int[n], inv = new int[n];
        boolean[] seen = new boolean[n];
        long[] shape = new long[n], strides = new long[n];
        for (int i = 0; i < n; i++) {
            int d = Shapes.normDim("permute", dims[i], n);
            if (seen[d]) throw new IllegalArgumentException("permute: dim " + d + " repeats in " + Arrays.toString(dims));
            seen[d] = true;
            p[i] = d;
            inv[d] = i;
            shape[i] = x.shape[d];
            strides[i] = x.strides[d];
        }
        Tensor y = x.view(shape, strides, x.offset);
        return recordView(x, y, "PermuteBackward0", (ctx, g) -> new Tensor[] {g.permute(inv)});
    }

    static Tensor slice(Tensor x, int dim, long start, long end, long step, String op) {
        x.checkOpen();
        int d = Shapes.normDim(op, dim, x.shape.length);
        if (x.shape.length == 0) throw new IllegalArgumentException(op + ": cannot slice a 0-dim tensor");
        long size = x.shape[d];
        if (step <= 0) throw new IllegalArgumentException(op + ": step must be positive, got " + step);
        if (op.equals("narrow")) {
            long length = end - start;
            long s0 = start < 0 ? start + size : start;
            if (s0 < 0 || s0 > size || length < 0 || s0 + length > size) {
                throw new IllegalArgumentException("narrow: start " + start + " and length " + length + " do not fit dim " + d
                        + " of size " + size + " (shape " + Shapes.str(x.shape) + ")");
            }
            start = s0;
            end = s0 + length;
        } else {
            if (start < 0) start += size;
            if (end < 0) end += size;
            start = Math.max(0, Math.min(start, size));
            end = Math.max(start, Math.min(end, size));
        }
        long len = (end - start + step - 1) / step;
        long[] shape = x.shape.clone(), strides = x.strides.clone();
        shape[d] = len;
        strides[d] = x.strides[d] * step;
        Tensor y = x.view(shape, strides, x.offset + start * x.strides[d]);
        long[] in = x.shape;
        long s = start, e = end;
        return recordView(x, y, "SliceBackward0", (ctx, g) -> new Tensor[] {sliceBackward(g, in, d, s, e, step)});
    }

    /** Scatters g into zeros of the input shape; recorded so that gradients of gradients work. */
    private static Tensor sliceBackward(Tensor g, long[] inShape, int d, long start, long end, long step) {
        Tensor out = Tensor.zeros(g.dtype, g.device, inShape);
        Tensor window = Autograd.withoutGrad(() -> out.slice(d, start, end, step));
        Autograd.withoutGrad(() -> window.copyInPlace(g));
        window.close();
        if (Ops.recording(g)) {
            Node.record(out, "SliceBackwardBackward0", (ctx, gg) -> new Tensor[] {gg.slice(d, start, end, step)}, new Tensor[] {g});
        }
        return out;
    }

    static Tensor expand(Tensor x, long[] sizes) {
        x.checkOpen();
        int n = sizes.length, off = n - x.shape.length;
        if (off < 0) {
            throw new IllegalArgumentException("expand: target shape " + Shapes.str(sizes) + " has fewer dims than the tensor's shape "
                    + Shapes.str(x.shape));
        }
        long[] shape = new long[n], strides = new long[n];
        for (int i = 0; i < n; i++) {
            long want = sizes[i];
            if (i < off) {
                if (want < 0) throw new IllegalArgumentException("expand: -1 is not allowed for a new leading dim, got " + Shapes.str(sizes));
                shape[i] = want;
                strides[i] = 0;
                continue;
            }
            long have = x.shape[i - off];
            if (want == -1 || want == have) {
                shape[i] = have;
                strides[i] = x.strides[i - off];
            } else if (have == 1 && want >= 0) {
                shape[i] = want;
                strides[i] = 0;
            } else {
                throw new IllegalArgumentException("expand: the size " + have + " of dim " + (i - off) + " of shape " + Shapes.str(x.shape)
                        + " cannot expand to " + want + " (target " + Shapes.str(sizes) + "); only dims of size 1 can expand");
            }
        }
        Shapes.numel("expand", shape);
        Tensor y = x.view(shape, strides, x.offset);
        long[] in = x.shape;
        return recordView(x, y, "ExpandBackward0", (ctx, g) -> new Tensor[] {Ops.sumToShape(g, in)});
    }

    static Tensor squeeze(Tensor x, int dim, boolean all) {
        x.checkOpen();
        int n = x.shape.length;
        int d = all || n == 0 ? -1 : Shapes.normDim("squeeze", dim, n);
        int keep = 0;
        long[] shape = new long[n], strides = new long[n];
        for (int i = 0; i < n; i++) {
            boolean drop = x.shape[i] == 1 && (all || i == d);
            if (!drop) {
                shape[keep] = x.shape[i];
                strides[keep] = x.strides[i];
                keep++;
            }
        }
        Tensor y = x.view(Arrays.copyOf(shape, keep), Arrays.copyOf(strides, keep), x.offset);
        long[] in = x.shape;
        return recordView(x, y, "SqueezeBackward0", (ctx, g) -> new Tensor[] {g.reshape(in)});
    }

    static Tensor unsqueeze(Tensor x, int dim) {
        x.checkOpen();
        int n = x.shape.length;
        if (dim < -(n + 1) || dim > n) {
            throw new IllegalArgumentException("unsqueeze: dim " + dim + " is out of range for a tensor with " + n + " dims; valid dims are "
                    + (-(n + 1)) + ".." + n);
        }
        int d = dim < 0 ? dim + n + 1 : dim;
        long[] shape = new long[n + 1], strides = new long[n + 1];
        for (int i = 0, j = 0; i <= n; i++) {
            if (i == d) {
                shape[i] = 1;
                strides[i] = d < n ? x.shape[d] * x.strides[d] : 1;
            } else {
                shape[i] = x.shape[j];
                strides[i] = x.strides[j];
                j++;
            }
        }
        Tensor y = x.view(shape, strides, x.offset);
        long[] in = x.shape;
        return recordView(x, y, "UnsqueezeBackward0", (ctx, g) -> new Tensor[] {g.reshape(in)});
    }
}
