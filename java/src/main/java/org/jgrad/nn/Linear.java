package org.jgrad.nn;

import java.util.List;
import org.jgrad.Autograd;
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
        if (in <= 0 || out <= 0) throw new IllegalArgumentException("Linear: sizes must be positive, got in=" + in + ", out=" + out);
        double bound = 1 / Math.sqrt(in);
        try (var off = Autograd.noGrad()) {
            weight = Tensor.rand(out, in).mul(2 * bound).sub(bound).requiresGrad(true);
            bias = withBias ? Tensor.rand(out).mul(2 * bound).sub(bound).requiresGrad(true) : null;
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
