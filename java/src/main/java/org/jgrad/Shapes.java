package org.jgrad;

import java.util.Arrays;

/** Shape arithmetic shared by every op: strides, broadcasting, dim checks, coalescing. */
final class Shapes {
    private Shapes() {}

    static final long[] SCALAR = new long[0];

    static long numel(long[] shape) {
        long n = 1;
        for (long s : shape) n *= s;
        return n;
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
        return shape.clone();
    }

    /** NumPy broadcasting of two shapes; throws naming the op and both shapes. */
    static long[] broadcast(String op, long[] a, long[] b) {
        if (Arrays.equals(a, b)) return a;
        int n = Math.max(a.length, b.length);
        long[] out = new long[n];
        for (int i = 0; i < n; i++) {
            long da = i < n - a.length ? 1 : a[i - (n - a.length)];
            long db = i < n - b.length ? 1 : b[i - (n - b.length)];
            if (da != db && da != 1 && db != 1) {
                throw new IllegalArgumentException(op + ": shapes " + str(a) + " and " + str(b)
                        + " do not broadcast: dim " + i + " of the broadcast shape has sizes " + da + " and " + db
                        + "; sizes must match or one of them must be 1");
            }
            out[i] = da == 1 ? db : da;
        }
        return out;
    }

    /** Strides that read a tensor of shape/strides as if expanded to {@code target} (stride 0 on broadcast dims). */
    static long[] expandStrides(long[] shape, long[] strides, long[] target) {
        long[] out = new long[target.length];
        int off = target.length - shape.length;
        for (int i = 0; i < target.length; i++) {
            if (i < off) out[i] = 0;
            else out[i] = shape[i - off] == 1 && target[i] != 1 ? 0 : strides[i - off];
        }
        return out;
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
