package org.jgrad.nn;

import org.jgrad.Autograd;
import org.jgrad.DType;
import org.jgrad.Device;
import org.jgrad.Tensor;

/**
 * Group normalisation, as torch.nn.GroupNorm: the channels of [N, C, ...] in numGroups groups, each
 * normalised per sample; weight (ones) and bias (zeros) per channel when affine.
 * <pre>{@code var gn = new GroupNorm(8, 64); Tensor y = gn.forward(x);  // x [N, 64, H, W]}</pre>
 */
public final class GroupNorm extends Module {
    private final int numGroups, numChannels;
    private final double eps;
    private final boolean affine;

    /** eps 1e-5, affine, FLOAT32 on the CPU. */
    public GroupNorm(int numGroups, int numChannels) {
        this(numGroups, numChannels, 1e-5, true, DType.FLOAT32, Device.CPU);
    }

    /** Every option of torch.nn.GroupNorm, and where the parameters live. */
    public GroupNorm(int numGroups, int numChannels, double eps, boolean affine, DType dtype, Device device) {
        if (numGroups <= 0 || numChannels <= 0 || numChannels % numGroups != 0) {
            throw new IllegalArgumentException("GroupNorm: numGroups " + numGroups + " must be positive and divide numChannels " + numChannels);
        }
        if (!(eps >= 0)) throw new IllegalArgumentException("GroupNorm: eps must be >= 0, got " + eps);
        this.numGroups = numGroups;
        this.numChannels = numChannels;
        this.eps = eps;
        this.affine = affine;
        try (var off = Autograd.noGrad()) {
            registerParameter("weight", affine ? Tensor.ones(dtype, device, numChannels) : null);
            registerParameter("bias", affine ? Tensor.zeros(dtype, device, numChannels) : null);
        }
    }

    @Override
    public Tensor forward(Tensor x) {
        if (x.dim() < 2 || x.size(1) != numChannels) {
            throw new IllegalArgumentException("GroupNorm: expected input [N, " + numChannels + ", ...], got shape " + java.util.Arrays.toString(x.shape()));
        }
        return Functional.groupNorm(x, numGroups, parameter("weight"), parameter("bias"), eps);
    }

    @Override
    protected String extraRepr() {
        return numGroups + ", " + numChannels + ", eps=" + (eps == 1e-5 ? "1e-05" : String.valueOf(eps)) + ", affine=" + (affine ? "True" : "False");
    }
}
