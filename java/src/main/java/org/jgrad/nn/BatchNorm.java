package org.jgrad.nn;

import org.jgrad.Autograd;
import org.jgrad.DType;
import org.jgrad.Device;
import org.jgrad.Tensor;

/**
 * What BatchNorm1d and BatchNorm2d share, as torch.nn's _BatchNorm: weight (ones) and bias (zeros)
 * when affine; buffers running_mean (zeros), running_var (ones) and num_batches_tracked (an INT64
 * count) when trackRunningStats, under PyTorch's names so that state dicts carry over. In
 * training the batch's statistics normalise and the running ones are updated with momentum (or,
 * with a null momentum, the cumulative average); in eval the running ones normalise.
 */
abstract class BatchNorm extends Module {
    private final String name;
    final int numFeatures;
    final double eps;
    final Double momentum;
    final boolean affine, track;

    private final int minDims, maxDims;
    private final String layout;

    /** An input of minDims to maxDims dims, described in messages by layout (e.g. "[N, C, H, W]"). */
    BatchNorm(String name, int minDims, int maxDims, String layout, int numFeatures, double eps, Double momentum, boolean affine,
              boolean trackRunningStats, DType dtype, Device device) {
        this.name = name;
        this.minDims = minDims;
        this.maxDims = maxDims;
        this.layout = layout;
        if (numFeatures <= 0) throw new IllegalArgumentException(name + ": numFeatures must be positive, got " + numFeatures);
        if (!(eps >= 0)) throw new IllegalArgumentException(name + ": eps must be >= 0, got " + eps);
        if (momentum != null && !(momentum >= 0 && momentum <= 1)) throw new IllegalArgumentException(name + ": momentum must be in [0, 1], got " + momentum);
        if (!dtype.isFloatingPoint()) throw new IllegalArgumentException(name + ": dtype " + dtype + " is not supported; use FLOAT32 or FLOAT64");
        this.numFeatures = numFeatures;
        this.eps = eps;
        this.momentum = momentum;
        this.affine = affine;
        this.track = trackRunningStats;
        try (var off = Autograd.noGrad()) {
            registerParameter("weight", affine ? Tensor.ones(dtype, device, numFeatures) : null);
            registerParameter("bias", affine ? Tensor.zeros(dtype, device, numFeatures) : null);
            registerBuffer("running_mean", trackRunningStats ? Tensor.zeros(dtype, device, numFeatures) : null);
            registerBuffer("running_var", trackRunningStats ? Tensor.ones(dtype, device, numFeatures) : null);
            registerBuffer("num_batches_tracked", trackRunningStats ? Tensor.zeros(DType.INT64, device) : null);
        }
    }

    private void checkInput(Tensor x) {
        String got = name + ": got input of shape " + java.util.Arrays.toString(x.shape());
        if (x.dim() < minDims || x.dim() > maxDims) throw new IllegalArgumentException(got + "; expected " + layout + " with C = " + numFeatures);
        if (x.size(1) != numFeatures) throw new IllegalArgumentException(got + "; expected " + numFeatures + " channels in dim 1");
    }

    @Override
    public Tensor forward(Tensor x) {
        checkInput(x);
        double m = momentum == null ? 0 : momentum;
        Tensor rm = buffer("running_mean"), rv = buffer("running_var");
        if (isTraining() && track) {
            Tensor count = buffer("num_batches_tracked");
            try (var off = Autograd.noGrad(); Tensor one = Tensor.ones(DType.INT64, count.device())) {
                count.addInPlace(one);
            }
            if (momentum == null) m = 1.0 / count.item();
        }
        boolean batchStats = isTraining() || rm == null;
        return Functional.batchNorm(x, !isTraining() || track ? rm : null, !isTraining() || track ? rv : null, parameter("weight"), parameter("bias"),
                batchStats, m, eps);
    }

    /** The running mean, or null without running statistics. */
    public Tensor runningMean() {
        return buffer("running_mean");
    }

    /** The running (unbiased) variance, or null without running statistics. */
    public Tensor runningVar() {
        return buffer("running_var");
    }

    @Override
    protected String extraRepr() {
        return numFeatures + ", eps=" + (eps == 1e-5 ? "1e-05" : String.valueOf(eps)) + ", momentum=" + (momentum == null ? "None" : momentum) + ", affine="
                + (affine ? "True" : "False") + ", track_running_stats=" + (track ? "True" : "False");
    }
}
