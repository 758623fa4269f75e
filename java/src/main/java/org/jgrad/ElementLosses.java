package org.jgrad;

import java.util.Arrays;

/**
 * Losses per element, which {@link org.jgrad.nn.Functional} reduces (mean by default). Use these
 * directly when you want the loss of every element.
 *
 * <pre>{@code
 * Tensor perElement = ElementLosses.binaryCrossEntropy(probs, targets);   // same shape as probs
 * }</pre>
 */
public final class ElementLosses {
    private ElementLosses() {}

    /**
     * {@code -(y log p + (1 - y) log(1 - p))} for probabilities p and targets y of one shape, each log
     * clamped below at -100 as PyTorch does; the gradient is PyTorch's
     * {@code g (p - y) / max(p (1 - p), 1e-12)} for p and {@code g (log(1 - p) - log p)} for y.
     *
     * <p>An input element outside [0, 1] (or NaN) is an {@link IllegalArgumentException} that names
     * it. On the CPU the call throws. On CUDA a kernel checks the input without stopping the
     * device's queue, and the next call that waits for the device (reading a value,
     * {@code Cuda.synchronize}) throws, or the call itself under {@link Cuda#setLaunchBlocking(boolean)};
     * the losses of such elements are NaN.
     */
    public static Tensor binaryCrossEntropy(Tensor input, Tensor target) {
        input.checkOpen();
        target.checkOpen();
        Kernels.requireFloating("binaryCrossEntropy", "input", input);
        Kernels.requireFloating("binaryCrossEntropy", "target", target);
        if (!Arrays.equals(input.shape, target.shape)) {
            throw new IllegalArgumentException("binaryCrossEntropy: input shape " + Shapes.str(input.shape) + " and target shape "
                    + Shapes.str(target.shape) + " differ; they must be equal");
        }
        Kernels.sameDevice("binaryCrossEntropy", input, target);
        checkProbabilities(input);
        Tensor perElement;
        try (var off = Autograd.noGrad(); Scope scope = Scope.open()) {
            Tensor logP = clampedLog(input);
            Tensor log1mP = clampedLog(input.rsub(1.0));
            perElement = scope.keep(target.mul(logP).add(target.rsub(1.0).mul(log1mP)).neg());
        }
        Autograd.record(perElement, "BinaryCrossEntropyBackward0", new Tensor[] {input, target}, new Tensor[] {input, target},
                (ctx, g) -> {
                    Tensor p = ctx.saved(0), y = ctx.saved(1);
                    Tensor denom = p.rsub(1.0).mul(p).clamp(1e-12, Double.MAX_VALUE);
                    Tensor gp = g.mul(p.sub(y)).div(denom);
                    Tensor gy = clampedLog(p.rsub(1.0)).sub(clampedLog(p)).mul(g);
                    return new Tensor[] {gp, gy};
                });
        return perElement;
    }

    /** Throws on the CPU, or queues the check on CUDA (reported at the next wait), unless every element is in [0, 1]. */
    private static void checkProbabilities(Tensor input) {
        if (input.numel == 0) return;
        Tensor x = input.contiguous ? input : Autograd.withoutGrad(() -> Kernels.contiguousCopy(input, input.dtype));
        try {
            Kernels.checkProbabilities(x);
        } finally {
            if (x != input) x.close();
        }
    }

    /** log clamped below at -100, as in PyTorch's binary cross-entropy. */
    private static Tensor clampedLog(Tensor x) {
        try (var off = Autograd.noGrad()) {
            return x.log().clamp(-100, Double.MAX_VALUE);
        }
    }
}
