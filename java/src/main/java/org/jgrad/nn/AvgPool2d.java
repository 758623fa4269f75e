package org.jgrad.nn;

import org.jgrad.Tensor;

/**
 * Average pooling over [N, C, H, W], as torch.nn.AvgPool2d (stride defaults to the kernel size;
 * the padding counts in the divisor unless countIncludePad is off).
 * <pre>{@code var pool = new AvgPool2d(2); Tensor y = pool.forward(x);}</pre>
 */
public final class AvgPool2d extends Module {
    private final int[] kernel, stride, padding;
    private final boolean ceilMode, countIncludePad;

    /** Square windows of {@code kernelSize}, stride the same, no padding. */
    public AvgPool2d(int kernelSize) {
        this(new int[] {kernelSize}, null, new int[] {0}, false, true);
    }

    /** Every option; each int[] one value or two; a null stride is the kernel size. */
    public AvgPool2d(int[] kernelSize, int[] stride, int[] padding, boolean ceilMode, boolean countIncludePad) {
        this.kernel = kernelSize.clone();
        this.stride = stride == null ? kernelSize.clone() : stride.clone();
        this.padding = padding.clone();
        this.ceilMode = ceilMode;
        this.countIncludePad = countIncludePad;
    }

    @Override
    public Tensor forward(Tensor x) {
        return Functional.avgPool2d(x, kernel, stride, padding, ceilMode, countIncludePad);
    }

    @Override
    protected String extraRepr() {
        return "kernel_size=" + Pools.repr(kernel) + ", stride=" + Pools.repr(stride) + ", padding=" + Pools.repr(padding);
    }
}
