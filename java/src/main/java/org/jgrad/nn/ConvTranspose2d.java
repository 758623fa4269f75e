package org.jgrad.nn;

import org.jgrad.DType;
import org.jgrad.Device;
import org.jgrad.Tensor;

/**
 * A transposed 2-D convolution, as torch.nn.ConvTranspose2d: weight [in, out/groups, kh, kw] and
 * bias [out], initialised as PyTorch does (uniform in ±1/√(out/groups·kh·kw)).
 * <pre>{@code var up = new ConvTranspose2d(32, 16, 2, 2, 0); Tensor y = up.forward(x);  // [N, 32, 14, 14] -> [N, 16, 28, 28]}</pre>
 */
public final class ConvTranspose2d extends ConvBase {
    /** Square kernels, no output padding, one group, with bias, FLOAT32 on the CPU. */
    public ConvTranspose2d(int inChannels, int outChannels, int kernelSize, int stride, int padding) {
        this(inChannels, outChannels, ConvBase.of(kernelSize, 2), ConvBase.of(stride, 2), ConvBase.of(padding, 2), ConvBase.of(0, 2), 1, true,
                ConvBase.of(1, 2), DType.FLOAT32, Device.CPU);
    }

    /** Every option, in torch.nn.ConvTranspose2d's order (each int[] one value or two). */
    public ConvTranspose2d(int inChannels, int outChannels, int[] kernelSize, int[] stride, int[] padding, int[] outputPadding, int groups, boolean bias,
                           int[] dilation, DType dtype, Device device) {
        super("ConvTranspose2d", inChannels, outChannels, two("ConvTranspose2d", kernelSize), two("ConvTranspose2d", stride), two("ConvTranspose2d", padding), null, two("ConvTranspose2d", dilation),
                two("ConvTranspose2d", outputPadding), groups, bias, true, dtype, device);
    }

    @Override
    public Tensor forward(Tensor x) {
        return Functional.convTranspose2d(x, weight(), bias(), stride, padding, outputPadding, groups, dilation);
    }
}
