package org.jgrad.nn;

import org.jgrad.Tensor;

/**
 * Adaptive average pooling to a fixed output size, as torch.nn.AdaptiveAvgPool2d.
 * <pre>{@code var gap = new AdaptiveAvgPool2d(1); Tensor y = gap.forward(x);  // [N, C, H, W] -> [N, C, 1, 1]}</pre>
 */
public final class AdaptiveAvgPool2d extends Module {
    private final int[] outputSize;

    /** Pools to {@code outputSize} (one size for both, or height and width). */
    public AdaptiveAvgPool2d(int... outputSize) {
        if (outputSize.length < 1 || outputSize.length > 2) {
            throw new IllegalArgumentException("AdaptiveAvgPool2d: outputSize takes 1 or 2 values, got " + java.util.Arrays.toString(outputSize));
        }
        this.outputSize = outputSize.length == 2 ? outputSize.clone() : new int[] {outputSize[0], outputSize[0]};
    }

    @Override
    public Tensor forward(Tensor x) {
        return Functional.adaptiveAvgPool2d(x, outputSize);
    }

    @Override
    protected String extraRepr() {
        return "output_size=(" + outputSize[0] + ", " + outputSize[1] + ")";
    }
}
