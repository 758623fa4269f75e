package org.jgrad.nn;

import org.jgrad.Autograd;
import org.jgrad.DType;
import org.jgrad.Device;
import org.jgrad.Tensor;

/**
 * What Conv1d, Conv2d and ConvTranspose2d share: their settings, PyTorch's default initialisation
 * (weight and bias uniform in ±1/√fan_in, which is kaiming_uniform with a = √5) and the repr.
 */
abstract class ConvBase extends Module {
    final String name;
    final int inChannels, outChannels, groups;
    final int[] kernel, stride, padding, dilation, outputPadding;
    final String paddingMode;  // "same" / "valid", or null when padding holds the ints

    ConvBase(String name, int inChannels, int outChannels, int[] kernel, int[] stride, int[] padding, String paddingMode, int[] dilation,
             int[] outputPadding, int groups, boolean bias, boolean transposed, DType dtype, Device device) {
        this.name = name;
        if (inChannels <= 0 || outChannels <= 0) {
            throw new IllegalArgumentException(name + ": channel counts must be positive, got in=" + inChannels + ", out=" + outChannels);
        }
        if (groups <= 0 || inChannels % groups != 0 || outChannels % groups != 0) {
            throw new IllegalArgumentException(name + ": groups=" + groups + " must be positive and divide in_channels=" + inChannels + " and out_channels="
                    + outChannels);
        }
        if (!dtype.isFloatingPoint()) throw new IllegalArgumentException(name + ": dtype " + dtype + " is not supported; use FLOAT32 or FLOAT64");
        for (int k : kernel) if (k <= 0) throw new IllegalArgumentException(name + ": kernel sizes must be positive, got " + java.util.Arrays.toString(kernel));
        this.inChannels = inChannels;
        this.outChannels = outChannels;
        this.groups = groups;
        this.kernel = kernel.clone();
        this.stride = stride.clone();
        this.padding = padding == null ? null : padding.clone();
        this.paddingMode = paddingMode;
        this.dilation = dilation.clone();
        this.outputPadding = outputPadding == null ? null : outputPadding.clone();
        long[] shape = new long[2 + kernel.length];
        shape[0] = transposed ? inChannels : outChannels;
        shape[1] = (transposed ? outChannels : inChannels) / groups;
        long receptive = 1;
        for (int i = 0; i < kernel.length; i++) {
            shape[2 + i] = kernel[i];
            receptive *= kernel[i];
        }
        double bound = 1 / Math.sqrt(shape[1] * receptive);
        try (var off = Autograd.noGrad()) {
            registerParameter("weight", Init.uniform(Tensor.zeros(dtype, device, shape), -bound, bound));
            registerParameter("bias", bias ? Init.uniform(Tensor.zeros(dtype, device, outChannels), -bound, bound) : null);
        }
    }

    /** Each value repeated to the op's dims (2-D ops take one value or two; 1-D ones one). */
    static int[] of(int v, int dims) {
        int[] a = new int[dims];
        java.util.Arrays.fill(a, v);
        return a;
    }

    /** A 2-D op's size: one value for both dims, or the height's and the width's. */
    static int[] two(String name, int[] v) {
        if (v == null || v.length < 1 || v.length > 2) throw new IllegalArgumentException(name + ": sizes take 1 or 2 values, got " + java.util.Arrays.toString(v));
        return v.length == 2 ? v.clone() : new int[] {v[0], v[0]};
    }

    /** The kernel, [outChannels, inChannels / groups, kernel...] ([inChannels, outChannels / groups, ...] for a transposed convolution). */
    public Tensor weight() {
        return parameter("weight");
    }

    /** The bias, or null. */
    public Tensor bias() {
        return parameter("bias");
    }

    static String tuple(int[] v) {
        StringBuilder s = new StringBuilder("(");
        for (int i = 0; i < v.length; i++) s.append(i > 0 ? ", " : "").append(v[i]);
        return s.append(v.length == 1 ? ",)" : ")").toString();
    }

    private static boolean all(int[] v, int x) {
        for (int e : v) if (e != x) return false;
        return true;
    }

    @Override
    protected String extraRepr() {
        StringBuilder s = new StringBuilder().append(inChannels).append(", ").append(outChannels).append(", kernel_size=").append(tuple(kernel))
                .append(", stride=").append(tuple(stride));
        if (paddingMode != null) s.append(", padding=").append(paddingMode);
        else if (!all(padding, 0)) s.append(", padding=").append(tuple(padding));
        if (!all(dilation, 1)) s.append(", dilation=").append(tuple(dilation));
        if (outputPadding != null && !all(outputPadding, 0)) s.append(", output_padding=").append(tuple(outputPadding));
        if (groups != 1) s.append(", groups=").append(groups);
        if (bias() == null) s.append(", bias=False");
        return s.toString();
    }
}
