package org.jgrad.nn;

import java.util.List;
import org.jgrad.Autograd;
import org.jgrad.DType;
import org.jgrad.Device;
import org.jgrad.Tensor;

/**
 * A fully connected layer, {@code y = x Wᵀ + b}, initialised as PyTorch's nn.Linear
 * (uniform in ±1/√in for weight and bias).
 *
 * <pre>{@code
 * Linear fc = new Linear(784, 256);
 * Tensor h = fc.forward(x).relu();
 * }</pre>
 */
public final class Linear implements AutoCloseable {
    private final Tensor weight;
    private final Tensor bias;

    public Linear(int in, int out) {
        this(in, out, true);
    }

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
        double bound = 1 / Math.sqrt(in);
        try (var off = Autograd.noGrad()) {
            weight = uniform(dtype, device, bound, out, in);
            bias = withBias ? uniform(dtype, device, bound, out) : null;
        }
    }

    private static Tensor uniform(DType dtype, Device device, double bound, long... shape) {
        try (Tensor u = Tensor.rand(dtype, device, shape); Tensor scaled = u.mul(2 * bound)) {
            return scaled.sub(bound).requiresGrad(true);
        }
    }

    /** x [..., in] → [..., out]. */
    public Tensor forward(Tensor x) {
        Tensor wt = weight.t();
        Tensor y = x.matmul(wt);
        wt.close();
        if (bias == null) return y;
        Tensor out = y.add(bias);
        y.close();
        return out;
    }

    public Tensor weight() {
        return weight;
    }

    /** The bias, or null. */
    public Tensor bias() {
        return bias;
    }

    public List<Tensor> parameters() {
        return bias == null ? List.of(weight) : List.of(weight, bias);
    }

    @Override
    public void close() {
        weight.close();
        if (bias != null) bias.close();
    }
}
