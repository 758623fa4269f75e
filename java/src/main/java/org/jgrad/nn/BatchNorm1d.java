package org.jgrad.nn;

import org.jgrad.DType;
import org.jgrad.Device;

/**
 * Batch normalisation over the features of [N, C] or [N, C, L], as torch.nn.BatchNorm1d (eps
 * 1e-5, momentum 0.1, affine, tracking running statistics).
 * <pre>{@code var bn = new BatchNorm1d(256); Tensor h = bn.forward(fc.forward(x));}</pre>
 */
public final class BatchNorm1d extends BatchNorm {
    /** eps 1e-5, momentum 0.1, affine, running statistics, FLOAT32 on the CPU. */
    public BatchNorm1d(int numFeatures) {
        this(numFeatures, 1e-5, 0.1, true, true, DType.FLOAT32, Device.CPU);
    }

    /** Every option; a null momentum keeps the cumulative average of the batch statistics. */
    public BatchNorm1d(int numFeatures, double eps, Double momentum, boolean affine, boolean trackRunningStats, DType dtype, Device device) {
        super("BatchNorm1d", 2, 3, "[N, C] or [N, C, L]", numFeatures, eps, momentum, affine, trackRunningStats, dtype, device);
    }
}
