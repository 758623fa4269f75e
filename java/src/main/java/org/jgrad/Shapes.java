package org.jgrad;

import java.util.Arrays;

/** Shape arithmetic shared by every op: strides, broadcasting, dim checks, coalescing. */
final class Shapes {
    private Shapes() {}

    static final long[] SCALAR = new long[0];

    /** The element count of a shape already checked by {@link #numel(String, long[])} at its op. */
    static long numel(long[] shape) {
        return numel("tensor", shape);
    }

    /**
     * The element count of a shape, refusing one whose sizes (zeros counted as ones, so that every
     * contiguous stride is representable too) multiply past 2^63 - 1: the product would wrap and the
     * tensor would silently hold the wrong number of elements.
     */
    static long numel(String op, long[] shape) {
        long n = sizesProduct(shape);
        if (n < 0) throw tooLarge(op, shape);
        for (long s : shape) {
            if (s == 0) return 0;
        }
        return n;
    }

    /** Whether {@code numel} would refuse the shape (its sizes, zeros counted as ones, multiply past 2^63 - 1). */
    static boolean overflows(long[] shape) {
        return sizesProduct(shape) < 0;
    }

    /** The product of a shape's sizes above 1, or -1 past 2^63 - 1. */
    private static long sizesProduct(long[] shape) {
        long n = 1;
        for (long s : shape) {
            if (s > 1) {
                if (Math.multiplyHigh(n, s) != 0 || n * s < 0) return -1;  // both positive: no division
                n *= s;
            }
        }
        return n;
    }

    /** The byte count of {@code numel} elements of {@code dtype}, refusing one past 2^63 - 1. */
    static long byteCount(String op, long numel, DType dtype, long[] shape) {
        if (numel > Long.MAX_VALUE / dtype.size) {
            throw new IllegalArgumentException(op + ": a " + dtype + " tensor of shape " + str(shape) + " (" + numel
                    + " elements) would need more than 2^63 - 1 bytes");
        }
        return numel * dtype.size;
    }

    private static IllegalArgumentException tooLarge(String op, long[] shape) {
        return new IllegalArgumentException(op + ": shape " + str(shape) + " has more elements than 2^63 - 1 (the product of its sizes"
                + " overflows a 64-bit count); no tensor can have this shape");
    }

    static long[] contiguousStrides(long[] shape) {
        long[] st = new long[shape.length];
        long acc = 1;
        for (int d = shape.length - 1; d >= 0; d--) {
            st[d] = acc;
            acc *= Math.max(shape[d], 1);
        }
        return st;
    }

    static boolean isContiguous(long[] shape, long[] strides) {
        long acc = 1;
        for (int d = shape.length - 1; d >= 0; d--) {
            if (shape[d] != 1 && strides[d] != acc) return false;
            acc *= shape[d];
        }
        return true;
    }

    static String str(long[] shape) {
        return Arrays.toString(shape);
    }

    static long[] checkShape(String op, long[] shape) {
        for (long s : shape) {
            if (s < 0) throw new IllegalArgumentException(op + ": invalid shape " + str(shape) + ": sizes must be >= 0");
        }
        numel(op, shape);
        return shape.clone();
    }

    /** NumPy broadcasting of two shapes; throws naming the op and both shapes. */
    static long[] broadcast(String op, long[] a, long[] b) {
        if (Arrays.equals(a, b)) return a;
        int n = Math.max(a.length, b.length);
        long[] out = new long[n];
        // a and b right-aligned in n dims, the missing leading ones of size 1
        long[] pa = a.length == n ? a : padded(a, n), pb = b.length == n ? b : padded(b, n);
        for (int i = 0; i < n; i++) {
            long da = pa[i], db = pb[i];
            if (da != db && da != 1 && db != 1) {
                throw new IllegalArgumentException(op + ": shapes " + str(a) + " and " + str(b)
                        + " do not broadcast: dim " + i + " of the broadcast shape has sizes " + da + " and " + db
                        + "; sizes must match or one of them must be 1");
            }
            out[i] = da == 1 ? db : da;
        }
        if (overflows(out)) numel(op + " (broadcasting " + str(a) + " with " + str(b) + ")", out);  // throws; the message only then
        return out;
    }

    /** A shape with ones in front, to n dims. */
    private static long[] padded(long[] shape, int n) {
        long[] out = new long[n];
        Arrays.fill(out, 0, n - shape.length, 1);
        System.arraycopy(shape, 0, out, n - shape.length, shape.length);
        return out;
    }

    /** Strides that read a tensor of shape/strides as if expanded to {@code target} (stride 0 on broadcast dims). */
    static long[] expandStrides(long[] shape, long[] strides, long[] target) {
        long[] out = new long[target.length];  // the leading dims it lacks: stride 0
        int off = target.length - shape.length;
        for (int j = 0; j < shape.length; j++) out[off + j] = shape[j] == 1 && target[off + j] != 1 ? 0 : strides[j];
        return out;
    }

    /**
     * True unless every element of the layout has its own memory: with the dims of size > 1 in
     * increasing stride, each stride must pass the farthest element the smaller dims reach. Exact for
     * every view jgrad's ops make (slices, transposes, permutes, reshapes, expands); an expanded dim
     * (stride 0) always overlaps.
     */
    static boolean selfOverlapping(long[] shape, long[] strides) {
        int n = 0;
        long[][] dims = new long[shape.length][];
        for (int d = 0; d < shape.length; d++) {
            if (shape[d] == 0) return false;
            if (shape[d] > 1) dims[n++] = new long[] {strides[d], shape[d]};
        }
        if (n == 0) return false;
        if (n > 1) Arrays.sort(dims, 0, n, (x, y) -> Long.compare(x[0], y[0]));
        long reach = 0;
        for (int i = 0; i < n; i++) {
            if (dims[i][0] <= reach) return true;
            reach += (dims[i][1] - 1) * dims[i][0];
        }
        return false;
    }

    /** The last element offset a layout reaches from its first (-1 when it has no elements). */
    static long extent(long[] shape, long[] strides) {
        long reach = 0;
        for (int d = 0; d < shape.length; d++) {
            if (shape[d] == 0) return -1;
            reach += (shape[d] - 1) * strides[d];
        }
        return reach;
    }

    static int normDim(String op, int dim, int ndim) {
        int r = Math.max(ndim, 1);
        if (dim < -r || dim >= r) {
            throw new IllegalArgumentException(op + ": dim " + dim + " is out of range for a tensor with " + ndim
                    + " dims; valid dims are " + (-r) + ".." + (r - 1));
        }
        return dim < 0 ? dim + r : dim;
    }

    /**
     * Packs shape and per-operand strides into the native geom layout after dropping size-1 dims and
     * merging dims that are contiguous for every operand. Returns null when every operand is dense
     * and contiguous (the native fast path).
     */
    static long[] geom(long[] shape, long[]... strides) {
        int nd = shape.length;
        int k = strides.length;
        long[] sh = new long[nd];
        long[][] st = new long[k][nd];
        int m = 0;
        for (int d = 0; d < nd; d++) {
            if (shape[d] == 1) continue;
            if (m > 0) {
                boolean merge = true;
                for (int j = 0; j < k && merge; j++) merge = st[j][m - 1] == strides[j][d] * shape[d];
                if (merge) {
                    sh[m - 1] *= shape[d];
                    for (int j = 0; j < k; j++) st[j][m - 1] = strides[j][d];
                    continue;
                }
            }
            sh[m] = shape[d];
            for (int j = 0; j < k; j++) st[j][m] = strides[j][d];
            m++;
        }
        if (m == 0) return null;
        if (m == 1) {
            boolean dense = true;
            for (int j = 0; j < k; j++) dense &= st[j][0] == 1;
            if (dense) return null;
        }
        long[] g = new long[m * (k + 1)];
        System.arraycopy(sh, 0, g, 0, m);
        for (int j = 0; j < k; j++) System.arraycopy(st[j], 0, g, m * (j + 1), m);
        return g;
    }

    static int geomDims(long[] geom, int operands) {
        return geom == null ? 0 : geom.length / (operands + 1);
    }
}
