package org.jgrad.nn;

import java.util.Arrays;
import org.jgrad.Autograd;
import org.jgrad.DType;
import org.jgrad.Device;
import org.jgrad.Tensor;

/**
 * Layer normalisation over the trailing dims, as torch.nn.LayerNorm (eps 1e-5; with
 * elementwiseAffine a weight of ones and a bias of zeros, of normalizedShape).
 * <pre>{@code var ln = new LayerNorm(512); Tensor y = ln.forward(x);  // x [.., 512]}</pre>
 */
public final class LayerNorm extends Module {
    private final long[] normalizedShape;
    private final double eps;
    private final boolean affine;

    /** Over the trailing {@code normalizedShape}: eps 1e-5, elementwise affine, FLOAT32 on the CPU. */
    public LayerNorm(long... normalizedShape) {
        this(normalizedShape, 1e-5, true, DType.FLOAT32, Device.CPU);
    }

    /** Every option of torch.nn.LayerNorm, and where the parameters live. */
    public LayerNorm(long[] normalizedShape, double eps, boolean elementwiseAffine, DType dtype, Device device) {
        if (normalizedShape.length == 0) throw new IllegalArgumentException("LayerNorm: normalizedShape must name at least one dimension");
        for (long d : normalizedShape) if (d <= 0) throw new IllegalArgumentException("LayerNorm: sizes must be positive, got " + Arrays.toString(normalizedShape));
        if (!(eps >= 0)) throw new IllegalArgumentException("LayerNorm: eps must be >= 0, got " + eps);
        this.normalizedShape = normalizedShape.clone();
        this.eps = eps;
        this.affine = elementwiseAffine;
        try (var off = Autograd.noGrad()) {
            registerParameter("weight", elementwiseAffine ? Tensor.ones(dtype, device, normalizedShape) : null);
            registerParameter("bias", elementwiseAffine ? Tensor.zeros(dtype, device, normalizedShape) : null);
        }
    }

    @Override
    public Tensor forward(Tensor x) {
        return Functional.layerNorm(x, normalizedShape, parameter("weight"), parameter("bias"), eps);
    }

    @Override
    protected String extraRepr() {
        StringBuilder s = new StringBuilder("(");
        for (int i = 0; i < normalizedShape.length; i++) s.append(i > 0 ? ", " : "").append(normalizedShape[i]);
        if (normalizedShape.length == 1) s.append(',');
        return s.append("), eps=").append(eps == 1e-5 ? "1e-05" : String.valueOf(eps)).append(", elementwise_affine=").append(affine ? "True" : "False").toString();
    }
}
