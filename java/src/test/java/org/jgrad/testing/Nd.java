package org.jgrad.testing;

import java.util.Arrays;
import java.util.function.DoubleBinaryOperator;
import java.util.function.DoubleUnaryOperator;
import org.jgrad.Tensor;

/**
 * An independent float64 reference: a plain row-major array with the few operations the
 * conformance suite needs, written directly from their definitions (no jgrad code involved
 * beyond reading input values).
 */
public final class Nd {
    public final long[] shape;
    public final double[] data;

    public Nd(long[] shape, double[] data) {
        this.shape = shape.clone();
        this.data = data;
        if (numel(shape) != data.length) throw new IllegalArgumentException("Nd: data/shape mismatch");
    }

    public static Nd of(Tensor t) {
        return new Nd(t.shape(), t.toDoubleArray());
    }

    public static Nd scalar(double v) {
        return new Nd(new long[0], new double[] {v});
    }

    static long numel(long[] s) {
        long n = 1;
        for (long d : s) n *= d;
        return n;
    }

    long[] strides() {
        long[] st = new long[shape.length];
        long acc = 1;
        for (int d = shape.length - 1; d >= 0; d--) {
            st[d] = acc;
            acc *= shape[d];
        }
        return st;
    }

    long[] unravel(long flat) {
        long[] idx = new long[shape.length];
        for (int d = shape.length - 1; d >= 0; d--) {
            idx[d] = flat % shape[d];
            flat /= shape[d];
        }
        return idx;
    }

    double at(long[] idx) {
        long off = 0;
        long[] st = strides();
        for (int d = 0; d < shape.length; d++) off += idx[d] * st[d];
        return data[(int) off];
    }

    /** Element at a broadcast index (trailing alignment, size-1 dims repeat). */
    double atBroadcast(long[] idx) {
        long off = 0;
        long[] st = strides();
        int lead = idx.length - shape.length;
        for (int d = 0; d < shape.length; d++) off += (shape[d] == 1 ? 0 : idx[d + lead]) * st[d];
        return data[(int) off];
    }

    public Nd map(DoubleUnaryOperator f) {
        double[] out = new double[data.length];
        for (int i = 0; i < out.length; i++) out[i] = f.applyAsDouble(data[i]);
        return new Nd(shape, out);
    }

    public static long[] broadcast(long[] a, long[] b) {
        int n = Math.max(a.length, b.length);
        long[] out = new long[n];
        for (int i = 0; i < n; i++) {
            long da = i < n - a.length ? 1 : a[i - (n - a.length)];
            long db = i < n - b.length ? 1 : b[i - (n - b.length)];
            if (da != db && da != 1 && db != 1) throw new IllegalArgumentException("no broadcast");
            out[i] = Math.max(da, db) == 1 ? Math.min(da, db) == 0 ? 0 : 1 : (da == 1 ? db : da);
        }
        return out;
    }

    public Nd zip(Nd o, DoubleBinaryOperator f) {
        long[] s = broadcast(shape, o.shape);
        Nd out = new Nd(s, new double[(int) numel(s)]);
        for (int i = 0; i < out.data.length; i++) {
            long[] idx = out.unravel(i);
            out.data[i] = f.applyAsDouble(atBroadcast(idx), o.atBroadcast(idx));
        }
        return out;
    }

    public static Nd where(Nd cond, Nd a, Nd b) {
        long[] s = broadcast(broadcast(cond.shape, a.shape), b.shape);
        Nd out = new Nd(s, new double[(int) numel(s)]);
        for (int i = 0; i < out.data.length; i++) {
            long[] idx = out.unravel(i);
            out.data[i] = cond.atBroadcast(idx) != 0 ? a.atBroadcast(idx) : b.atBroadcast(idx);
        }
        return out;
    }

    public interface Reducer {
        double reduce(double[] values);
    }

    /** Reduces over dims (null = all). */
    public Nd reduce(int[] dims, boolean keepDim, Reducer r) {
        boolean[] red = new boolean[shape.length];
        if (dims == null) Arrays.fill(red, true);
        else for (int d : dims) red[d < 0 ? d + shape.length : d] = true;
        long[] keep = shape.clone();
        for (int d = 0; d < shape.length; d++) if (red[d]) keep[d] = 1;
        Nd out = new Nd(keep, new double[(int) numel(keep)]);
        long per = numel(shape) / Math.max(1, numel(keep));
        double[][] groups = new double[out.data.length][(int) per];
        int[] fill = new int[out.data.length];
        long[] ost = out.strides();
        for (int i = 0; i < data.length; i++) {
            long[] idx = unravel(i);
            long o = 0;
            for (int d = 0; d < shape.length; d++) o += (red[d] ? 0 : idx[d]) * ost[d];
            groups[(int) o][fill[(int) o]++] = data[i];
        }
        for (int i = 0; i < out.data.length; i++) out.data[i] = r.reduce(groups[i]);
        if (keepDim) return out;
        long[] s = new long[shape.length];
        int k = 0;
        for (int d = 0; d < shape.length; d++) if (!red[d]) s[k++] = shape[d];
        return new Nd(Arrays.copyOf(s, k), out.data);
    }

    public Nd reshape(long... s) {
        return new Nd(s, data.clone());
    }

    public Nd permute(int... p) {
        long[] s = new long[p.length];
        for (int i = 0; i < p.length; i++) s[i] = shape[p[i]];
        Nd out = new Nd(s, new double[data.length]);
        for (int i = 0; i < data.length; i++) {
            long[] oi = out.unravel(i);
            long[] src = new long[p.length];
            for (int k = 0; k < p.length; k++) src[p[k]] = oi[k];
            out.data[i] = at(src);
        }
        return out;
    }

    public Nd transpose(int a, int b) {
        int n = shape.length;
        a = a < 0 ? a + n : a;
        b = b < 0 ? b + n : b;
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        p[a] = b;
        p[b] = a;
        return permute(p);
    }

    public Nd slice(int dim, long start, long end, long step) {
        long[] s = shape.clone();
        s[dim] = (end - start + step - 1) / step;
        Nd out = new Nd(s, new double[(int) numel(s)]);
        for (int i = 0; i < out.data.length; i++) {
            long[] idx = out.unravel(i);
            idx[dim] = start + idx[dim] * step;
            out.data[i] = at(idx);
        }
        return out;
    }

    public Nd expand(long... target) {
        Nd out = new Nd(target, new double[(int) numel(target)]);
        for (int i = 0; i < out.data.length; i++) out.data[i] = atBroadcast(out.unravel(i));
        return out;
    }

    /** Batched matrix product with broadcast batch dims (both operands at least 2-D). */
    public Nd matmul(Nd b) {
        int na = shape.length, nb = b.shape.length;
        long m = shape[na - 2], k = shape[na - 1], n = b.shape[nb - 1];
        long[] batch = broadcast(Arrays.copyOf(shape, na - 2), Arrays.copyOf(b.shape, nb - 2));
        long[] os = Arrays.copyOf(batch, batch.length + 2);
        os[batch.length] = m;
        os[batch.length + 1] = n;
        Nd out = new Nd(os, new double[(int) numel(os)]);
        for (int i = 0; i < out.data.length; i++) {
            long[] idx = out.unravel(i);
            double s = 0;
            for (long kk = 0; kk < k; kk++) {
                long[] ia = Arrays.copyOf(idx, idx.length);
                ia[idx.length - 1] = kk;
                long[] ib = Arrays.copyOf(idx, idx.length);
                ib[idx.length - 2] = kk;
                s += atBroadcast(ia) * b.atBroadcast(ib);
            }
            out.data[i] = s;
        }
        return out;
    }

    public Nd softmax(int dim, boolean log) {
        int d = dim < 0 ? dim + shape.length : dim;
        Nd mx = reduce(new int[] {d}, true, v -> Arrays.stream(v).max().orElse(Double.NaN));
        Nd shifted = zip(mx, (x, m) -> x - m);
        Nd sumExp = shifted.map(Math::exp).reduce(new int[] {d}, true, v -> Arrays.stream(v).sum());
        if (log) return shifted.zip(sumExp, (x, s) -> x - Math.log(s));
        return shifted.zip(sumExp, (x, s) -> Math.exp(x) / s);
    }

    public Nd gather(int dim, Nd index) {
        Nd out = new Nd(index.shape, new double[index.data.length]);
        for (int i = 0; i < out.data.length; i++) {
            long[] idx = out.unravel(i);
            idx[dim] = (long) index.data[i];
            out.data[i] = at(idx);
        }
        return out;
    }

    public static Nd cat(int dim, Nd... parts) {
        long[] s = parts[0].shape.clone();
        s[dim] = 0;
        for (Nd p : parts) s[dim] += p.shape[dim];
        Nd out = new Nd(s, new double[(int) numel(s)]);
        for (int i = 0; i < out.data.length; i++) {
            long[] idx = out.unravel(i);
            long pos = idx[dim];
            for (Nd p : parts) {
                if (pos < p.shape[dim]) {
                    idx[dim] = pos;
                    out.data[i] = p.at(idx);
                    break;
                }
                pos -= p.shape[dim];
            }
        }
        return out;
    }

    public Nd insertDim(int dim) {
        long[] s = new long[shape.length + 1];
        for (int i = 0, j = 0; i < s.length; i++) s[i] = i == dim ? 1 : shape[j++];
        return new Nd(s, data.clone());
    }
}
