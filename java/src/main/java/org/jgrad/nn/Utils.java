package org.jgrad.nn;

import java.util.ArrayList;
import java.util.List;
import org.jgrad.Autograd;
import org.jgrad.DType;
import org.jgrad.Scope;
import org.jgrad.Tensor;

/**
 * Gradient clipping, as torch.nn.utils.
 * <pre>{@code loss.backward(); Utils.clipGradNorm(model.parameters(), 1.0); optimizer.step();}</pre>
 */
public final class Utils {
    private Utils() {}

    /** {@link #clipGradNorm(Iterable, double, double, boolean)} with the 2-norm, not failing on a non-finite norm. */
    public static double clipGradNorm(Iterable<Tensor> parameters, double maxNorm) {
        return clipGradNorm(parameters, maxNorm, 2, false);
    }

    /**
     * Scales every gradient in place so that their total norm (the {@code normType}-norm of all
     * gradient elements together; {@code Double.POSITIVE_INFINITY} for the largest magnitude) is
     * at most {@code maxNorm}, by {@code min(1, maxNorm / (total + 1e-6))} as PyTorch does, and
     * returns the total norm before clipping. Parameters without a gradient are skipped. With
     * {@code errorIfNonfinite}, a NaN or infinite total is an error and no gradient changes.
     */
    public static double clipGradNorm(Iterable<Tensor> parameters, double maxNorm, double normType, boolean errorIfNonfinite) {
        if (!(normType > 0)) throw new IllegalArgumentException("clipGradNorm: normType must be positive (or infinity), got " + normType);
        List<Tensor> grads = new ArrayList<>();
        for (Tensor p : parameters) if (p.grad() != null) grads.add(p.grad());
        if (grads.isEmpty()) return 0;
        double total;
        try (Scope s = Scope.open(); Autograd.Guard off = Autograd.noGrad()) {
            if (Double.isInfinite(normType)) {
                total = 0;
                for (Tensor g : grads) {
                    double m = g.abs().max().to(DType.FLOAT64).item();
                    total = Double.isNaN(m) || Double.isNaN(total) ? Double.NaN : Math.max(total, m);
                }
            } else {
                // each gradient's norm in its own dtype, then the norm of those norms (PyTorch's order)
                double acc = 0;
                for (Tensor g : grads) {
                    double ng = g.abs().pow(normType).sum().pow(1 / normType).to(DType.FLOAT64).item();
                    acc += Math.pow(ng, normType);
                }
                total = Math.pow(acc, 1 / normType);
            }
            if (errorIfNonfinite && !Double.isFinite(total))
                throw new IllegalStateException("clipGradNorm: the total norm of order " + normType + " of the gradients is " + total
                        + "; the gradients are left as they are (pass errorIfNonfinite = false to clip anyway)");
            double coef = maxNorm / (total + 1e-6);
            if (coef < 1 || Double.isNaN(coef)) for (Tensor g : grads) g.mulInPlace(coef);
        }
        return total;
    }

    /** Clamps every gradient element to [−clipValue, clipValue] in place. */
    public static void clipGradValue(Iterable<Tensor> parameters, double clipValue) {
        if (!(clipValue >= 0)) throw new IllegalArgumentException("clipGradValue: clipValue must be >= 0, got " + clipValue);
        try (Scope s = Scope.open(); Autograd.Guard off = Autograd.noGrad()) {
            for (Tensor p : parameters) {
                Tensor g = p.grad();
                if (g != null) g.copyInPlace(g.clamp(-clipValue, clipValue));
            }
        }
    }
}
