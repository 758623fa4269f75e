package org.jgrad.nn;

import org.jgrad.Autograd;
import org.jgrad.DType;
import org.jgrad.Device;
import org.jgrad.Tensor;

/**
 * A fully connected layer, {@code y = x Wᵀ + b}, initialised as PyTorch's nn.Linear
 * (uniform in ±1/√in for weight and bias). Parameters "weight" [out, in] and "bias" [out].
 *
 * <pre>{@code
 * Linear fc = new Linear(784, 256);
 * Tensor h = fc.forward(x).relu();
 * }</pre>
 */
public final class Linear extends Module {
    private final int in, out;

    /** {@code in} features to {@code out}, with bias. */
    public Linear(int in, int out) {
        this(in, out, true);
    }

    /** {@code in} features to {@code out}, with or without bias. */
    public Linear(int in, int out, boolean withBias) {
        this(in, out, withBias, DType.FLOAT32, Device.CPU);
    }

    /**
     * A layer whose parameters have the given dtype (FLOAT32 or FLOAT64) and live on the given
     * device. The initial values come from the global generator, so a seed gives the same layer on
     * every device.
     */
    public Linear(int in, int out, boolean withBias, DType dtype, Device device) {
        if (in <= 0 || out <= 0) throw new IllegalArgumentException("Linear: sizes must be positive, got in=" + in + ", out=" + out);
        if (!dtype.isFloatingPoint()) throw new IllegalArgumentException("Linear: dtype " + dtype + " is not supported; use FLOAT32 or FLOAT64");
        this.in = in;
        this.out = out;
        double bound = 1 / Math.sqrt(in);
        try (var off = Autograd.noGrad()) {
            registerParameter("weight", uniform(dtype, device, bound, out, in));
            registerParameter("bias", withBias ? uniform(dtype, device, bound, out) : null);
        }
    }

    private static Tensor uniform(DType dtype, Device device, double bound, long... shape) {
        try (Tensor u = Tensor.rand(dtype, device, shape); Tensor scaled = u.mul(2 * bound)) {
            return scaled.sub(bound);
        }
    }

    /** x [..., in] → [..., out]. */
    @Override
    public Tensor forward(Tensor x) {
        Tensor wt = weight().t();
        Tensor y = x.matmul(wt);
        wt.close();
        Tensor bias = bias();
        if (bias == null) return y;
        Tensor out = y.add(bias);
        y.close();
        return out;
    }

    /** The weight, [out, in]. */
    public Tensor weight() {
        return parameter("weight");
    }

    /** The bias, or null. */
    public Tensor bias() {
        return parameter("bias");
    }

    @Override
    protected String extraRepr() {
        return "in_features=" + in + ", out_features=" + out + ", bias=" + (bias() != null ? "True" : "False");
    }
}
