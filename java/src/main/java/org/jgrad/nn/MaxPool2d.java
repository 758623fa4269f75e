package org.jgrad.nn;

import org.jgrad.Tensor;

/**
 * Max pooling over [N, C, H, W], as torch.nn.MaxPool2d (stride defaults to the kernel size).
 * <pre>{@code var pool = new MaxPool2d(2); Tensor y = pool.forward(x);  // [N, C, 24, 24] -> [N, C, 12, 12]}</pre>
 */
public final class MaxPool2d extends Module {
    private final int[] kernel, stride, padding, dilation;
    private final boolean ceilMode;

    /** Square windows of {@code kernelSize}, stride the same, no padding. */
    public MaxPool2d(int kernelSize) {
        this(kernelSize, kernelSize, 0);
    }

    /** Square windows with the given stride and padding (padded cells never win the max). */
    public MaxPool2d(int kernelSize, int stride, int padding) {
        this(new int[] {kernelSize}, new int[] {stride}, new int[] {padding}, new int[] {1}, false);
    }

    /** Every option; each int[] one value or two (height, width); a null stride is the kernel size. */
    public MaxPool2d(int[] kernelSize, int[] stride, int[] padding, int[] dilation, boolean ceilMode) {
        this.kernel = kernelSize.clone();
        this.stride = stride == null ? kernelSize.clone() : stride.clone();
        this.padding = padding.clone();
        this.dilation = dilation.clone();
        this.ceilMode = ceilMode;
    }

    @Override
    public Tensor forward(Tensor x) {
        return Functional.maxPool2d(x, kernel, stride, padding, dilation, ceilMode);
    }

    @Override
    protected String extraRepr() {
        return "kernel_size=" + Pools.repr(kernel) + ", stride=" + Pools.repr(stride) + ", padding=" + Pools.repr(padding) + ", dilation="
                + Pools.repr(dilation) + ", ceil_mode=" + (ceilMode ? "True" : "False");
    }
}
