package org.jgrad.testing;

/**
 * Float64 references for convolution, pooling and channel normalisation, written from their
 * definitions as direct loops over NCHW arrays (no lowering, no shared code with the library).
 */
public final class ConvRef {
    private ConvRef() {}

    private static int i(long v) {
        return (int) v;
    }

    /** out[n, co, y, x] = b[co] + Σ w[co, c, i, j] · x[n, g·C/G + c, y·s − p + i·d, x·s − p + j·d] (zero outside). */
    public static Nd conv2d(Nd x, Nd w, Nd b, int[] s, int[] p, int[] d, int groups) {
        int n = i(x.shape[0]), c = i(x.shape[1]), h = i(x.shape[2]), wd = i(x.shape[3]);
        int co = i(w.shape[0]), cg = i(w.shape[1]), kh = i(w.shape[2]), kw = i(w.shape[3]);
        int oh = (h + 2 * p[0] - d[0] * (kh - 1) - 1) / s[0] + 1, ow = (wd + 2 * p[1] - d[1] * (kw - 1) - 1) / s[1] + 1;
        double[] out = new double[n * co * oh * ow];
        int perGroupOut = co / groups;
        for (int ni = 0; ni < n; ni++)
            for (int o = 0; o < co; o++) {
                int g = o / perGroupOut;
                for (int y = 0; y < oh; y++)
                    for (int xx = 0; xx < ow; xx++) {
                        double acc = b == null ? 0 : b.data[o];
                        for (int cl = 0; cl < cg; cl++)
                            for (int a = 0; a < kh; a++)
                                for (int e = 0; e < kw; e++) {
                                    int iy = y * s[0] - p[0] + a * d[0], ix = xx * s[1] - p[1] + e * d[1];
                                    if (iy < 0 || iy >= h || ix < 0 || ix >= wd) continue;
                                    acc += w.data[((o * cg + cl) * kh + a) * kw + e] * x.data[((ni * c + g * cg + cl) * h + iy) * wd + ix];
                                }
                        out[((ni * co + o) * oh + y) * ow + xx] = acc;
                    }
            }
        return new Nd(new long[] {n, co, oh, ow}, out);
    }

    /** The transposed convolution by its scatter definition: each input element adds w·x at y = iy·s − p + i·d. */
    public static Nd convTranspose2d(Nd x, Nd w, Nd b, int[] s, int[] p, int[] op, int groups, int[] d) {
        int n = i(x.shape[0]), cin = i(x.shape[1]), h = i(x.shape[2]), wd = i(x.shape[3]);
        int cog = i(w.shape[1]), kh = i(w.shape[2]), kw = i(w.shape[3]), co = cog * groups;
        int oh = (h - 1) * s[0] - 2 * p[0] + d[0] * (kh - 1) + op[0] + 1, ow = (wd - 1) * s[1] - 2 * p[1] + d[1] * (kw - 1) + op[1] + 1;
        double[] out = new double[n * co * oh * ow];
        int cig = cin / groups;
        for (int ni = 0; ni < n; ni++) {
            if (b != null)
                for (int o = 0; o < co; o++)
                    for (int k = 0; k < oh * ow; k++) out[(ni * co + o) * oh * ow + k] = b.data[o];
            for (int ci = 0; ci < cin; ci++) {
                int g = ci / cig;
                for (int iy = 0; iy < h; iy++)
                    for (int ix = 0; ix < wd; ix++) {
                        double v = x.data[((ni * cin + ci) * h + iy) * wd + ix];
                        for (int ol = 0; ol < cog; ol++)
                            for (int a = 0; a < kh; a++)
                                for (int e = 0; e < kw; e++) {
                                    int y = iy * s[0] - p[0] + a * d[0], xx = ix * s[1] - p[1] + e * d[1];
                                    if (y < 0 || y >= oh || xx < 0 || xx >= ow) continue;
                                    out[((ni * co + g * cog + ol) * oh + y) * ow + xx] += v * w.data[((ci * cog + ol) * kh + a) * kw + e];
                                }
                    }
            }
        }
        return new Nd(new long[] {n, co, oh, ow}, out);
    }

    /** A [.., L] tensor seen as [.., 1, L] (and back with {@link #squeezeHeight}). */
    public static Nd unsqueezeHeight(Nd t) {
        long[] sh = new long[t.shape.length + 1];
        for (int k = 0, j = 0; k < sh.length; k++) sh[k] = k == sh.length - 2 ? 1 : t.shape[j++];
        return new Nd(sh, t.data);
    }

    public static Nd squeezeHeight(Nd t) {
        long[] sh = new long[t.shape.length - 1];
        for (int k = 0, j = 0; k < t.shape.length; k++) if (k != t.shape.length - 2) sh[j++] = t.shape[k];
        return new Nd(sh, t.data);
    }

    static int poolOut(int in, int k, int s, int p, int d, boolean ceil) {
        double q = (double) (in + 2 * p - d * (k - 1) - 1) / s;
        int out = (int) (ceil ? Math.ceil(q) : Math.floor(q)) + 1;
        if (ceil && (out - 1) * s >= in + p) out--;
        return out;
    }

    /** Max over the taps inside the input. */
    public static Nd maxPool2d(Nd x, int[] k, int[] s, int[] p, int[] d, boolean ceil) {
        if (x.shape.length == 3) {  // unbatched [C, H, W]
            Nd y = maxPool2d(new Nd(new long[] {1, x.shape[0], x.shape[1], x.shape[2]}, x.data), k, s, p, d, ceil);
            return new Nd(new long[] {y.shape[1], y.shape[2], y.shape[3]}, y.data);
        }
        int n = i(x.shape[0] * x.shape[1]), h = i(x.shape[2]), w = i(x.shape[3]);
        int oh = poolOut(h, k[0], s[0], p[0], d[0], ceil), ow = poolOut(w, k[1], s[1], p[1], d[1], ceil);
        double[] out = new double[n * oh * ow];
        for (int pl = 0; pl < n; pl++)
            for (int y = 0; y < oh; y++)
                for (int xx = 0; xx < ow; xx++) {
                    double m = Double.NEGATIVE_INFINITY;
                    for (int a = 0; a < k[0]; a++)
                        for (int e = 0; e < k[1]; e++) {
                            int iy = y * s[0] - p[0] + a * d[0], ix = xx * s[1] - p[1] + e * d[1];
                            if (iy >= 0 && iy < h && ix >= 0 && ix < w) m = Math.max(m, x.data[(pl * h + iy) * w + ix]);
                        }
                    out[(pl * oh + y) * ow + xx] = m;
                }
        return new Nd(new long[] {x.shape[0], x.shape[1], oh, ow}, out);
    }

    /** The window mean; the divisor counts the padding inside the padded input (includePad) or only real elements. */
    public static Nd avgPool2d(Nd x, int[] k, int[] s, int[] p, boolean ceil, boolean includePad) {
        int n = i(x.shape[0] * x.shape[1]), h = i(x.shape[2]), w = i(x.shape[3]);
        int oh = poolOut(h, k[0], s[0], p[0], 1, ceil), ow = poolOut(w, k[1], s[1], p[1], 1, ceil);
        double[] out = new double[n * oh * ow];
        for (int pl = 0; pl < n; pl++)
            for (int y = 0; y < oh; y++)
                for (int xx = 0; xx < ow; xx++) {
                    double sum = 0;
                    int real = 0, padded = 0;
                    for (int a = 0; a < k[0]; a++)
                        for (int e = 0; e < k[1]; e++) {
                            int iy = y * s[0] - p[0] + a, ix = xx * s[1] - p[1] + e;
                            if (iy < h + p[0] && ix < w + p[1]) padded++;
                            if (iy >= 0 && iy < h && ix >= 0 && ix < w) {
                                sum += x.data[(pl * h + iy) * w + ix];
                                real++;
                            }
                        }
                    out[(pl * oh + y) * ow + xx] = sum / (includePad ? padded : real);
                }
        return new Nd(new long[] {x.shape[0], x.shape[1], oh, ow}, out);
    }

    /** Window y spans rows floor(y·H/oh) to ceil((y+1)·H/oh). */
    public static Nd adaptiveAvgPool2d(Nd x, int oh, int ow) {
        int n = i(x.shape[0] * x.shape[1]), h = i(x.shape[2]), w = i(x.shape[3]);
        double[] out = new double[n * oh * ow];
        for (int pl = 0; pl < n; pl++)
            for (int y = 0; y < oh; y++)
                for (int xx = 0; xx < ow; xx++) {
                    int y0 = (int) Math.floor((double) y * h / oh), y1 = (int) Math.ceil((double) (y + 1) * h / oh);
                    int x0 = (int) Math.floor((double) xx * w / ow), x1 = (int) Math.ceil((double) (xx + 1) * w / ow);
                    double sum = 0;
                    for (int a = y0; a < y1; a++)
                        for (int e = x0; e < x1; e++) sum += x.data[(pl * h + a) * w + e];
                    out[(pl * oh + y) * ow + xx] = sum / ((y1 - y0) * (x1 - x0));
                }
        return new Nd(new long[] {x.shape[0], x.shape[1], oh, ow}, out);
    }

    /** (x − mean) / √(var + eps) · w + b per channel; mean and the biased var from x, or the given ones (eval). */
    public static Nd batchNorm(Nd x, Nd runMean, Nd runVar, Nd w, Nd b, double eps) {
        int n = i(x.shape[0]), c = i(x.shape[1]), s = x.data.length / Math.max(1, n * c);
        double[] out = new double[x.data.length];
        for (int ch = 0; ch < c; ch++) {
            double m, v;
            if (runMean != null) {
                m = runMean.data[ch];
                v = runVar.data[ch];
            } else {
                double sum = 0, sq = 0;
                for (int k = 0; k < n; k++)
                    for (int e = 0; e < s; e++) sum += x.data[(k * c + ch) * s + e];
                m = sum / (n * s);
                for (int k = 0; k < n; k++)
                    for (int e = 0; e < s; e++) sq += Math.pow(x.data[(k * c + ch) * s + e] - m, 2);
                v = sq / (n * s);
            }
            for (int k = 0; k < n; k++)
                for (int e = 0; e < s; e++) {
                    int at = (k * c + ch) * s + e;
                    out[at] = (x.data[at] - m) / Math.sqrt(v + eps) * (w == null ? 1 : w.data[ch]) + (b == null ? 0 : b.data[ch]);
                }
        }
        return new Nd(x.shape, out);
    }

    /** Each group of channels of each sample normalised over its elements, then the channel's weight and bias. */
    public static Nd groupNorm(Nd x, int groups, Nd w, Nd b, double eps) {
        int n = i(x.shape[0]), c = i(x.shape[1]), s = x.data.length / Math.max(1, n * c), per = c / groups * s;
        double[] out = new double[x.data.length];
        for (int k = 0; k < n; k++)
            for (int g = 0; g < groups; g++) {
                int base = (k * c + g * (c / groups)) * s;
                double m = 0, v = 0;
                for (int e = 0; e < per; e++) m += x.data[base + e];
                m /= per;
                for (int e = 0; e < per; e++) v += Math.pow(x.data[base + e] - m, 2);
                v /= per;
                for (int e = 0; e < per; e++) {
                    int ch = g * (c / groups) + e / s;
                    out[base + e] = (x.data[base + e] - m) / Math.sqrt(v + eps) * (w == null ? 1 : w.data[ch]) + (b == null ? 0 : b.data[ch]);
                }
            }
        return new Nd(x.shape, out);
    }
}
