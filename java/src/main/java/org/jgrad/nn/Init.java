package org.jgrad.nn;

import java.util.Locale;
import org.jgrad.Autograd;
import org.jgrad.DType;
import org.jgrad.Scope;
import org.jgrad.Tensor;

/**
 * Parameter initialisation in place, as torch.nn.init (names without the trailing underscore).
 * Every draw comes from jgrad's seeded Philox generator on the tensor's own device, with the same
 * counter formula on every device, so {@code Tensor.manualSeed(s)} builds the same model on the
 * CPU and on a GPU.
 * <pre>{@code Init.kaimingUniform(linear.weight(), Math.sqrt(5), Init.Mode.FAN_IN, "leaky_relu");}</pre>
 */
public final class Init {
    private Init() {}

    /** Which fan kaimingUniform/kaimingNormal scale by. */
    public enum Mode {
        /** Keeps the variance of the forward pass: scales by the inputs per output. */
        FAN_IN,
        /** Keeps the variance of the backward pass: scales by the outputs per input. */
        FAN_OUT
    }

    /**
     * The recommended gain for a nonlinearity, as torch.nn.init.calculate_gain: 1 for linear,
     * conv and sigmoid, 5/3 for tanh, √2 for relu, √(2 / (1 + slope²)) for leaky_relu (slope
     * {@code param}, 0.01 when NaN), 3/4 for selu.
     */
    public static double calculateGain(String nonlinearity, double param) {
        switch (nonlinearity.toLowerCase(Locale.ROOT)) {
            case "linear": case "conv1d": case "conv2d": case "conv3d": case "conv_transpose1d": case "conv_transpose2d":
            case "conv_transpose3d": case "sigmoid":
                return 1;
            case "tanh": return 5.0 / 3;
            case "relu": return Math.sqrt(2.0);
            case "leaky_relu": {
                double slope = Double.isNaN(param) ? 0.01 : param;
                return Math.sqrt(2.0 / (1 + slope * slope));
            }
            case "selu": return 3.0 / 4;
            default: throw new IllegalArgumentException("calculateGain: unsupported nonlinearity \"" + nonlinearity
                    + "\"; expected linear, conv1d/2d/3d, conv_transpose1d/2d/3d, sigmoid, tanh, relu, leaky_relu or selu");
        }
    }

    /** {@link #calculateGain(String, double)} with the default parameter. */
    public static double calculateGain(String nonlinearity) {
        return calculateGain(nonlinearity, Double.NaN);
    }

    /** {fan_in, fan_out}: size(1) and size(0) times the receptive field (the product of the dims after the first two). */
    public static long[] fans(Tensor t) {
        if (t.dim() < 2)
            throw new IllegalArgumentException("Init: fan in and fan out need a tensor of at least 2 dimensions, got shape " + java.util.Arrays.toString(t.shape()));
        long receptive = 1;
        for (int d = 2; d < t.dim(); d++) receptive *= t.size(d);
        return new long[] {t.size(1) * receptive, t.size(0) * receptive};
    }

    private static Tensor fill(Tensor t, java.util.function.Function<Tensor, Tensor> fromUniformOrNormal, boolean normal) {
        if (!t.dtype().isFloatingPoint()) throw new IllegalArgumentException("Init: tensor of dtype " + t.dtype() + " is not floating point");
        try (Scope s = Scope.open(); Autograd.Guard off = Autograd.noGrad()) {
            Tensor draw = normal ? Tensor.randn(t.dtype(), t.device(), t.shape()) : Tensor.rand(t.dtype(), t.device(), t.shape());
            t.copyInPlace(fromUniformOrNormal.apply(draw));
        }
        return t;
    }

    /** U(a, b) in place. Returns t. */
    public static Tensor uniform(Tensor t, double a, double b) {
        if (!(a <= b)) throw new IllegalArgumentException("Init.uniform: a " + a + " must not exceed b " + b);
        return fill(t, u -> u.mul(b - a).add(a), false);
    }

    /** N(mean, std²) in place. Returns t. */
    public static Tensor normal(Tensor t, double mean, double std) {
        if (!(std >= 0)) throw new IllegalArgumentException("Init.normal: std must be >= 0, got " + std);
        return fill(t, z -> z.mul(std).add(mean), true);
    }

    /** Every element set to value. Returns t. */
    public static Tensor constant(Tensor t, double value) {
        try (Autograd.Guard off = Autograd.noGrad()) {
            t.fillInPlace(value);
        }
        return t;
    }

    /** Fills {@code t} with 0 (no gradient recorded); returns it. */
    public static Tensor zeros(Tensor t) {
        return constant(t, 0);
    }

    /** Fills {@code t} with 1 (no gradient recorded); returns it. */
    public static Tensor ones(Tensor t) {
        return constant(t, 1);
    }

    /** U(−a, a) with a = gain·√(6 / (fan_in + fan_out)) (Glorot). Returns t. */
    public static Tensor xavierUniform(Tensor t, double gain) {
        long[] f = fans(t);
        double a = Math.sqrt(3.0) * gain * Math.sqrt(2.0 / (f[0] + f[1]));
        return uniform(t, -a, a);
    }

    /** {@link #xavierUniform(Tensor, double)} with gain 1. */
    public static Tensor xavierUniform(Tensor t) {
        return xavierUniform(t, 1);
    }

    /** N(0, std²) with std = gain·√(2 / (fan_in + fan_out)). Returns t. */
    public static Tensor xavierNormal(Tensor t, double gain) {
        long[] f = fans(t);
        return normal(t, 0, gain * Math.sqrt(2.0 / (f[0] + f[1])));
    }

    /** {@link #xavierNormal(Tensor, double)} with gain 1. */
    public static Tensor xavierNormal(Tensor t) {
        return xavierNormal(t, 1);
    }

    private static double kaimingStd(Tensor t, double a, Mode mode, String nonlinearity) {
        long[] f = fans(t);
        long fan = mode == Mode.FAN_IN ? f[0] : f[1];
        if (fan == 0) throw new IllegalArgumentException("Init: a tensor with zero elements (shape " + java.util.Arrays.toString(t.shape()) + ") has no fan");
        return calculateGain(nonlinearity, a) / Math.sqrt(fan);
    }

    /** U(−bound, bound), bound = gain·√(3 / fan) (He); {@code a} is leaky_relu's negative slope. Returns t. */
    public static Tensor kaimingUniform(Tensor t, double a, Mode mode, String nonlinearity) {
        double bound = Math.sqrt(3.0) * kaimingStd(t, a, mode, nonlinearity);
        return uniform(t, -bound, bound);
    }

    /** PyTorch's defaults: a = 0, fan_in, leaky_relu. */
    public static Tensor kaimingUniform(Tensor t) {
        return kaimingUniform(t, 0, Mode.FAN_IN, "leaky_relu");
    }

    /** N(0, std²), std = gain / √fan. Returns t. */
    public static Tensor kaimingNormal(Tensor t, double a, Mode mode, String nonlinearity) {
        return normal(t, 0, kaimingStd(t, a, mode, nonlinearity));
    }

    /** Kaiming normal for a ReLU layer: fan in, gain sqrt(2). */
    public static Tensor kaimingNormal(Tensor t) {
        return kaimingNormal(t, 0, Mode.FAN_IN, "leaky_relu");
    }

    /**
     * N(mean, std²) truncated to [a, b]: draws outside the interval are drawn again (from the same
     * generator, so a seed still fixes the result). Returns t.
     */
    public static Tensor truncNormal(Tensor t, double mean, double std, double a, double b) {
        if (!(a < b)) throw new IllegalArgumentException("Init.truncNormal: a " + a + " must be below b " + b);
        if (!(std > 0)) throw new IllegalArgumentException("Init.truncNormal: std must be positive, got " + std);
        double pa = cdf((a - mean) / std), pb = cdf((b - mean) / std);
        if (pb - pa < 1e-4)
            throw new IllegalArgumentException("Init.truncNormal: [" + a + ", " + b + "] holds less than 1e-4 of N(" + mean + ", " + std + "²); widen it");
        if (!t.dtype().isFloatingPoint()) throw new IllegalArgumentException("Init: tensor of dtype " + t.dtype() + " is not floating point");
        try (Scope s = Scope.open(); Autograd.Guard off = Autograd.noGrad()) {
            int n = (int) t.numel();
            double[] out = new double[n];
            int[] pending = new int[n];
            for (int i = 0; i < n; i++) pending[i] = i;
            int left = n;
            while (left > 0) {
                double[] z = Tensor.randn(DType.FLOAT64, org.jgrad.Device.CPU, left).toDoubleArray();
                int keep = 0;
                for (int k = 0; k < left; k++) {
                    double v = mean + std * z[k];
                    if (v >= a && v <= b) out[pending[k]] = v;
                    else pending[keep++] = pending[k];
                }
                left = keep;
            }
            t.copyInPlace(Tensor.of(out, t.numel() == 0 ? new long[] {0} : new long[] {t.numel()}).reshape(t.shape()).to(t.dtype()).to(t.device()));
        }
        return t;
    }

    /** PyTorch's defaults: N(0, 1) truncated to [−2, 2]. */
    public static Tensor truncNormal(Tensor t) {
        return truncNormal(t, 0, 1, -2, 2);
    }

    /** The standard normal CDF, to about 1e-7: it only guards against an interval too narrow to sample. */
    private static double cdf(double x) {
        // Abramowitz–Stegun 26.2.17 (|error| < 7.5e-8), enough to reject a useless interval
        double t = 1 / (1 + 0.2316419 * Math.abs(x));
        double poly = t * (0.319381530 + t * (-0.356563782 + t * (1.781477937 + t * (-1.821255978 + t * 1.330274429))));
        double tail = Math.exp(-x * x / 2) / Math.sqrt(2 * Math.PI) * poly;
        return x >= 0 ? 1 - tail : tail;
    }
}
