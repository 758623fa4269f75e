package org.jgrad;

import java.util.ArrayList;
import java.util.List;

/**
 * Layer normalisation by one native kernel each way (native/ops/layer_norm.h), as PyTorch's
 * native_layer_norm; {@link org.jgrad.nn.Functional#layerNorm} and {@link org.jgrad.nn.LayerNorm}
 * call it. {@code Tensor y = Normalization.layerNorm(x, new long[] {512}, w, b, 1e-5);}
 */
public final class Normalization {
    private Normalization() {}

    private static Tensor dense(Tensor t) {
        return t == null || t.contiguous ? t : Autograd.withoutGrad(() -> Kernels.contiguousCopy(t, t.dtype));
    }

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
        Tensor xc = dense(x), w = dense(weight), b = dense(bias);
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
                    Tensor gc = dense(g), wc = dense(ws), xd = dense(xs);
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
}
