package org.jgrad.nn;

import org.jgrad.DType;
import org.jgrad.Device;
import org.jgrad.Tensor;

/**
 * A 1-D convolution over [N, C, L], as torch.nn.Conv1d: weight [out, in/groups, k] and bias [out],
 * initialised as PyTorch does.
 * <pre>{@code var conv = new Conv1d(16, 32, 3); Tensor y = conv.forward(x);  // x [N, 16, L] -> [N, 32, L - 2]}</pre>
 */
public final class Conv1d extends ConvBase {
    /** Stride 1, no padding, dilation 1, one group, with bias, FLOAT32 on the CPU. */
    public Conv1d(int inChannels, int outChannels, int kernelSize) {
        this(inChannels, outChannels, kernelSize, 1, 0, 1, 1, true, DType.FLOAT32, Device.CPU);
    }

    /** Every option of torch.nn.Conv1d, and where the parameters live. */
    public Conv1d(int inChannels, int outChannels, int kernelSize, int stride, int padding, int dilation, int groups, boolean bias, DType dtype,
                  Device device) {
        super("Conv1d", inChannels, outChannels, new int[] {kernelSize}, new int[] {stride}, new int[] {padding}, null, new int[] {dilation}, null, groups,
                bias, false, dtype, device);
    }

    /** padding "same" (stride 1) or "valid". */
    public Conv1d(int inChannels, int outChannels, int kernelSize, int stride, String padding, int dilation, int groups, boolean bias, DType dtype,
                  Device device) {
        super("Conv1d", inChannels, outChannels, new int[] {kernelSize}, new int[] {stride}, new int[] {0}, padding, new int[] {dilation}, null, groups,
                bias, false, dtype, device);
    }

    @Override
    public Tensor forward(Tensor x) {
        return paddingMode != null ? Functional.conv1d(x, weight(), bias(), stride, paddingMode, dilation, groups)
                : Functional.conv1d(x, weight(), bias(), stride, padding, dilation, groups);
    }
}
