package org.jgrad;

import java.util.Locale;

/** toString in PyTorch's style: {@code tensor([1.5000, 2.0000], requires_grad=True)}. */
final class Format {
    private Format() {}

    private static final int EDGE = 3;     // items shown at each end of a long dim
    private static final int SUMMARIZE = 1000;

    static String format(Tensor t) {
        double[] v = t.toDoubleArray();
        boolean summarize = t.numel > SUMMARIZE;
        String body;
        StringBuilder sb = new StringBuilder("tensor(");
        if (t.dtype.isFloatingPoint()) {
            boolean allInt = true, sci = false;
            double maxAbs = 0, minAbs = Double.MAX_VALUE;
            for (double x : v) {
                if (Double.isNaN(x) || Double.isInfinite(x)) continue;
                if (x != Math.rint(x)) allInt = false;
                double a = Math.abs(x);
                if (a > 0) {
                    maxAbs = Math.max(maxAbs, a);
                    minAbs = Math.min(minAbs, a);
                }
            }
            if (maxAbs > 0 && (maxAbs / minAbs > 1000 || maxAbs > 1e8 || minAbs < 1e-4)) sci = true;
            boolean s = sci;
            boolean ints = allInt && !sci;
            body = nest(t, v, 0, 0, "tensor(".length(), summarize, x -> formatFloat(x, ints, s));
        } else if (t.dtype == DType.BOOL) {
            body = nest(t, v, 0, 0, "tensor(".length(), summarize, x -> x != 0 ? "True" : "False");
        } else {
            body = nest(t, v, 0, 0, "tensor(".length(), summarize, x -> Long.toString((long) x));
        }
        sb.append(body);
        if (t.dtype == DType.FLOAT64 || t.dtype == DType.INT64 && t.numel == 0 || t.dtype == DType.BOOL && t.numel == 0) {
            sb.append(", dtype=").append(t.dtype.torchName());
        }
        if (t.gradFn() != null) sb.append(", grad_fn=<").append(t.gradFn().name()).append('>');
        else if (t.requiresGrad) sb.append(", requires_grad=True");
        if (!t.device.isCpu()) sb.append(", device='").append(t.device).append('\'');
        return sb.append(')').toString();
    }

    private static String formatFloat(double x, boolean ints, boolean sci) {
        if (Double.isNaN(x)) return "nan";
        if (Double.isInfinite(x)) return x > 0 ? "inf" : "-inf";
        if (sci) return String.format(Locale.ROOT, "%.4e", x).replace("e+0", "e+0").replaceAll("e([+-])(\\d)$", "e$10$2");
        if (ints) return String.format(Locale.ROOT, "%.0f.", x);
        return String.format(Locale.ROOT, "%.4f", x);
    }

    private interface Fmt {
        String f(double x);
    }

    private static String nest(Tensor t, double[] v, int dim, int base, int indent, boolean summarize, Fmt raw) {
        int width = 0;
        for (double x : v) width = Math.max(width, raw.f(x).length());
        final int w = width;
        return nestPadded(t, v, dim, base, indent, summarize, x -> {
            String s = raw.f(x);
            return s.length() >= w ? s : " ".repeat(w - s.length()) + s;
        });
    }

    private static String nestPadded(Tensor t, double[] v, int dim, int base, int indent, boolean summarize, Fmt fmt) {
        if (t.shape.length == 0) return fmt.f(v[0]);
        long[] shape = t.shape;
        long stride = 1;
        for (int d = dim + 1; d < shape.length; d++) stride *= shape[d];
        StringBuilder sb = new StringBuilder("[");
        long n = shape[dim];
        boolean last = dim == shape.length - 1;
        for (long i = 0; i < n; i++) {
            if (summarize && n > 2 * EDGE && i == EDGE) {
                sb.append(last ? "..., " : "...,\n" + " ".repeat(indent + 1));
                i = n - EDGE - 1;
                continue;
            }
            if (last) sb.append(fmt.f(v[(int) (base + i)]));
            else sb.append(nestPadded(t, v, dim + 1, (int) (base + i * stride), indent + 1, summarize, fmt));
            if (i < n - 1) sb.append(last ? ", " : ",\n" + "\n".repeat(Math.max(0, shape.length - dim - 2)) + " ".repeat(indent + 1));
        }
        return sb.append(']').toString();
    }
}
