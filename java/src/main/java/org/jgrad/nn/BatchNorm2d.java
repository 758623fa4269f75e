package org.jgrad.nn;

import org.jgrad.DType;
import org.jgrad.Device;

/**
 * Batch normalisation over the channels of [N, C, H, W], as torch.nn.BatchNorm2d (eps 1e-5,
 * momentum 0.1, affine, tracking running statistics).
 * <pre>{@code var bn = new BatchNorm2d(32); Tensor y = bn.forward(x); bn.eval();  // then the running statistics}</pre>
 */
public final class BatchNorm2d extends BatchNorm {
    /** eps 1e-5, momentum 0.1, affine, running statistics, FLOAT32 on the CPU. */
    public BatchNorm2d(int numFeatures) {
        this(numFeatures, 1e-5, 0.1, true, true, DType.FLOAT32, Device.CPU);
    }

    /** Every option; a null momentum keeps the cumulative average of the batch statistics. */
    public BatchNorm2d(int numFeatures, double eps, Double momentum, boolean affine, boolean trackRunningStats, DType dtype, Device device) {
        super("BatchNorm2d", 4, 4, "4-D [N, C, H, W]", numFeatures, eps, momentum, affine, trackRunningStats, dtype, device);
    }
}
