package org.jgrad.nn;

import org.jgrad.DType;
import org.jgrad.Device;
import org.jgrad.Tensor;

/**
 * A 2-D convolution over [N, C, H, W], as torch.nn.Conv2d: weight [out, in/groups, kh, kw] and
 * bias [out], initialised as PyTorch does (uniform in ±1/√(in/groups·kh·kw)).
 * <pre>{@code var conv = new Conv2d(1, 32, 5); Tensor y = conv.forward(x);  // x [N, 1, 28, 28] -> [N, 32, 24, 24]}</pre>
 */
public final class Conv2d extends ConvBase {
    /** A square kernel, stride 1, no padding. */
    public Conv2d(int inChannels, int outChannels, int kernelSize) {
        this(inChannels, outChannels, kernelSize, 1, 0);
    }

    /** A square kernel with the same stride and padding in both dims. */
    public Conv2d(int inChannels, int outChannels, int kernelSize, int stride, int padding) {
        this(inChannels, outChannels, of(kernelSize, 2), of(stride, 2), of(padding, 2), of(1, 2), 1, true, DType.FLOAT32, Device.CPU);
    }

    /** Every option (each int[] holds the height's value and the width's). */
    public Conv2d(int inChannels, int outChannels, int[] kernelSize, int[] stride, int[] padding, int[] dilation, int groups, boolean bias, DType dtype,
                  Device device) {
        super("Conv2d", inChannels, outChannels, two("Conv2d", kernelSize), two("Conv2d", stride), two("Conv2d", padding), null,
                two("Conv2d", dilation), null, groups, bias, false, dtype, device);
    }

    /** padding "same" (the output as large as the input; stride 1) or "valid". */
    public Conv2d(int inChannels, int outChannels, int[] kernelSize, int[] stride, String padding, int[] dilation, int groups, boolean bias, DType dtype,
                  Device device) {
        super("Conv2d", inChannels, outChannels, two("Conv2d", kernelSize), two("Conv2d", stride), of(0, 2), padding, two("Conv2d", dilation),
                null, groups, bias, false, dtype, device);
    }

    @Override
    public Tensor forward(Tensor x) {
        return paddingMode != null ? Functional.conv2d(x, weight(), bias(), stride, paddingMode, dilation, groups)
                : Functional.conv2d(x, weight(), bias(), stride, padding, dilation, groups);
    }
}
