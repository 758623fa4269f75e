package org.jgrad.testing;

import static org.jgrad.testing.OpInfo.c;
import static org.jgrad.testing.OpInfo.f;
import static org.jgrad.testing.OpInfo.ft;
import static org.jgrad.testing.OpInfo.idx;
import static org.jgrad.testing.OpInfo.mask;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.DoubleBinaryOperator;
import java.util.function.DoubleUnaryOperator;
import java.util.function.UnaryOperator;
import org.jgrad.DType;
import org.jgrad.ElementLosses;
import org.jgrad.RowLosses;
import org.jgrad.Tensor;
import org.jgrad.nn.Functional;
import org.jgrad.nn.Reduction;
import org.jgrad.testing.OpInfo.Domain;

/** Every public op, with sample inputs and an independent float64 reference (see {@link Nd}). */
public final class OpRegistry {
    private OpRegistry() {}

    public static final List<OpInfo> OPS = new ArrayList<>();

    private static OpInfo add(OpInfo o) {
        OPS.add(o);
        return o;
    }

    private static OpInfo unary(String name, Domain domain, UnaryOperator<Tensor> op, DoubleUnaryOperator ref) {
        return unary(name, name, domain, op, ref);
    }

    private static OpInfo unary(String name, String method, Domain domain, UnaryOperator<Tensor> op, DoubleUnaryOperator ref) {
        return add(new OpInfo(name, method, domain, a -> op.apply(a[0]), a -> a[0].map(ref), true, null))
                .sample(f(3, 4)).sample(ft(3, 4)).sample(f()).sample(f(2, 3, 4));
    }

    private static OpInfo binary(String name, String method, Domain domain, BiFunction<Tensor, Tensor, Tensor> op,
                                 DoubleBinaryOperator ref, boolean differentiable, DType out) {
        return add(new OpInfo(name, method, domain, a -> op.apply(a[0], a[1]), a -> a[0].zip(a[1], ref), differentiable, out))
                .sample(f(3, 4), f(3, 4)).sample(f(3, 4), f(4)).sample(f(2, 1, 3), f(4, 1)).sample(ft(3, 4), f(1, 4))
                .sample(f(), f(3)).sample(f(3, 4), ft(3, 4));
    }

    private static double sigmoid(double x) {
        return 1 / (1 + Math.exp(-x));
    }

    /** erf by its Maclaurin series summed in 40-digit decimal arithmetic: exact to the last bit of a double. */
    public static double erf(double x) {
        if (Math.abs(x) > 6) return Math.signum(x);  // erfc(6) < 2.2e-17
        java.math.MathContext mc = new java.math.MathContext(40);
        java.math.BigDecimal bx = new java.math.BigDecimal(x), x2 = bx.multiply(bx, mc).negate();
        java.math.BigDecimal term = bx, sum = bx;
        for (int n = 1; n < 400; n++) {
            term = term.multiply(x2, mc).divide(java.math.BigDecimal.valueOf(n), mc);
            java.math.BigDecimal t = term.divide(java.math.BigDecimal.valueOf(2L * n + 1), mc);
            sum = sum.add(t, mc);
            if (t.abs().compareTo(java.math.BigDecimal.ONE.movePointLeft(36)) < 0) break;
        }
        java.math.BigDecimal twoOverSqrtPi = new java.math.BigDecimal("1.128379167095512573896158903121545171688");
        return sum.multiply(twoOverSqrtPi, mc).doubleValue();
    }

    private static double gelu(double x) {
        return 0.5 * x * (1 + erf(x / Math.sqrt(2)));
    }

    private static double geluTanh(double x) {
        return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
    }

    private static double softplus(double x, double beta, double threshold) {
        return beta * x > threshold ? x : Math.log1p(Math.exp(beta * x)) / beta;
    }

    private static double variance(double[] v, double correction) {
        double m = sum(v) / v.length, ss = 0;
        for (double x : v) ss += (x - m) * (x - m);
        return ss / (v.length - correction);
    }

    private static double lse(double[] v) {
        double m = max(v), s = 0;
        for (double x : v) s += Math.exp(x - m);
        return m + Math.log(s);
    }

    private static double pnorm(double[] v, double p) {
        if (Double.isInfinite(p)) return Arrays.stream(v).map(Math::abs).max().getAsDouble();
        double s = 0;
        for (double x : v) s += Math.pow(Math.abs(x), p);
        return Math.pow(s, 1 / p);
    }

    /** weight [V, D] rows at the indices: [.., D]. */
    private static Nd embeddingRef(Nd weight, Nd idx) {
        int d = (int) weight.shape[1], n = idx.data.length;
        double[] out = new double[n * d];
        for (int i = 0; i < n; i++) System.arraycopy(weight.data, (int) idx.data[i] * d, out, i * d, d);
        long[] shape = Arrays.copyOf(idx.shape, idx.shape.length + 1);
        shape[idx.shape.length] = d;
        return new Nd(shape, out);
    }

    /** x [N, C, H, W] with zeros added after the last row (rows of them) and column (cols). */
    static Nd padAfter(Nd x, int rows, int cols) {
        int n = (int) x.shape[0], c = (int) x.shape[1], h = (int) x.shape[2], w = (int) x.shape[3];
        double[] out = new double[n * c * (h + rows) * (w + cols)];
        for (int p = 0; p < n * c; p++)
            for (int y = 0; y < h; y++)
                for (int e = 0; e < w; e++) out[(p * (h + rows) + y) * (w + cols) + e] = x.data[(p * h + y) * w + e];
        return new Nd(new long[] {n, c, h + rows, w + cols}, out);
    }

    /** Normalises each run of the last {@code k} elements (k = the product of normalizedShape). */
    private static Nd layerNormRef(Nd x, int k, Nd w, Nd b, double eps) {
        double[] out = new double[x.data.length];
        for (int r = 0; r < x.data.length / k; r++) {
            double m = 0, v = 0;
            for (int j = 0; j < k; j++) m += x.data[r * k + j];
            m /= k;
            for (int j = 0; j < k; j++) v += (x.data[r * k + j] - m) * (x.data[r * k + j] - m);
            v /= k;
            for (int j = 0; j < k; j++) {
                double y = (x.data[r * k + j] - m) / Math.sqrt(v + eps);
                out[r * k + j] = y * (w == null ? 1 : w.data[j]) + (b == null ? 0 : b.data[j]);
            }
        }
        return new Nd(x.shape, out);
    }

    private static double sum(double[] v) {
        double s = 0;
        for (double x : v) s += x;
        return s;
    }

    private static double max(double[] v) {
        return Arrays.stream(v).max().getAsDouble();
    }

    private static double min(double[] v) {
        return Arrays.stream(v).min().getAsDouble();
    }

    private static double argmax(double[] v) {
        int k = 0;
        for (int i = 1; i < v.length; i++) if (v[i] > v[k]) k = i;
        return k;
    }

    private static double argmin(double[] v) {
        int k = 0;
        for (int i = 1; i < v.length; i++) if (v[i] < v[k]) k = i;
        return k;
    }

    private static Nd mean(Nd x, int[] dims, boolean keep) {
        return x.reduce(dims, keep, v -> sum(v) / v.length);
    }

    static {
        // ---- unary elementwise
        unary("neg", Domain.ANY, Tensor::neg, x -> -x);
        unary("abs", Domain.AWAY_FROM_ZERO, Tensor::abs, Math::abs);
        add(new OpInfo("sign", "sign", Domain.AWAY_FROM_ZERO, a -> a[0].sign(), a -> a[0].map(Math::signum), true, null)).sample(f(3, 4)).sample(ft(3, 4));
        unary("exp", Domain.ANY, Tensor::exp, Math::exp);
        unary("log", Domain.POSITIVE, Tensor::log, Math::log);
        unary("sqrt", Domain.POSITIVE, Tensor::sqrt, Math::sqrt);
        unary("sin", Domain.ANY, Tensor::sin, Math::sin);
        unary("cos", Domain.ANY, Tensor::cos, Math::cos);
        unary("sigmoid", Domain.ANY, Tensor::sigmoid, OpRegistry::sigmoid);
        unary("tanh", Domain.ANY, Tensor::tanh, Math::tanh);
        unary("relu", Domain.AWAY_FROM_ZERO, Tensor::relu, x -> Math.max(0, x));
        unary("leakyRelu", Domain.AWAY_FROM_ZERO, x -> x.leakyRelu(0.01), x -> x > 0 ? x : 0.01 * x);
        unary("gelu", Domain.ANY, Tensor::gelu, OpRegistry::gelu);
        unary("gelu(tanh)", "gelu", Domain.ANY, x -> x.gelu("tanh"), OpRegistry::geluTanh);
        unary("silu", Domain.ANY, Tensor::silu, x -> x * sigmoid(x));
        unary("softplus", Domain.ANY, Tensor::softplus, x -> softplus(x, 1, 20));
        // beta 2 and threshold 1: both branches are sampled
        unary("softplus(beta,threshold)", "softplus", Domain.AWAY_FROM_ZERO, x -> x.softplus(2, 1), x -> softplus(x, 2, 1));
        unary("erf", Domain.ANY, Tensor::erf, OpRegistry::erf);
        unary("log1p", Domain.POSITIVE, Tensor::log1p, Math::log1p);
        unary("expm1", Domain.ANY, Tensor::expm1, Math::expm1);
        unary("clamp", Domain.ANY, x -> x.clamp(-0.5, 0.7), x -> Math.min(0.7, Math.max(-0.5, x)));
        unary("add(scalar)", "add", Domain.ANY, x -> x.add(2.5), x -> x + 2.5);
        unary("sub(scalar)", "sub", Domain.ANY, x -> x.sub(2.5), x -> x - 2.5);
        unary("mul(scalar)", "mul", Domain.ANY, x -> x.mul(-1.5), x -> x * -1.5);
        unary("div(scalar)", "div", Domain.ANY, x -> x.div(3.0), x -> x / 3.0);
        unary("rsub", Domain.ANY, x -> x.rsub(1.0), x -> 1.0 - x);
        unary("rdiv", Domain.AWAY_FROM_ZERO, x -> x.rdiv(2.0), x -> 2.0 / x);
        unary("pow(scalar)", "pow", Domain.POSITIVE, x -> x.pow(1.7), x -> Math.pow(x, 1.7));
        unary("pow(2)", "pow", Domain.ANY, x -> x.pow(2), x -> x * x);
        unary("to(FLOAT64)", "to", Domain.ANY, x -> x.to(DType.FLOAT64).mul(1.0), x -> x);
        unary("contiguous", Domain.ANY, Tensor::contiguous, x -> x);

        // ---- binary elementwise (broadcasting, non-contiguous)
        binary("add", "add", Domain.ANY, Tensor::add, Double::sum, true, null);
        binary("sub", "sub", Domain.ANY, Tensor::sub, (x, y) -> x - y, true, null);
        binary("mul", "mul", Domain.ANY, Tensor::mul, (x, y) -> x * y, true, null);
        binary("div", "div", Domain.AWAY_FROM_ZERO, Tensor::div, (x, y) -> x / y, true, null);
        binary("pow", "pow", Domain.POSITIVE, Tensor::pow, Math::pow, true, null);
        binary("maximum", "maximum", Domain.DISTINCT, Tensor::maximum, Math::max, true, null);
        binary("minimum", "minimum", Domain.DISTINCT, Tensor::minimum, Math::min, true, null);
        binary("eq", "eq", Domain.ANY, Tensor::eq, (x, y) -> x == y ? 1 : 0, false, DType.BOOL);
        binary("ne", "ne", Domain.ANY, Tensor::ne, (x, y) -> x != y ? 1 : 0, false, DType.BOOL);
        binary("gt", "gt", Domain.ANY, Tensor::gt, (x, y) -> x > y ? 1 : 0, false, DType.BOOL);
        binary("ge", "ge", Domain.ANY, Tensor::ge, (x, y) -> x >= y ? 1 : 0, false, DType.BOOL);
        binary("lt", "lt", Domain.ANY, Tensor::lt, (x, y) -> x < y ? 1 : 0, false, DType.BOOL);
        binary("le", "le", Domain.ANY, Tensor::le, (x, y) -> x <= y ? 1 : 0, false, DType.BOOL);
        add(new OpInfo("gt(scalar)", "gt", Domain.ANY, a -> a[0].gt(0.1), a -> a[0].map(x -> x > 0.1 ? 1 : 0), false, DType.BOOL)).sample(f(3, 4));
        add(new OpInfo("ge(scalar)", "ge", Domain.ANY, a -> a[0].ge(0.1), a -> a[0].map(x -> x >= 0.1 ? 1 : 0), false, DType.BOOL)).sample(f(3, 4));
        add(new OpInfo("lt(scalar)", "lt", Domain.ANY, a -> a[0].lt(0.1), a -> a[0].map(x -> x < 0.1 ? 1 : 0), false, DType.BOOL)).sample(ft(3, 4));
        add(new OpInfo("le(scalar)", "le", Domain.ANY, a -> a[0].le(0.1), a -> a[0].map(x -> x <= 0.1 ? 1 : 0), false, DType.BOOL)).sample(f(3, 4));
        add(new OpInfo("eq(scalar)", "eq", Domain.ANY, a -> a[0].eq(0.1), a -> a[0].map(x -> x == 0.1 ? 1 : 0), false, DType.BOOL)).sample(f(3, 4));
        add(new OpInfo("ne(scalar)", "ne", Domain.ANY, a -> a[0].ne(0.1), a -> a[0].map(x -> x != 0.1 ? 1 : 0), false, DType.BOOL)).sample(f(3, 4));
        add(new OpInfo("where", "where", Domain.ANY, a -> Tensor.where(a[0], a[1], a[2]), a -> Nd.where(a[0], a[1], a[2]), true, null))
                .sample(mask(3, 4), f(3, 4), f(3, 4)).sample(mask(3, 1), f(4), ft(3, 4)).sample(mask(4), f(), f(2, 4));

        // ---- reductions
        add(new OpInfo("sum", "sum", Domain.ANY, a -> a[0].sum(), a -> a[0].reduce(null, false, OpRegistry::sum), true, null))
                .sample(f(3, 4)).sample(ft(3, 4)).sample(f()).sample(f(70000)).f32Tolerance(1e-4);
        add(new OpInfo("sum(dim)", "sum", Domain.ANY, a -> a[0].sum(1), a -> a[0].reduce(new int[] {1}, false, OpRegistry::sum), true, null))
                .sample(f(3, 4)).sample(ft(3, 4)).sample(f(2, 3, 4));
        add(new OpInfo("sum(dims,keepDim)", "sum", Domain.ANY, a -> a[0].sum(new int[] {0, 2}, true),
                a -> a[0].reduce(new int[] {0, 2}, true, OpRegistry::sum), true, null)).sample(f(2, 3, 4)).sample(ft(2, 4, 3));
        add(new OpInfo("mean", "mean", Domain.ANY, a -> a[0].mean(), a -> mean(a[0], null, false), true, null))
                .sample(f(3, 4)).sample(ft(3, 4)).sample(f(5));
        add(new OpInfo("mean(dim)", "mean", Domain.ANY, a -> a[0].mean(-1, true), a -> mean(a[0], new int[] {-1}, true), true, null))
                .sample(f(3, 4)).sample(ft(2, 3, 4));
        add(new OpInfo("max", "max", Domain.DISTINCT, a -> a[0].max(), a -> a[0].reduce(null, false, OpRegistry::max), true, null))
                .sample(f(3, 4)).sample(ft(3, 4));
        add(new OpInfo("min", "min", Domain.DISTINCT, a -> a[0].min(), a -> a[0].reduce(null, false, OpRegistry::min), true, null))
                .sample(f(3, 4)).sample(ft(3, 4));
        add(new OpInfo("max(dim)", "max", Domain.DISTINCT, a -> a[0].max(1, false), a -> a[0].reduce(new int[] {1}, false, OpRegistry::max), true, null))
                .sample(f(3, 4)).sample(ft(3, 4)).sample(f(2, 3, 4));
        add(new OpInfo("min(dim)", "min", Domain.DISTINCT, a -> a[0].min(0, true), a -> a[0].reduce(new int[] {0}, true, OpRegistry::min), true, null))
                .sample(f(3, 4)).sample(ft(3, 4));
        add(new OpInfo("argmax", "argmax", Domain.DISTINCT, a -> a[0].argmax(), a -> a[0].reduce(null, false, OpRegistry::argmax), false, DType.INT64))
                .sample(f(3, 4)).sample(ft(3, 4));
        add(new OpInfo("argmax(dim)", "argmax", Domain.DISTINCT, a -> a[0].argmax(1, false),
                a -> a[0].reduce(new int[] {1}, false, OpRegistry::argmax), false, DType.INT64)).sample(f(3, 4)).sample(ft(3, 4));
        add(new OpInfo("argmin", "argmin", Domain.DISTINCT, a -> a[0].argmin(), a -> a[0].reduce(null, false, OpRegistry::argmin), false, DType.INT64))
                .sample(f(3, 4));
        add(new OpInfo("argmin(dim)", "argmin", Domain.DISTINCT, a -> a[0].argmin(0, true),
                a -> a[0].reduce(new int[] {0}, true, OpRegistry::argmin), false, DType.INT64)).sample(ft(3, 4));
        add(new OpInfo("softmax", "softmax", Domain.ANY, a -> a[0].softmax(1), a -> a[0].softmax(1, false), true, null))
                .sample(f(3, 4)).sample(ft(3, 4)).sample(f(2, 3, 4));
        add(new OpInfo("softmax(dim0)", "softmax", Domain.ANY, a -> a[0].softmax(0), a -> a[0].softmax(0, false), true, null))
                .sample(f(3, 4)).sample(f(5));
        add(new OpInfo("logSoftmax", "logSoftmax", Domain.ANY, a -> a[0].logSoftmax(-1), a -> a[0].softmax(-1, true), true, null))
                .sample(f(3, 4)).sample(ft(3, 4)).sample(f(2, 3, 4));
        add(new OpInfo("logSoftmax(dim0)", "logSoftmax", Domain.ANY, a -> a[0].logSoftmax(0), a -> a[0].softmax(0, true), true, null))
                .sample(f(3, 4));

        // ---- linear algebra
        add(new OpInfo("matmul", "matmul", Domain.ANY, a -> a[0].matmul(a[1]), a -> {
            Nd x = a[0], y = a[1];
            boolean v1 = x.shape.length == 1, v2 = y.shape.length == 1;
            Nd r = (v1 ? x.insertDim(0) : x).matmul(v2 ? y.insertDim(1) : y);
            long[] s = r.shape;
            if (v1 && v2) return r.reshape();
            if (v1) return r.reshape(dropDim(s, s.length - 2));
            if (v2) return r.reshape(dropDim(s, s.length - 1));
            return r;
        }, true, null)).sample(f(3, 4), f(4, 5)).sample(ft(3, 4), ft(4, 2)).sample(f(4), f(4)).sample(f(4), f(4, 3))
                .sample(f(3, 4), f(4)).sample(f(2, 3, 4), f(4, 5)).sample(f(2, 1, 3, 4), f(3, 4, 2)).sample(f(0, 3), f(3, 2))
                // transposed operands whose gradients are taken transposed (in the operand's layout), batched too
                .sample(f(2, 3, 4), ft(4, 5)).sample(ft(2, 3, 4), ft(2, 4, 5)).sample(ft(1, 3, 4), f(2, 4, 2))
                .f32Tolerance(1e-4);

        // ---- views
        add(new OpInfo("reshape", "reshape", Domain.ANY, a -> a[0].reshape(4, -1), a -> a[0].reshape(4, a[0].data.length / 4), true, null))
                .sample(f(2, 6)).sample(ft(2, 6)).sample(f(2, 2, 3));
        add(new OpInfo("view", "view", Domain.ANY, a -> a[0].view(3, 2, 2), a -> a[0].reshape(3, 2, 2), true, null)).sample(f(2, 6)).sample(f(12));
        add(new OpInfo("flatten", "flatten", Domain.ANY, a -> a[0].flatten(), a -> a[0].reshape(a[0].data.length), true, null))
                .sample(f(2, 3, 2)).sample(ft(3, 4));
        add(new OpInfo("transpose", "transpose", Domain.ANY, a -> a[0].transpose(0, 2), a -> a[0].transpose(0, 2), true, null))
                .sample(f(2, 3, 4));
        add(new OpInfo("t", "t", Domain.ANY, a -> a[0].t(), a -> a[0].shape.length == 2 ? a[0].transpose(0, 1) : a[0], true, null))
                .sample(f(3, 4)).sample(ft(3, 4)).sample(f(5));
        add(new OpInfo("permute", "permute", Domain.ANY, a -> a[0].permute(2, 0, 1), a -> a[0].permute(2, 0, 1), true, null))
                .sample(f(2, 3, 4));
        add(new OpInfo("narrow", "narrow", Domain.ANY, a -> a[0].narrow(1, 1, 2), a -> a[0].slice(1, 1, 3, 1), true, null))
                .sample(f(3, 4)).sample(ft(3, 4));
        add(new OpInfo("slice", "slice", Domain.ANY, a -> a[0].slice(0, 1, 6, 2), a -> a[0].slice(0, 1, 6, 2), true, null))
                .sample(f(7, 3)).sample(ft(7, 3));
        add(new OpInfo("select", "select", Domain.ANY, a -> a[0].select(1, -1), a -> {
            Nd s = a[0].slice(1, a[0].shape[1] - 1, a[0].shape[1], 1);
            return s.reshape(dropDim(s.shape, 1));
        }, true, null)).sample(f(3, 4)).sample(ft(3, 4));
        add(new OpInfo("expand", "expand", Domain.ANY, a -> a[0].expand(2, 3, 4), a -> a[0].expand(2, 3, 4), true, null))
                .sample(f(3, 1)).sample(f(4)).sample(f());
        add(new OpInfo("squeeze", "squeeze", Domain.ANY, a -> a[0].squeeze(), a -> a[0].reshape(3, 4), true, null)).sample(f(1, 3, 1, 4));
        add(new OpInfo("squeeze(dim)", "squeeze", Domain.ANY, a -> a[0].squeeze(2), a -> a[0].reshape(1, 3, 4), true, null)).sample(f(1, 3, 1, 4));
        add(new OpInfo("unsqueeze", "unsqueeze", Domain.ANY, a -> a[0].unsqueeze(1), a -> a[0].insertDim(1), true, null))
                .sample(f(3, 4)).sample(ft(3, 4));

        // ---- indexing and joining
        add(new OpInfo("gather", "gather", Domain.ANY, a -> a[0].gather(1, a[1]), a -> a[0].gather(1, a[1]), true, null))
                .sample(f(3, 4), idx(4, 3, 6)).sample(ft(3, 4), idx(4, 2, 2));
        add(new OpInfo("indexSelect", "indexSelect", Domain.ANY, a -> a[0].indexSelect(0, a[1]), a -> {
            Nd x = a[0], ix = a[1];
            Nd[] rows = new Nd[ix.data.length];
            for (int i = 0; i < rows.length; i++) rows[i] = x.slice(0, (long) ix.data[i], (long) ix.data[i] + 1, 1);
            return Nd.cat(0, rows);
        }, true, null)).sample(f(4, 3), idx(4, 5)).sample(ft(4, 3), idx(4, 2)).sample(f(4), idx(4, 6)).sample(f(4, 3), idx(4));
        // along an inner dim: rows of [2, 5, 3] (inner dense), and a transposed input whose rows are not dense
        add(new OpInfo("indexSelect(dim 1)", "indexSelect", Domain.ANY, a -> a[0].indexSelect(1, a[1]), a -> {
            Nd x = a[0], ix = a[1];
            Nd[] cols = new Nd[ix.data.length];
            for (int i = 0; i < cols.length; i++) cols[i] = x.slice(1, (long) ix.data[i], (long) ix.data[i] + 1, 1);
            return Nd.cat(1, cols);
        }, true, null)).sample(f(2, 5, 3), idx(5, 7)).sample(ft(3, 5), idx(5, 4)).sample(f(3, 2, 4), idx(2, 3));
        add(new OpInfo("cat", "cat", Domain.ANY, a -> Tensor.cat(1, a), a -> Nd.cat(1, a), true, null))
                .sample(f(2, 3), f(2, 1), f(2, 2)).sample(ft(3, 2), f(3, 4));
        add(new OpInfo("stack", "stack", Domain.ANY, a -> Tensor.stack(1, a), a -> {
            Nd[] u = new Nd[a.length];
            for (int i = 0; i < a.length; i++) u[i] = a[i].insertDim(1);
            return Nd.cat(1, u);
        }, true, null)).sample(f(2, 3), f(2, 3)).sample(ft(3, 2), f(3, 2), f(3, 2));

        // ---- statistics and norms (built from other ops; the norm with its own gradient at 0)
        add(new OpInfo("var", "var", Domain.ANY, a -> a[0].var(), a -> a[0].reduce(null, false, v -> variance(v, 1)), true, null))
                .sample(f(3, 4)).sample(ft(3, 4));
        add(new OpInfo("var(dims, correction 0, keepDim)", "var", Domain.ANY, a -> a[0].var(new int[] {0, 2}, 0, true),
                a -> a[0].reduce(new int[] {0, 2}, true, v -> variance(v, 0)), true, null)).sample(f(2, 3, 4));
        add(new OpInfo("std", "std", Domain.ANY, a -> a[0].std(), a -> a[0].reduce(null, false, v -> Math.sqrt(variance(v, 1))), true, null))
                .sample(f(3, 4)).sample(ft(4, 3));
        add(new OpInfo("std(dim)", "std", Domain.ANY, a -> a[0].std(new int[] {1}, 1, false),
                a -> a[0].reduce(new int[] {1}, false, v -> Math.sqrt(variance(v, 1))), true, null)).sample(f(3, 5));
        add(new OpInfo("logsumexp(dim)", "logsumexp", Domain.ANY, a -> a[0].logsumexp(1), a -> a[0].reduce(new int[] {1}, false, OpRegistry::lse), true, null))
                .sample(f(3, 4)).sample(ft(4, 3));
        add(new OpInfo("logsumexp(all, keepDim)", "logsumexp", Domain.ANY, a -> a[0].logsumexp(null, true),
                a -> a[0].reduce(null, true, OpRegistry::lse), true, null)).sample(f(2, 3, 2));
        add(new OpInfo("norm", "norm", Domain.ANY, a -> a[0].norm(), a -> a[0].reduce(null, false, v -> pnorm(v, 2)), true, null))
                .sample(f(3, 4)).sample(ft(3, 4));
        add(new OpInfo("norm(1, dim)", "norm", Domain.AWAY_FROM_ZERO, a -> a[0].norm(1, new int[] {1}, false),
                a -> a[0].reduce(new int[] {1}, false, v -> pnorm(v, 1)), true, null)).sample(f(3, 4));
        add(new OpInfo("norm(inf, dims, keepDim)", "norm", Domain.DISTINCT, a -> a[0].norm(Double.POSITIVE_INFINITY, new int[] {0, 1}, true),
                a -> a[0].reduce(new int[] {0, 1}, true, v -> pnorm(v, Double.POSITIVE_INFINITY)), true, null)).sample(f(3, 4, 2));
        add(new OpInfo("norm(3)", "norm", Domain.AWAY_FROM_ZERO, a -> a[0].norm(3, null, false), a -> a[0].reduce(null, false, v -> pnorm(v, 3)), true, null))
                .sample(f(5)).sample(ft(2, 3));
        // ---- masking, copies, one-hot, embedding, dropout, layer norm
        add(new OpInfo("maskedFill", "maskedFill", Domain.ANY, a -> a[0].maskedFill(a[1], -0.75), a -> Nd.where(a[1], a[0].map(x -> -0.75), a[0]), true, null))
                .sample(f(3, 4), mask(3, 4)).sample(ft(3, 4), mask(4));
        add(new OpInfo("clone", "clone", Domain.ANY, a -> a[0].clone(), a -> a[0], true, null)).sample(f(3, 4)).sample(ft(3, 4)).sample(f());
        add(new OpInfo("oneHot", "oneHot", Domain.ANY, a -> a[0].oneHot(5), a -> {
            double[] out = new double[a[0].data.length * 5];
            for (int i = 0; i < a[0].data.length; i++) out[i * 5 + (int) a[0].data[i]] = 1;
            long[] shape = java.util.Arrays.copyOf(a[0].shape, a[0].shape.length + 1);
            shape[a[0].shape.length] = 5;
            return new Nd(shape, out);
        }, false, DType.INT64)).sample(idx(5, 2, 3));
        add(new OpInfo("embedding", "embedding", Domain.ANY, a -> a[1].embedding(a[0], -1), a -> embeddingRef(a[0], a[1]), true, null))
                .sample(f(5, 3), idx(5, 2, 4)).sample(ft(6, 4), idx(6, 7));
        // (paddingIdx withholds a gradient the forward has, so it is checked in LayersTest, not by gradcheck)
        add(new OpInfo("dropout(p=0.3)", "dropout", Domain.ANY, a -> {
            Tensor.manualSeed(5);
            return Functional.dropout(a[0], 0.3, true);
        }, a -> {
            Tensor.manualSeed(5);
            double[] u = Tensor.rand(DType.FLOAT32, org.jgrad.Device.CPU, a[0].shape).toDoubleArray();
            double[] out = new double[u.length];
            for (int i = 0; i < u.length; i++) out[i] = u[i] >= 0.3 ? a[0].data[i] / 0.7 : 0;
            return new Nd(a[0].shape, out);
        }, true, null)).sample(f(3, 4)).sample(ft(4, 5));
        add(new OpInfo("layerNorm", "layerNorm", Domain.ANY, a -> Functional.layerNorm(a[0], new long[] {4}, a[1], a[2], 1e-5),
                a -> layerNormRef(a[0], 4, a[1], a[2], 1e-5), true, null))
                .sample(f(3, 4), f(4), f(4)).sample(ft(5, 4), f(4), c(4));
        add(new OpInfo("layerNorm(2 dims, no affine)", "layerNorm", Domain.ANY, a -> Functional.layerNorm(a[0], new long[] {3, 2}, null, null, 1e-5),
                a -> layerNormRef(a[0], 6, null, null, 1e-5), true, null))
                .sample(f(2, 3, 2));

        // ---- convolution, pooling, channel normalisation (org.jgrad.nn.Functional; references in ConvRef)
        int[] one = {1}, zero = {0}, two = {2};
        add(new OpInfo("conv2d", "conv2d", Domain.ANY, a -> Functional.conv2d(a[0], a[1], a[2]),
                a -> ConvRef.conv2d(a[0], a[1], a[2], new int[] {1, 1}, new int[] {0, 0}, new int[] {1, 1}, 1), true, null))
                .sample(f(2, 3, 6, 5), f(4, 3, 3, 3), f(4)).sample(ft(2, 3, 5, 6), f(2, 3, 2, 2), f(2))
                .sample(f(2, 3, 4, 4), f(5, 3, 1, 1), f(5)).sample(f(2, 2, 3, 3), f(4, 2, 3, 3), f(4)).sample(f(1, 1, 4, 4), f(1, 1, 2, 2), f(1));
        add(new OpInfo("conv2d(stride 2, padding 1)", "conv2d", Domain.ANY, a -> Functional.conv2d(a[0], a[1], a[2], 2, 1),
                a -> ConvRef.conv2d(a[0], a[1], a[2], new int[] {2, 2}, new int[] {1, 1}, new int[] {1, 1}, 1), true, null))
                .sample(f(2, 3, 7, 6), f(4, 3, 3, 3), f(4)).sample(ft(1, 2, 6, 5), f(3, 2, 3, 2), f(3));
        add(new OpInfo("conv2d(stride (1, 2), padding (2, 0), dilation (2, 1), groups 2, no bias)", "conv2d", Domain.ANY,
                a -> Functional.conv2d(a[0], a[1], null, new int[] {1, 2}, new int[] {2, 0}, new int[] {2, 1}, 2),
                a -> ConvRef.conv2d(a[0], a[1], null, new int[] {1, 2}, new int[] {2, 0}, new int[] {2, 1}, 2), true, null))
                .sample(f(2, 4, 6, 7), f(6, 2, 2, 3));
        add(new OpInfo("conv2d(depthwise)", "conv2d", Domain.ANY, a -> Functional.conv2d(a[0], a[1], a[2], one, one, one, 3),
                a -> ConvRef.conv2d(a[0], a[1], a[2], new int[] {1, 1}, new int[] {1, 1}, new int[] {1, 1}, 3), true, null))
                .sample(f(2, 3, 5, 5), f(3, 1, 3, 3), f(3)).sample(f(1, 3, 4, 6), f(6, 1, 2, 2), f(6));
        add(new OpInfo("conv2d(padding same, even kernel)", "conv2d", Domain.ANY, a -> Functional.conv2d(a[0], a[1], a[2], one, "same", one, 1),
                a -> {
                    // PyTorch pads d·(k−1) in total, the odd one after: 1 before and 2 after for k = 4, none and 1 for k = 2
                    Nd x = a[0];
                    int kh = (int) a[1].shape[2], kw = (int) a[1].shape[3];
                    Nd big = padAfter(x, (kh - 1) % 2, (kw - 1) % 2);
                    return ConvRef.conv2d(big, a[1], a[2], new int[] {1, 1}, new int[] {(kh - 1) / 2, (kw - 1) / 2}, new int[] {1, 1}, 1);
                }, true, null))
                .sample(f(2, 2, 5, 6), f(3, 2, 4, 3), f(3)).sample(f(1, 2, 4, 4), f(2, 2, 2, 2), f(2));
        add(new OpInfo("conv2d(unbatched)", "conv2d", Domain.ANY, a -> Functional.conv2d(a[0], a[1], a[2]), a -> {
            Nd x = new Nd(new long[] {1, a[0].shape[0], a[0].shape[1], a[0].shape[2]}, a[0].data);
            Nd y = ConvRef.conv2d(x, a[1], a[2], new int[] {1, 1}, new int[] {0, 0}, new int[] {1, 1}, 1);
            return new Nd(new long[] {y.shape[1], y.shape[2], y.shape[3]}, y.data);
        }, true, null)).sample(f(3, 5, 5), f(2, 3, 3, 3), f(2));
        add(new OpInfo("conv1d(stride 2, padding 1, dilation 2)", "conv1d", Domain.ANY, a -> Functional.conv1d(a[0], a[1], a[2], two, one, two, 1),
                a -> ConvRef.squeezeHeight(ConvRef.conv2d(ConvRef.unsqueezeHeight(a[0]), ConvRef.unsqueezeHeight(a[1]), a[2], new int[] {1, 2},
                        new int[] {0, 1}, new int[] {1, 2}, 1)), true, null))
                .sample(f(2, 3, 9), f(4, 3, 3), f(4)).sample(ft(2, 9, 3), f(2, 9, 2), f(2));
        add(new OpInfo("conv1d", "conv1d", Domain.ANY, a -> Functional.conv1d(a[0], a[1], a[2]),
                a -> ConvRef.squeezeHeight(ConvRef.conv2d(ConvRef.unsqueezeHeight(a[0]), ConvRef.unsqueezeHeight(a[1]), a[2], new int[] {1, 1},
                        new int[] {0, 0}, new int[] {1, 1}, 1)), true, null))
                .sample(f(2, 4, 7), f(2, 4, 3), f(2));
        add(new OpInfo("conv1d(padding same, groups 2)", "conv1d", Domain.ANY, a -> Functional.conv1d(a[0], a[1], null, one, "same", one, 2),
                a -> {
                    Nd x = ConvRef.unsqueezeHeight(a[0]);
                    int k = (int) a[1].shape[2];
                    return ConvRef.squeezeHeight(ConvRef.conv2d(padAfter(x, 0, (k - 1) % 2), ConvRef.unsqueezeHeight(a[1]), null, new int[] {1, 1},
                            new int[] {0, (k - 1) / 2}, new int[] {1, 1}, 2));
                }, true, null))
                .sample(f(2, 4, 8), f(4, 2, 4)).sample(f(1, 2, 5), f(2, 1, 3));
        add(new OpInfo("convTranspose2d(stride 2, padding 1, outputPadding 1)", "convTranspose2d", Domain.ANY,
                a -> Functional.convTranspose2d(a[0], a[1], a[2], two, one, one, 1, one),
                a -> ConvRef.convTranspose2d(a[0], a[1], a[2], new int[] {2, 2}, new int[] {1, 1}, new int[] {1, 1}, 1, new int[] {1, 1}), true, null))
                .sample(f(2, 4, 3, 4), f(4, 3, 3, 3), f(3)).sample(ft(1, 2, 4, 3), f(2, 2, 2, 3), f(2));
        add(new OpInfo("convTranspose2d(groups 2, dilation 2)", "convTranspose2d", Domain.ANY,
                a -> Functional.convTranspose2d(a[0], a[1], null, one, zero, zero, 2, two),
                a -> ConvRef.convTranspose2d(a[0], a[1], null, new int[] {1, 1}, new int[] {0, 0}, new int[] {0, 0}, 2, new int[] {2, 2}), true, null))
                .sample(f(2, 4, 3, 3), f(4, 3, 2, 2));
        add(new OpInfo("convTranspose2d", "convTranspose2d", Domain.ANY, a -> Functional.convTranspose2d(a[0], a[1], a[2], 2, 0),
                a -> ConvRef.convTranspose2d(a[0], a[1], a[2], new int[] {2, 2}, new int[] {0, 0}, new int[] {0, 0}, 1, new int[] {1, 1}), true, null))
                .sample(f(2, 3, 3, 3), f(3, 2, 2, 2), f(2));
        add(new OpInfo("convTranspose1d(stride 2)", "convTranspose1d", Domain.ANY, a -> Functional.convTranspose1d(a[0], a[1], a[2], two, zero, one, 1, one),
                a -> ConvRef.squeezeHeight(ConvRef.convTranspose2d(ConvRef.unsqueezeHeight(a[0]), ConvRef.unsqueezeHeight(a[1]), a[2], new int[] {1, 2},
                        new int[] {0, 0}, new int[] {0, 1}, 1, new int[] {1, 1})), true, null))
                .sample(f(2, 3, 5), f(3, 2, 3), f(2));
        add(new OpInfo("maxPool2d", "maxPool2d", Domain.DISTINCT, a -> Functional.maxPool2d(a[0], 2),
                a -> ConvRef.maxPool2d(a[0], new int[] {2, 2}, new int[] {2, 2}, new int[] {0, 0}, new int[] {1, 1}, false), true, null))
                .sample(f(2, 3, 6, 7)).sample(ft(1, 2, 5, 4)).sample(f(3, 4, 4));
        add(new OpInfo("maxPool2d(3, stride 2, padding 1, ceil)", "maxPool2d", Domain.DISTINCT,
                a -> Functional.maxPool2d(a[0], new int[] {3}, two, one, one, true),
                a -> ConvRef.maxPool2d(a[0], new int[] {3, 3}, new int[] {2, 2}, new int[] {1, 1}, new int[] {1, 1}, true), true, null))
                .sample(f(2, 2, 6, 7)).sample(f(1, 1, 5, 5));
        add(new OpInfo("maxPool2d(2x3, stride 1, dilation 2)", "maxPool2d", Domain.DISTINCT,
                a -> Functional.maxPool2d(a[0], new int[] {2, 3}, one, zero, two, false),
                a -> ConvRef.maxPool2d(a[0], new int[] {2, 3}, new int[] {1, 1}, new int[] {0, 0}, new int[] {2, 2}, false), true, null))
                .sample(f(1, 2, 6, 7));
        add(new OpInfo("avgPool2d", "avgPool2d", Domain.ANY, a -> Functional.avgPool2d(a[0], 2),
                a -> ConvRef.avgPool2d(a[0], new int[] {2, 2}, new int[] {2, 2}, new int[] {0, 0}, false, true), true, null))
                .sample(f(2, 3, 6, 7)).sample(ft(1, 2, 4, 5));
        add(new OpInfo("avgPool2d(3, stride 2, padding 1, ceil, count padding)", "avgPool2d", Domain.ANY,
                a -> Functional.avgPool2d(a[0], new int[] {3}, two, one, true, true),
                a -> ConvRef.avgPool2d(a[0], new int[] {3, 3}, new int[] {2, 2}, new int[] {1, 1}, true, true), true, null))
                .sample(f(2, 2, 6, 7));
        add(new OpInfo("avgPool2d(3x2, stride (2, 1), padding 1, not counting padding)", "avgPool2d", Domain.ANY,
                a -> Functional.avgPool2d(a[0], new int[] {3, 2}, new int[] {2, 1}, one, false, false),
                a -> ConvRef.avgPool2d(a[0], new int[] {3, 2}, new int[] {2, 1}, new int[] {1, 1}, false, false), true, null))
                .sample(f(2, 2, 7, 5));
        add(new OpInfo("adaptiveAvgPool2d(3, 2)", "adaptiveAvgPool2d", Domain.ANY, a -> Functional.adaptiveAvgPool2d(a[0], 3, 2),
                a -> ConvRef.adaptiveAvgPool2d(a[0], 3, 2), true, null))
                .sample(f(2, 3, 7, 5)).sample(ft(1, 2, 4, 4)).sample(f(1, 1, 2, 2));
        add(new OpInfo("adaptiveAvgPool2d(1)", "adaptiveAvgPool2d", Domain.ANY, a -> Functional.adaptiveAvgPool2d(a[0], 1),
                a -> ConvRef.adaptiveAvgPool2d(a[0], 1, 1), true, null)).sample(f(2, 3, 4, 5));
        add(new OpInfo("maxPool1d(3, stride 2, padding 1)", "maxPool1d", Domain.DISTINCT, a -> Functional.maxPool1d(a[0], 3, 2, 1, 1, false),
                a -> ConvRef.squeezeHeight(ConvRef.maxPool2d(ConvRef.unsqueezeHeight(a[0]), new int[] {1, 3}, new int[] {1, 2}, new int[] {0, 1},
                        new int[] {1, 1}, false)), true, null))
                .sample(f(2, 3, 9));
        add(new OpInfo("avgPool1d(2)", "avgPool1d", Domain.ANY, a -> Functional.avgPool1d(a[0], 2, 0, 0, false, true),
                a -> ConvRef.squeezeHeight(ConvRef.avgPool2d(ConvRef.unsqueezeHeight(a[0]), new int[] {1, 2}, new int[] {1, 2}, new int[] {0, 0}, false,
                        true)), true, null))
                .sample(f(2, 3, 9));
        add(new OpInfo("batchNorm(training, batch statistics)", "batchNorm", Domain.ANY, a -> Functional.batchNorm(a[0], a[1], a[2]),
                a -> ConvRef.batchNorm(a[0], null, null, a[1], a[2], 1e-5), true, null))
                .sample(f(4, 3, 2, 2), f(3), f(3)).sample(f(5, 3), f(3), f(3)).sample(ft(3, 2, 3, 4), f(2), c(2)).sample(f(2, 2, 5), f(2), f(2));
        add(new OpInfo("batchNorm(eval, running statistics)", "batchNorm", Domain.ANY, a -> {
            try (Tensor sq = a[2].mul(a[2]); Tensor var = sq.add(0.5)) {
                return Functional.batchNorm(a[0], a[1], var, a[3], a[4], false, 0.1, 1e-5);
            }
        }, a -> ConvRef.batchNorm(a[0], a[1], a[2].map(v -> v * v + 0.5), a[3], a[4], 1e-5), true, null))
                .sample(f(3, 2, 4), c(2), c(2), f(2), f(2)).sample(f(2, 3, 2, 2), c(3), c(3), f(3), f(3));
        add(new OpInfo("batchNorm(training, no affine)", "batchNorm", Domain.ANY, a -> Functional.batchNorm(a[0], null, null),
                a -> ConvRef.batchNorm(a[0], null, null, null, null, 1e-5), true, null))
                .sample(f(3, 4, 3));
        add(new OpInfo("groupNorm(2 groups)", "groupNorm", Domain.ANY, a -> Functional.groupNorm(a[0], 2, a[1], a[2], 1e-5),
                a -> ConvRef.groupNorm(a[0], 2, a[1], a[2], 1e-5), true, null))
                .sample(f(2, 4, 3, 3), f(4), f(4)).sample(ft(3, 4, 2, 3), f(4), f(4));
        add(new OpInfo("groupNorm(1 group, no affine)", "groupNorm", Domain.ANY, a -> Functional.groupNorm(a[0], 1, null, null, 1e-5),
                a -> ConvRef.groupNorm(a[0], 1, null, null, 1e-5), true, null))
                .sample(f(2, 3, 5));

        // ---- losses (org.jgrad.nn.Functional)
        add(new OpInfo("mseLoss", "mseLoss", Domain.ANY, a -> Functional.mseLoss(a[0], a[1]),
                a -> mean(a[0].zip(a[1], (x, y) -> (x - y) * (x - y)), null, false), true, null))
                .sample(f(4, 3), c(4, 3)).sample(ft(4, 3), f(4, 3));
        add(new OpInfo("crossEntropy", "crossEntropy", Domain.ANY, a -> Functional.crossEntropy(a[0], a[1]), a -> {
            Nd lsm = a[0].softmax(-1, true);
            Nd picked = lsm.gather(1, a[1].reshape(a[1].data.length, 1));
            return picked.map(x -> -x).reduce(null, false, v -> sum(v) / v.length);
        }, true, null)).sample(f(5, 4), idx(4, 5)).sample(ft(3, 6), idx(6, 3));
        add(new OpInfo("nllLoss", "nllLoss", Domain.ANY, a -> Functional.nllLoss(a[0], a[1]), a -> {
            Nd picked = a[0].gather(1, a[1].reshape(a[1].data.length, 1));
            return picked.map(x -> -x).reduce(null, false, v -> sum(v) / v.length);
        }, true, null)).sample(f(5, 4), idx(4, 5));
        // reductions, a single row, long rows (a block per row on CUDA), strided input and ignored rows
        add(new OpInfo("crossEntropy(SUM)", "crossEntropy", Domain.ANY, a -> Functional.crossEntropy(a[0], a[1], Reduction.SUM),
                a -> classLoss(a[0], a[1], true, Reduction.SUM, null), true, null))
                .sample(f(3, 70), idx(70, 3)).sample(f(5), idx(5));
        add(new OpInfo("crossEntropy(NONE)", "crossEntropy", Domain.ANY, a -> Functional.crossEntropy(a[0], a[1], Reduction.NONE),
                a -> classLoss(a[0], a[1], true, Reduction.NONE, null), true, null))
                .sample(f(4, 3), idx(3, 4)).sample(f(5), idx(5)).sample(f(0, 3), idx(3, 0));
        add(new OpInfo("crossEntropy(ignoreIndex=1)", "crossEntropy", Domain.ANY,
                a -> Functional.crossEntropy(a[0], a[1], Reduction.MEAN, 1), a -> classLoss(a[0], a[1], true, Reduction.MEAN, 1L), true, null))
                .sample(f(6, 3), idx(3, 6)).sample(ft(3, 6), idx(6, 3));
        add(new OpInfo("nllLoss(NONE)", "nllLoss", Domain.ANY, a -> Functional.nllLoss(a[0], a[1], Reduction.NONE),
                a -> classLoss(a[0], a[1], false, Reduction.NONE, null), true, null))
                .sample(ft(5, 4), idx(4, 5)).sample(f(4), idx(4));
        add(new OpInfo("nllLoss(ignoreIndex=0, SUM)", "nllLoss", Domain.ANY, a -> Functional.nllLoss(a[0], a[1], Reduction.SUM, 0),
                a -> classLoss(a[0], a[1], false, Reduction.SUM, 0L), true, null))
                .sample(ft(4, 3), idx(3, 4));
        add(new OpInfo("RowLosses.crossEntropy", "crossEntropy", Domain.ANY, a -> RowLosses.crossEntropy(a[0], a[1], 2),
                a -> classLoss(a[0], a[1], true, Reduction.NONE, 2L), true, null))
                .sample(f(4, 5), idx(5, 4)).sample(ft(6, 3), idx(3, 6));
        add(new OpInfo("RowLosses.nllLoss", "nllLoss", Domain.ANY, a -> RowLosses.nllLoss(a[0], a[1]),
                a -> classLoss(a[0], a[1], false, Reduction.NONE, null), true, null))
                .sample(ft(3, 4), idx(4, 3));
        add(new OpInfo("l1Loss", "l1Loss", Domain.ANY, a -> Functional.l1Loss(a[0], a[1]),
                a -> mean(a[0].zip(a[1], (x, y) -> Math.abs(x - y)), null, false), true, null))
                .sample(f(4, 3), c(4, 3)).sample(ft(3, 4), f(3, 4));
        add(new OpInfo("crossEntropy(weight, labelSmoothing)", "crossEntropy", Domain.POSITIVE,
                a -> Functional.crossEntropy(a[0], a[1], a[2], -100, 0.2, Reduction.MEAN),
                a -> weightedClassLoss(a[0], a[1], a[2].data, true, -100, 0.2, Reduction.MEAN), true, null))
                .sample(f(5, 4), idx(4, 5), c(4)).sample(ft(3, 6), idx(6, 3), c(6));
        add(new OpInfo("crossEntropy(labelSmoothing, ignoreIndex=1, SUM)", "crossEntropy", Domain.ANY,
                a -> Functional.crossEntropy(a[0], a[1], null, 1, 0.3, Reduction.SUM),
                a -> weightedClassLoss(a[0], a[1], null, true, 1, 0.3, Reduction.SUM), true, null))
                .sample(f(6, 3), idx(3, 6));
        add(new OpInfo("crossEntropy(weight, ignoreIndex=0, NONE)", "crossEntropy", Domain.POSITIVE,
                a -> Functional.crossEntropy(a[0], a[1], a[2], 0, 0, Reduction.NONE),
                a -> weightedClassLoss(a[0], a[1], a[2].data, true, 0, 0, Reduction.NONE), true, null))
                .sample(f(6, 3), idx(3, 6), c(3));
        add(new OpInfo("nllLoss(weight, ignoreIndex=2)", "nllLoss", Domain.POSITIVE,
                a -> Functional.nllLoss(a[0], a[1], a[2], 2, Reduction.MEAN),
                a -> weightedClassLoss(a[0], a[1], a[2].data, false, 2, 0, Reduction.MEAN), true, null))
                .sample(f(6, 4), idx(4, 6), c(4));
        add(new OpInfo("binaryCrossEntropyWithLogits", "binaryCrossEntropyWithLogits", Domain.ANY,
                a -> Functional.binaryCrossEntropyWithLogits(a[0], a[1]),
                a -> mean(a[0].zip(a[1], (x, y) -> (1 - y) * x - logSigmoid(x)), null, false), true, null))
                .sample(f(4, 3), c(4, 3)).sample(ft(3, 4), f(3, 4));
        add(new OpInfo("binaryCrossEntropyWithLogits(weight, posWeight, SUM)", "binaryCrossEntropyWithLogits", Domain.ANY,
                a -> Functional.binaryCrossEntropyWithLogits(a[0], a[1], a[2], a[3], Reduction.SUM), a -> {
                    int n = a[0].data.length, cols = (int) a[3].data.length;
                    double s = 0;
                    for (int i = 0; i < n; i++) {
                        double x = a[0].data[i], y = a[1].data[i], pw = a[3].data[i % cols];
                        s += a[2].data[i] * ((1 - y) * x - (1 + (pw - 1) * y) * logSigmoid(x));
                    }
                    return Nd.scalar(s);
                }, true, null))
                .sample(f(4, 3), c(4, 3), c(4, 3), c(3));
        add(new OpInfo("binaryCrossEntropy(weight)", "binaryCrossEntropy", Domain.UNIT,
                a -> Functional.binaryCrossEntropy(a[0], a[1], a[2], Reduction.MEAN),
                a -> mean(a[0].zip(a[1], (p, y) -> -(y * Math.log(p) + (1 - y) * Math.log(1 - p))).zip(a[2], (l, w) -> l * w), null, false),
                true, null))
                .sample(f(4, 3), c(4, 3), c(4, 3));
        add(new OpInfo("binaryCrossEntropy", "binaryCrossEntropy", Domain.UNIT, a -> Functional.binaryCrossEntropy(a[0], a[1]),
                a -> mean(a[0].zip(a[1], (p, y) -> -(y * Math.log(p) + (1 - y) * Math.log(1 - p))), null, false), true, null))
                .sample(f(4, 3), f(4, 3)).sample(ft(3, 4), c(3, 4));
        add(new OpInfo("ElementLosses.binaryCrossEntropy", "binaryCrossEntropy", Domain.UNIT,
                a -> ElementLosses.binaryCrossEntropy(a[0], a[1]),
                a -> a[0].zip(a[1], (p, y) -> -(y * Math.log(p) + (1 - y) * Math.log(1 - p))), true, null))
                .sample(f(5), f(5)).sample(ft(2, 3), f(2, 3)).sample(f(0), f(0));
    }

    /**
     * PyTorch's weighted, label-smoothed cross-entropy (or NLL when {@code logSoftmax} is false) of
     * x [N, C] at targets t, written out in float64: per row -(1-ε)·w[t]·lp[t] - ε/C·Σ_c w[c]·lp[c],
     * ignored rows 0, MEAN dividing by Σ w[t] over the kept rows.
     */
    static Nd weightedClassLoss(Nd x, Nd t, double[] w, boolean logSoftmax, long ignore, double eps, Reduction red) {
        int n = (int) x.shape[0], c = (int) x.shape[1];
        Nd lp = logSoftmax ? x.softmax(-1, true) : x;
        double[] per = new double[n];
        double sum = 0, wsum = 0;
        for (int i = 0; i < n; i++) {
            long ti = (long) t.data[i];
            if (ti == ignore) continue;
            double wt = w == null ? 1 : w[(int) ti];
            double smooth = 0;
            for (int k = 0; k < c; k++) smooth -= (w == null ? 1 : w[k]) * lp.data[i * c + k];
            per[i] = -(1 - eps) * wt * lp.data[i * c + (int) ti] + eps / c * smooth;
            sum += per[i];
            wsum += wt;
        }
        switch (red) {
            case NONE: return new Nd(new long[] {n}, per);
            case SUM: return Nd.scalar(sum);
            default: return Nd.scalar(sum / wsum);
        }
    }

    private static double logSigmoid(double x) {
        return Math.min(x, 0) - Math.log1p(Math.exp(-Math.abs(x)));
    }

    /**
     * Cross-entropy (log-softmax first) or NLL of scores [N, C] (or [C] with a 0-dim target), in
     * float64, with rows whose target is {@code ignore} left out of the sum and the MEAN's count.
     */
    private static Nd classLoss(Nd x, Nd t, boolean logSoftmax, Reduction red, Long ignore) {
        boolean batched = x.shape.length == 2;
        int n = batched ? (int) x.shape[0] : 1, c = (int) x.shape[x.shape.length - 1];
        Nd lp = logSoftmax && x.data.length > 0 ? x.softmax(-1, true) : x;
        double[] per = new double[n];
        double sum = 0;
        int kept = 0;
        for (int i = 0; i < n; i++) {
            long ti = (long) t.data[i];
            if (ignore != null && ti == ignore) continue;
            per[i] = -lp.data[i * c + (int) ti];
            sum += per[i];
            kept++;
        }
        switch (red) {
            case NONE: return batched ? new Nd(new long[] {n}, per) : Nd.scalar(per[0]);
            case SUM: return Nd.scalar(sum);
            default: return Nd.scalar(sum / kept);
        }
    }

    private static long[] dropDim(long[] s, int d) {
        long[] out = new long[s.length - 1];
        for (int i = 0, j = 0; i < s.length; i++) if (i != d) out[j++] = s[i];
        return out;
    }
}
