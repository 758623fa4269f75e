package org.jgrad;

import java.util.ArrayList;
import java.util.List;

/**
 * Layer and batch normalisation by one native kernel each way (native/ops/layer_norm.h and
 * native/ops/conv.h), as PyTorch's native_layer_norm and native_batch_norm, and group
 * normalisation on the layer-norm kernel; {@link org.jgrad.nn.Functional} and the modules
 * (LayerNorm, BatchNorm1d/2d, GroupNorm) call them.
 * {@code Tensor y = Normalization.layerNorm(x, new long[] {512}, w, b, 1e-5);}
 */
public final class Normalization {
    private Normalization() {}

    /**
     * (x − mean) / sqrt(var + eps) · weight + bias over the trailing dims of normalizedShape (the
     * biased variance), weight and bias of that shape or null; they must share x's dtype and device.
     * The backward is the fused kernel unless a graph of the gradient is being recorded
     * (createGraph), when it is built from differentiable ops.
     */
    public static Tensor layerNorm(Tensor x, long[] normalizedShape, Tensor weight, Tensor bias, double eps) {
        long cols = 1;
        for (long d : normalizedShape) cols *= d;
        for (Tensor t : new Tensor[] {weight, bias}) {
            if (t != null && (t.dtype != x.dtype || !t.device.equals(x.device)))
                throw new IllegalArgumentException("layerNorm: weight and bias must be " + x.dtype + " on " + x.device + " like the input, got " + t.dtype
                        + " on " + t.device);
        }
        final long k = cols, rows = cols == 0 ? 0 : x.numel / cols;
        Tensor xc = Kernels.dense(x), w = Kernels.dense(weight), b = Kernels.dense(bias);
        Tensor y = Tensor.empty(x.shape, x.dtype, x.device);
        Tensor mean = Tensor.empty(new long[] {rows}, x.dtype, x.device);
        Tensor rstd = Tensor.empty(new long[] {rows}, x.dtype, x.device);
        try {
            Kernels.layerNorm(y, mean, rstd, xc, w, b, rows, k, eps);
        } finally {
            if (xc != x) xc.close();
            if (w != weight) w.close();
            if (b != bias) b.close();
        }
        List<Tensor> inputs = new ArrayList<>();
        inputs.add(x);
        if (weight != null) inputs.add(weight);
        if (bias != null) inputs.add(bias);
        final int wi = weight != null ? 1 : -1, bi = bias != null ? inputs.size() - 1 : -1;
        Tensor[] saved = weight != null ? new Tensor[] {x, mean, rstd, weight} : new Tensor[] {x, mean, rstd};
        Tensor out = Autograd.record(y, "NativeLayerNormBackward0", inputs.toArray(new Tensor[0]), saved, (ctx, g) -> {
            Tensor xs = ctx.saved(0), ms = ctx.saved(1), rs = ctx.saved(2), ws = weight != null ? ctx.saved(3) : null;
            Tensor x2 = xs.reshape(rows, k), g2 = g.reshape(rows, k), m2 = ms.reshape(rows, 1), r2 = rs.reshape(rows, 1);
            Tensor w2 = ws == null ? null : ws.reshape(1, k);
            Tensor[] grads = new Tensor[inputs.size()];
            boolean fused = !GradMode.enabled();
            // x̂ only where it is used: the recorded dx, and dw
            Tensor xhat = !fused && ctx.needsInputGrad(0) || wi >= 0 && ctx.needsInputGrad(wi) ? x2.sub(m2).mul(r2) : null;
            if (ctx.needsInputGrad(0)) {
                if (fused) {
                    Tensor gc = Kernels.dense(g), wc = Kernels.dense(ws), xd = Kernels.dense(xs);
                    Tensor dx = Tensor.empty(xs.shape, xs.dtype, xs.device);
                    Kernels.layerNormBackward(dx, gc, xd, ms, rs, wc, rows, k);
                    grads[0] = dx;
                } else {
                    Tensor gw = w2 == null ? g2 : g2.mul(w2);
                    Tensor a = gw.mean(1, true), c = gw.mul(xhat).mean(1, true);
                    grads[0] = gw.sub(a).sub(xhat.mul(c)).mul(r2).reshape(xs.shape);
                }
            }
            if (wi >= 0 && ctx.needsInputGrad(wi)) grads[wi] = g2.mul(xhat).sum(0).reshape(normalizedShape);
            if (bi >= 0 && ctx.needsInputGrad(bi)) grads[bi] = g2.sum(0).reshape(normalizedShape);
            return grads;
        });
        mean.close();  // the node, if any, keeps its own handles to the statistics
        rstd.close();
        return out;
    }

    /** [1, C, 1, ...] for a per-channel tensor broadcast over an input of nd dims. */
    private static long[] channelShape(long c, int nd) {
        long[] sh = new long[nd];
        java.util.Arrays.fill(sh, 1);
        sh[1] = c;
        return sh;
    }

    private static int[] allButChannel(int nd) {
        int[] dims = new int[nd - 1];
        dims[0] = 0;
        for (int i = 2; i < nd; i++) dims[i - 1] = i;
        return dims;
    }

    /**
     * torch.nn.functional.batch_norm over the channels (dim 1) of [N, C, ...]: in training (or
     * without running statistics) the batch's mean and biased variance normalise, and running
     * statistics given are updated in place as PyTorch does, running = (1 − momentum)·running +
     * momentum·batch, with the unbiased variance; in eval the running statistics normalise. weight,
     * bias, runningMean and runningVar are [C] or null. One native kernel each way per call.
     */
    public static Tensor batchNorm(Tensor input, Tensor runningMean, Tensor runningVar, Tensor weight, Tensor bias, boolean training,
                                   double momentum, double eps) {
        String op = "batchNorm";
        input.checkOpen();
        Kernels.requireFloating(op, "input", input);
        int nd = input.shape.length;
        if (nd < 2) throw new IllegalArgumentException(op + ": expected input [N, C, ...] with at least 2 dims, got shape " + Shapes.str(input.shape));
        long n = input.shape[0], c = input.shape[1], sp = 1;
        for (int i = 2; i < nd; i++) sp *= input.shape[i];
        final long s = sp;
        String[] names = {"runningMean", "runningVar", "weight", "bias"};
        Tensor[] per = {runningMean, runningVar, weight, bias};
        for (int i = 0; i < 4; i++) {
            Tensor t = per[i];
            if (t == null) continue;
            t.checkOpen();
            if (t.dtype != input.dtype || !t.device.equals(input.device) || t.shape.length != 1 || t.shape[0] != c) {
                throw new IllegalArgumentException(op + ": " + names[i] + " must be [" + c + "] " + input.dtype + " on " + input.device
                        + " like the input's channels (input shape " + Shapes.str(input.shape) + "), got " + Shapes.str(t.shape) + " " + t.dtype
                        + " on " + t.device);
            }
        }
        if ((runningMean == null) != (runningVar == null)) {
            throw new IllegalArgumentException(op + ": give both runningMean and runningVar, or neither");
        }
        boolean batchStats = training || runningMean == null;
        if (batchStats && n * s <= 1 && c > 0) {
            throw new IllegalArgumentException(op + ": expected more than 1 value per channel when training, got input of shape " + Shapes.str(input.shape));
        }
        Tensor y = Tensor.empty(input.shape, input.dtype, input.device);
        Tensor mean, invstd;
        try (Temps t = new Temps()) {
            Tensor xc = t.dense(input), w = t.dense(weight), b = t.dense(bias);
            if (batchStats) {
                mean = Tensor.empty(new long[] {c}, input.dtype, input.device);
                invstd = Tensor.empty(new long[] {c}, input.dtype, input.device);
                Tensor var = runningVar != null ? t.add(Tensor.empty(new long[] {c}, input.dtype, input.device)) : null;
                Kernels.batchNorm(y, mean, var, invstd, xc, w, b, n, c, s, eps, true);
                if (runningMean != null && training) {
                    double unbias = (double) (n * s) / (n * s - 1);
                    try (Autograd.Guard g = Autograd.noGrad()) {
                        runningMean.mulInPlace(1 - momentum).addInPlace(t.add(mean.mul(momentum)));
                        runningVar.mulInPlace(1 - momentum).addInPlace(t.add(var.mul(momentum * unbias)));
                    }
                }
            } else {
                mean = runningMean;
                try (Autograd.Guard g = Autograd.noGrad()) {
                    invstd = t.add(t.add(runningVar.add(eps)).sqrt()).rdiv(1.0);
                }
                Kernels.batchNorm(y, mean, null, invstd, xc, w, b, n, c, s, eps, false);
            }
        }
        List<Tensor> inputs = new ArrayList<>();
        inputs.add(input);
        if (weight != null) inputs.add(weight);
        if (bias != null) inputs.add(bias);
        final int wi = weight != null ? 1 : -1, bi = bias != null ? inputs.size() - 1 : -1;
        Tensor[] saved = weight != null ? new Tensor[] {input, mean, invstd, weight} : new Tensor[] {input, mean, invstd};
        Tensor out = Autograd.record(y, "NativeBatchNormBackward0", inputs.toArray(new Tensor[0]), saved, (ctx, g) -> {
            Tensor xs = ctx.saved(0), ms = ctx.saved(1), rs = ctx.saved(2), ws = weight != null ? ctx.saved(3) : null;
            Tensor[] grads = new Tensor[inputs.size()];
            boolean needX = ctx.needsInputGrad(0), needW = wi >= 0 && ctx.needsInputGrad(wi), needB = bi >= 0 && ctx.needsInputGrad(bi);
            if (!GradMode.enabled()) {
                Tensor dx = needX ? Tensor.empty(xs.shape, xs.dtype, xs.device) : null;
                Tensor dw = needW ? Tensor.empty(new long[] {c}, xs.dtype, xs.device) : null;
                Tensor db = needB ? Tensor.empty(new long[] {c}, xs.dtype, xs.device) : null;
                try (Temps t = new Temps()) {
                    Kernels.batchNormBackward(dx, dw, db, t.dense(g), t.dense(xs), ms, rs, t.dense(ws), n, c, s, batchStats);
                }
                if (needX) grads[0] = dx;
                if (needW) grads[wi] = dw;
                if (needB) grads[bi] = db;
                return grads;
            }
            // a recorded backward (createGraph): the same formulas from differentiable ops, the
            // batch statistics recomputed from x so that their own dependence on x is in the graph
            long[] cs = channelShape(c, nd);
            int[] dims = allButChannel(nd);
            Tensor m = batchStats ? xs.mean(dims, true) : ms.reshape(cs);
            Tensor r = batchStats ? xs.sub(m).pow(2).mean(dims, true).add(eps).sqrt().rdiv(1.0) : rs.reshape(cs);
            Tensor xhat = xs.sub(m).mul(r);
            if (needX) {
                Tensor scale = ws == null ? r : r.mul(ws.reshape(cs));
                grads[0] = batchStats ? g.sub(g.mean(dims, true)).sub(xhat.mul(g.mul(xhat).mean(dims, true))).mul(scale) : g.mul(scale);
            }
            if (needW) grads[wi] = g.mul(xhat).sum(dims, false);
            if (needB) grads[bi] = g.sum(dims, false);
            return grads;
        });
        if (mean != runningMean) mean.close();  // the node, if any, keeps its own handles to the statistics
        invstd.close();
        return out;
    }

    /**
     * torch.nn.functional.group_norm: the C channels of [N, C, ...] in numGroups groups, each
     * group of each sample normalised over its channels and positions (the biased variance), then
     * weight and bias [C] (or null) per channel. Built on the layer-norm kernel.
     */
    public static Tensor groupNorm(Tensor input, int numGroups, Tensor weight, Tensor bias, double eps) {
        String op = "groupNorm";
        input.checkOpen();
        Kernels.requireFloating(op, "input", input);
        int nd = input.shape.length;
        if (nd < 2) throw new IllegalArgumentException(op + ": expected input [N, C, ...] with at least 2 dims, got shape " + Shapes.str(input.shape));
        long n = input.shape[0], c = input.shape[1];
        if (numGroups < 1 || c % numGroups != 0) {
            throw new IllegalArgumentException(op + ": numGroups " + numGroups + " must divide the " + c + " channels of input shape " + Shapes.str(input.shape));
        }
        for (Tensor t : new Tensor[] {weight, bias}) {
            if (t != null && (t.dtype != input.dtype || !t.device.equals(input.device) || t.shape.length != 1 || t.shape[0] != c)) {
                throw new IllegalArgumentException(op + ": weight and bias must be [" + c + "] " + input.dtype + " on " + input.device + ", got "
                        + Shapes.str(t.shape) + " " + t.dtype + " on " + t.device);
            }
        }
        long per = input.numel / Math.max(1, n * numGroups);
        if (n == 0 || c == 0) per = 0;
        long[] cs = channelShape(c, nd);
        try (Temps t = new Temps()) {
            Tensor out = t.add(layerNorm(t.add(input.reshape(n, numGroups, per)), new long[] {per}, null, null, eps)).reshape(input.shape);
            if (weight != null) out = t.add(out).mul(t.add(weight.reshape(cs)));
            if (bias != null) out = t.add(out).add(t.add(bias.reshape(cs)));
            return out;
        }
    }
}
