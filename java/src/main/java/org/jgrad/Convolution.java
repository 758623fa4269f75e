package org.jgrad;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BinaryOperator;

/**
 * Convolutions in NCHW (and NCL) layout, as torch.nn.functional's conv1d, conv2d,
 * conv_transpose1d and conv_transpose2d, lowered onto matrix products: the window's taps are laid
 * out as a columns matrix (native im2col, [C·kh·kw, images·outputs]) and one product with the
 * weight per group covers a chunk of images, on OpenBLAS or cuBLAS. The backward reuses the same
 * three steps: the input's gradient is the weight's transpose times the output's gradient, folded
 * back by col2im (a gather, so the same bits every run); the weight's is the output's gradient
 * times the columns' transpose. {@link org.jgrad.nn.Functional#conv2d} is the usual entry point.
 * {@code Tensor y = Convolution.conv2d(x, w, b, new int[] {1}, new int[] {1}, new int[] {1}, 1);}
 */
public final class Convolution {
    private Convolution() {}

    /** Columns of at most this many bytes are built at a time; a batch whose columns are larger runs in chunks of images. */
    static final long CHUNK_BYTES = 32L << 20;

    /**
     * One lowering: the large side [n, ci, h, w] read through a kh×kw window (stride, zero padding,
     * dilation) onto the small side [n, co, oh, ow], with the weight as a matrix [groups, co/groups,
     * ci/groups·kh·kw]. A convolution's input is the large side; a transposed convolution's input
     * is the small one.
     */
    static final class Lowering {
        final long n, ci, h, w, co, oh, ow, kh, kw, sh, sw, ph, pw, dh, dw;
        final int groups;
        final String op;

        Lowering(String op, long n, long ci, long h, long w, long co, long oh, long ow, long[] k, long[] s, long[] p, long[] d, int groups) {
            this.op = op;
            this.n = n;
            this.ci = ci;
            this.h = h;
            this.w = w;
            this.co = co;
            this.oh = oh;
            this.ow = ow;
            this.kh = k[0];
            this.kw = k[1];
            this.sh = s[0];
            this.sw = s[1];
            this.ph = p[0];
            this.pw = p[1];
            this.dh = d[0];
            this.dw = d[1];
            this.groups = groups;
        }

        long[] geom(long images) {
            return new long[] {images, ci, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow};
        }

        long rows() {
            return ci * kh * kw;
        }

        long plane() {
            return oh * ow;
        }

        /** Images per chunk: as many as keep the columns under CHUNK_BYTES, at least one. */
        long chunk(DType dt) {
            long per = Math.max(1, rows() * plane() * dt.size);
            return Math.max(1, Math.min(n, CHUNK_BYTES / per));
        }

        /** The columns of images [n0, n0 + b) of the large side (dense [n, ci, h, w]). */
        Tensor columns(Tensor big, long n0, long b) {
            Tensor col = Tensor.empty(new long[] {groups, rows() / groups, b * plane()}, big.dtype, big.device);
            try (Temps t = new Temps()) {
                Kernels.im2col(col, t.add(big.narrow(0, n0, b)), geom(b), op);
            } catch (RuntimeException e) {
                col.close();
                throw e;
            }
            return col;
        }

        /** Images [n0, n0 + b) of a dense small-side tensor as [groups, co/groups, b·oh·ow]. */
        Tensor channelsMajor(Tensor small, long n0, long b) {
            try (Temps s = new Temps()) {
                Tensor part = s.add(s.add(small.narrow(0, n0, b)).view(b, co, plane()));
                Tensor t = b == 1 ? part : s.add(s.add(part.transpose(0, 1)).contiguous());
                return t.view(groups, co / groups, b * plane());
            }
        }

        /**
         * One pass over the chunks of images, computing what is asked and sharing the columns and
         * the small side's channels-major copy between the products that use them:
         * [0] the small side from the large (the convolution; needs big),
         * [1] the large side from the small (the transposed convolution, wmᵀ·small folded back by
         *     col2im; needs small),
         * [2] the weight matrix's gradient [groups, co/groups, ci/groups·kh·kw] (small·columnsᵀ;
         *     needs both). Dense inputs; nulls where not asked.
         */
        Tensor[] run(Tensor big, Tensor small, Tensor wm, boolean toSmall, boolean toBig, boolean toWeight) {
            Tensor any = big != null ? big : small;
            Tensor outSmall = toSmall ? Tensor.empty(new long[] {n, co, oh, ow}, any.dtype, any.device) : null;
            Tensor outBig = toBig ? Tensor.empty(new long[] {n, ci, h, w}, any.dtype, any.device) : null;
            Tensor dW = null;
            long step = chunk(any.dtype);
            try (Temps t = new Temps()) {
                Tensor wt = toBig ? t.add(wm.transpose(1, 2)) : null;
                for (long n0 = 0; n0 < n; n0 += step) {
                    long b = Math.min(step, n - n0);
                    try (Temps c = new Temps()) {
                        Tensor col = toSmall || toWeight ? c.add(columns(big, n0, b)) : null;
                        Tensor gm = toBig || toWeight ? c.add(channelsMajor(small, n0, b)) : null;
                        if (toSmall) {
                            Tensor y = c.add(wm.matmul(col));  // [groups, co/groups, b·plane] = [co, b, plane]
                            Tensor ys = c.add(c.add(y.view(co, b, plane())).transpose(0, 1));
                            c.add(c.add(outSmall.narrow(0, n0, b)).view(b, co, plane())).copyInPlace(ys);
                        }
                        if (toBig) Kernels.col2im(c.add(outBig.narrow(0, n0, b)), c.add(wt.matmul(gm)), geom(b), op);
                        if (toWeight) {
                            Tensor part = gm.matmul(c.add(col.transpose(1, 2)));
                            if (dW == null) {
                                dW = part;
                            } else {
                                dW.addInPlace(part);
                                part.close();
                            }
                        }
                    }
                }
            } catch (RuntimeException e) {
                for (Tensor r : new Tensor[] {outSmall, outBig, dW}) if (r != null) r.close();
                throw e;
            }
            if (toWeight && dW == null) dW = Tensor.zeros(any.dtype, any.device, groups, co / groups, rows() / groups);
            return new Tensor[] {outSmall, outBig, dW};
        }
    }

    // ---- argument handling ----

    static long[] pair(String op, String what, int[] v, long min) {
        if (v == null || v.length < 1 || v.length > 2) {
            throw new IllegalArgumentException(op + ": " + what + " needs 1 or 2 values, got " + (v == null ? "null" : java.util.Arrays.toString(v)));
        }
        long a = v[0], b = v.length == 2 ? v[1] : v[0];
        if (a < min || b < min) {
            throw new IllegalArgumentException(op + ": " + what + " must be at least " + min + ", got " + java.util.Arrays.toString(v));
        }
        return new long[] {a, b};
    }

    static long[] single(String op, String what, int[] v, long min) {
        if (v == null || v.length != 1) {
            throw new IllegalArgumentException(op + ": " + what + " needs 1 value, got " + (v == null ? "null" : java.util.Arrays.toString(v)));
        }
        if (v[0] < min) throw new IllegalArgumentException(op + ": " + what + " must be at least " + min + ", got " + v[0]);
        return new long[] {min, v[0]};  // the height of one: stride and dilation 1, padding 0
    }

    static void checkOperands(String op, Tensor input, Tensor weight, Tensor bias) {
        input.checkOpen();
        weight.checkOpen();
        Kernels.requireFloating(op, "input", input);
        for (Tensor t : bias == null ? new Tensor[] {weight} : new Tensor[] {weight, bias}) {
            t.checkOpen();
            if (t.dtype != input.dtype || !t.device.equals(input.device)) {
                throw new IllegalArgumentException(op + ": weight and bias must be " + input.dtype + " on " + input.device + " like the input (shape "
                        + Shapes.str(input.shape) + "), got " + t.dtype + " on " + t.device + " (shape " + Shapes.str(t.shape) + ")");
            }
        }
    }

    static long outSize(String op, String dim, long in, long k, long s, long p, long d) {
        long span = d * (k - 1) + 1;
        if (in + 2 * p < span) {
            throw new IllegalArgumentException(op + ": the input's " + dim + " (" + in + ", padded by " + p + " each side) is smaller than the"
                    + " kernel's reach (" + k + " taps at dilation " + d + " span " + span + ")");
        }
        return (in + 2 * p - span) / s + 1;
    }

    /** A 3-D (unbatched) input as a batch of one, through a batched op, and back. */
    static Tensor unbatched(Tensor input, java.util.function.UnaryOperator<Tensor> batched) {
        try (Temps t = new Temps()) {
            return t.add(batched.apply(t.add(input.unsqueeze(0)))).squeeze(0);
        }
    }

    /**
     * Runs a lowering as a convolution (its input the large side) or, transposed, as a transposed
     * convolution (its input the small side), adds the bias and records the backward: the fused
     * lowering steps, or (for a graph of the gradient) the differentiable forms given.
     */
    static Tensor lowered(Lowering lo, boolean transposed, Tensor input, Tensor weight, Tensor bias, BinaryOperator<Tensor> recordedInputGrad,
                          BinaryOperator<Tensor> recordedWeightGrad) {
        long[] wm = {lo.groups, weight.shape[0] / lo.groups, weight.shape[0] == 0 ? 0 : weight.numel / weight.shape[0]};
        Tensor out;
        try (Temps t = new Temps()) {
            Tensor x = t.dense(input), w = t.add(t.dense(weight).view(wm));
            out = Autograd.withoutGrad(() -> transposed ? lo.run(null, x, w, false, true, false)[1] : lo.run(x, null, w, true, false, false)[0]);
        }
        if (bias != null) addBias(out, bias);
        Tensor[] inputs = bias == null ? new Tensor[] {input, weight} : new Tensor[] {input, weight, bias};
        long[] weightShape = weight.shape.clone();
        return Autograd.record(out, "ConvolutionBackward0", inputs, new Tensor[] {input, weight}, (ctx, g) -> {
            Tensor xs = ctx.saved(0), ws = ctx.saved(1);
            Tensor[] grads = new Tensor[inputs.length];
            boolean needX = ctx.needsInputGrad(0), needW = ctx.needsInputGrad(1);
            if (GradMode.enabled()) {
                if (needX) grads[0] = recordedInputGrad.apply(g, ws);
                if (needW) grads[1] = recordedWeightGrad.apply(xs, g);
            } else {
                try (Temps t = new Temps()) {
                    Tensor gd = t.dense(g), xd = needW ? t.dense(xs) : null, w = needX ? t.add(t.dense(ws).view(wm)) : null;
                    // a convolution's input is the large side and its input gradient the large side's;
                    // a transposed one's input is the small side and its gradient the convolution of g
                    Tensor[] r = transposed ? lo.run(gd, xd, w, needX, false, needW) : lo.run(xd, gd, w, false, needX, needW);
                    grads[0] = transposed ? r[0] : r[1];
                    if (r[2] != null) grads[1] = t.add(r[2]).reshape(weightShape);
                }
            }
            if (bias != null && ctx.needsInputGrad(2)) grads[2] = g.sum(new int[] {0, 2, 3}, false);
            return grads;
        });
    }

    // ---- conv2d ----

    /**
     * torch.nn.functional.conv2d: input [N, C, H, W] (or [C, H, W]), weight [Cout, C/groups, kh, kw],
     * bias [Cout] or null; stride, padding and dilation each one value or two (height, width).
     */
    public static Tensor conv2d(Tensor input, Tensor weight, Tensor bias, int[] stride, int[] padding, int[] dilation, int groups) {
        return conv2d("conv2d", input, weight, bias, pair("conv2d", "stride", stride, 1), pair("conv2d", "padding", padding, 0),
                pair("conv2d", "dilation", dilation, 1), groups);
    }

    /** conv2d with padding "same" (the output as large as the input; stride 1 only) or "valid" (none). */
    public static Tensor conv2d(Tensor input, Tensor weight, Tensor bias, int[] stride, String padding, int[] dilation, int groups) {
        long[] s = pair("conv2d", "stride", stride, 1), d = pair("conv2d", "dilation", dilation, 1);
        if ("valid".equals(padding)) return conv2d("conv2d", input, weight, bias, s, new long[] {0, 0}, d, groups);
        if (!"same".equals(padding)) throw new IllegalArgumentException("conv2d: padding must be \"same\" or \"valid\" (or ints), got \"" + padding + "\"");
        if (weight.shape.length != 4) throw new IllegalArgumentException("conv2d: weight must be 4-D [Cout, C/groups, kh, kw], got shape " + Shapes.str(weight.shape));
        return same("conv2d", input, weight, s, d, 2, (x, p) -> conv2d("conv2d", x, weight, bias, s, p, d, groups));
    }

    interface Padded {
        Tensor apply(Tensor x, long[] padding);
    }

    /** "same" padding: total d·(k−1) per dim, the odd one at the end (PyTorch's rule) added as zeros. */
    static Tensor same(String op, Tensor input, Tensor weight, long[] s, long[] d, int spatial, Padded conv) {
        if (s[0] != 1 || s[1] != 1) {
            throw new IllegalArgumentException(op + ": padding \"same\" needs stride 1, got " + (spatial == 2 ? s[0] + "x" + s[1] : "" + s[1]));
        }
        long[] p = {0, 0};
        Tensor x = input;
        List<Tensor> made = new ArrayList<>();
        int wd = weight.shape.length;
        for (int i = 2 - spatial; i < 2; i++) {
            int back = 2 - i;  // 1: the last dim, 2: the one before
            long total = d[i] * (weight.shape[wd - back] - 1);
            p[i] = total / 2;
            if (total % 2 == 1) {
                int dim = x.shape.length - back;
                long[] zs = x.shape.clone();
                zs[dim] = 1;
                Tensor z = Tensor.zeros(x.dtype, x.device, zs);
                made.add(z);
                x = Tensor.cat(dim, x, z);
                made.add(x);
            }
        }
        try {
            return conv.apply(x, p);
        } finally {
            for (Tensor t : made) t.close();
        }
    }

    static Tensor conv2d(String op, Tensor input, Tensor weight, Tensor bias, long[] s, long[] p, long[] d, int groups) {
        checkOperands(op, input, weight, bias);
        if (input.shape.length == 3) return unbatched(input, x -> conv2d(op, x, weight, bias, s, p, d, groups));
        if (input.shape.length != 4 || weight.shape.length != 4) {
            throw new IllegalArgumentException(op + ": expected input [N, C, H, W] (or [C, H, W]) and weight [Cout, C/groups, kh, kw], got shapes "
                    + Shapes.str(input.shape) + " and " + Shapes.str(weight.shape));
        }
        long n = input.shape[0], c = input.shape[1], h = input.shape[2], w = input.shape[3];
        long cout = weight.shape[0];
        if (groups < 1 || c % groups != 0 || cout % groups != 0 || weight.shape[1] * groups != c) {
            throw new IllegalArgumentException(op + ": input of " + c + " channels (shape " + Shapes.str(input.shape) + ") and weight of shape "
                    + Shapes.str(weight.shape) + " do not fit groups=" + groups + ": groups must divide both channel counts and weight.shape[1] must"
                    + " be C/groups = " + (groups >= 1 ? c / groups : "?"));
        }
        if (bias != null && (bias.shape.length != 1 || bias.shape[0] != cout)) {
            throw new IllegalArgumentException(op + ": bias must be [" + cout + "] (one per output channel), got shape " + Shapes.str(bias.shape));
        }
        long[] k = {weight.shape[2], weight.shape[3]};
        long oh = outSize(op, "height", h, k[0], s[0], p[0], d[0]), ow = outSize(op, "width", w, k[1], s[1], p[1], d[1]);
        Shapes.numel(op, new long[] {n, cout, oh, ow});
        Lowering lo = new Lowering(op, n, c, h, w, cout, oh, ow, k, s, p, d, groups);
        // for a recorded backward: the transposed convolution's output padding that gives back h x w
        long[] op2 = {h + 2 * p[0] - d[0] * (k[0] - 1) - 1 - (oh - 1) * s[0], w + 2 * p[1] - d[1] * (k[1] - 1) - 1 - (ow - 1) * s[1]};
        return lowered(lo, false, input, weight, bias, (g, ws) -> convTranspose2d(op + " backward", g, ws, null, s, p, op2, groups, d),
                (xs, g) -> composedWeightGrad(op, xs, g, k, s, p, d, groups));
    }

    static void addBias(Tensor out, Tensor bias) {
        try (Temps sc = new Temps()) {
            Tensor b = sc.add(bias.view(1, bias.shape[0], 1, 1));
            Autograd.withoutGrad(() -> out.addInPlace(b));
        }
    }

    /**
     * The weight's gradient as differentiable convolutions (for a recorded backward): per group,
     * the large side and the small side's gradient swap their batch and channel dims and meet in
     * a convolution whose stride is the dilation and whose dilation is the stride.
     * Returns [small channels, large channels / groups, kh, kw].
     */
    static Tensor composedWeightGrad(String op, Tensor big, Tensor small, long[] k, long[] s, long[] p, long[] d, int groups) {
        long cb = big.shape[1] / groups, cs = small.shape[1] / groups;
        List<Tensor> parts = new ArrayList<>();
        try (Temps sc = new Temps()) {
            for (int gi = 0; gi < groups; gi++) {
                Tensor bg = sc.add(sc.add(big.narrow(1, gi * cb, cb)).transpose(0, 1));
                Tensor sg = sc.add(sc.add(small.narrow(1, gi * cs, cs)).transpose(0, 1));
                Tensor r = sc.add(conv2d(op + " backward", bg, sg, null, d, p, s, 1));  // [cb, cs, kh', kw']
                Tensor part = sc.add(sc.add(sc.add(r.transpose(0, 1)).narrow(2, 0, k[0])).narrow(3, 0, k[1]));
                parts.add(part);
            }
            return groups == 1 ? parts.get(0).clone() : Tensor.cat(parts, 0);
        }
    }

    // ---- convTranspose2d ----

    /**
     * torch.nn.functional.conv_transpose2d: input [N, Cin, H, W] (or [Cin, H, W]), weight
     * [Cin, Cout/groups, kh, kw], bias [Cout] or null; the output is (H − 1)·stride − 2·padding +
     * dilation·(kh − 1) + outputPadding + 1 high (likewise wide). outputPadding must be below the
     * stride or the dilation.
     */
    public static Tensor convTranspose2d(Tensor input, Tensor weight, Tensor bias, int[] stride, int[] padding, int[] outputPadding, int groups,
                                         int[] dilation) {
        String op = "convTranspose2d";
        return convTranspose2d(op, input, weight, bias, pair(op, "stride", stride, 1), pair(op, "padding", padding, 0),
                pair(op, "outputPadding", outputPadding, 0), groups, pair(op, "dilation", dilation, 1));
    }

    static Tensor convTranspose2d(String op, Tensor input, Tensor weight, Tensor bias, long[] s, long[] p, long[] op2, int groups, long[] d) {
        checkOperands(op, input, weight, bias);
        if (input.shape.length == 3) return unbatched(input, x -> convTranspose2d(op, x, weight, bias, s, p, op2, groups, d));
        if (input.shape.length != 4 || weight.shape.length != 4) {
            throw new IllegalArgumentException(op + ": expected input [N, Cin, H, W] (or [Cin, H, W]) and weight [Cin, Cout/groups, kh, kw], got shapes "
                    + Shapes.str(input.shape) + " and " + Shapes.str(weight.shape));
        }
        long n = input.shape[0], cin = input.shape[1], h = input.shape[2], w = input.shape[3];
        if (groups < 1 || weight.shape[0] != cin || cin % groups != 0) {
            throw new IllegalArgumentException(op + ": input of " + cin + " channels (shape " + Shapes.str(input.shape) + ") and weight of shape "
                    + Shapes.str(weight.shape) + " do not fit groups=" + groups + ": weight.shape[0] must equal the input's channels and groups divide them");
        }
        long cout = weight.shape[1] * groups;
        if (bias != null && (bias.shape.length != 1 || bias.shape[0] != cout)) {
            throw new IllegalArgumentException(op + ": bias must be [" + cout + "] (one per output channel), got shape " + Shapes.str(bias.shape));
        }
        for (int i = 0; i < 2; i++) {
            if (op2[i] >= Math.max(s[i], d[i])) {
                throw new IllegalArgumentException(op + ": outputPadding (" + op2[0] + ", " + op2[1] + ") must be smaller than the stride ("
                        + s[0] + ", " + s[1] + ") or the dilation (" + d[0] + ", " + d[1] + ") in each dim");
            }
        }
        long[] k = {weight.shape[2], weight.shape[3]};
        long oh = (h - 1) * s[0] - 2 * p[0] + d[0] * (k[0] - 1) + op2[0] + 1, ow = (w - 1) * s[1] - 2 * p[1] + d[1] * (k[1] - 1) + op2[1] + 1;
        if (oh < 1 || ow < 1 || h < 1 || w < 1) {
            throw new IllegalArgumentException(op + ": input of shape " + Shapes.str(input.shape) + " with kernel " + k[0] + "x" + k[1] + ", stride "
                    + s[0] + "x" + s[1] + " and padding " + p[0] + "x" + p[1] + " gives an empty output (" + oh + "x" + ow + ")");
        }
        Shapes.numel(op, new long[] {n, cout, oh, ow});
        // the convolution whose input gradient this is: large side the output, small side the input
        Lowering lo = new Lowering(op, n, cout, oh, ow, cin, h, w, k, s, p, d, groups);
        return lowered(lo, true, input, weight, bias, (g, ws) -> conv2d(op + " backward", g, ws, null, s, p, d, groups),
                (xs, g) -> composedWeightGrad(op, g, xs, k, s, p, d, groups));
    }

    // ---- 1-D forms: the 2-D ops over a height of one ----

    /** torch.nn.functional.conv1d: input [N, C, L] (or [C, L]), weight [Cout, C/groups, k], bias [Cout] or null. */
    public static Tensor conv1d(Tensor input, Tensor weight, Tensor bias, int[] stride, int[] padding, int[] dilation, int groups) {
        String op = "conv1d";
        return conv1d(input, weight, bias, single(op, "stride", stride, 1), single(op, "padding", padding, 0), single(op, "dilation", dilation, 1), groups);
    }

    /** conv1d with padding "same" (stride 1) or "valid". */
    public static Tensor conv1d(Tensor input, Tensor weight, Tensor bias, int[] stride, String padding, int[] dilation, int groups) {
        String op = "conv1d";
        long[] s = single(op, "stride", stride, 1), d = single(op, "dilation", dilation, 1);
        if ("valid".equals(padding)) return conv1d(input, weight, bias, s, new long[] {0, 0}, d, groups);
        if (!"same".equals(padding)) throw new IllegalArgumentException(op + ": padding must be \"same\" or \"valid\" (or ints), got \"" + padding + "\"");
        if (weight.shape.length != 3) throw new IllegalArgumentException(op + ": weight must be 3-D [Cout, C/groups, k], got shape " + Shapes.str(weight.shape));
        return same(op, input, weight, s, d, 1, (x, p) -> conv1d(x, weight, bias, s, p, d, groups));
    }

    static Tensor conv1d(Tensor input, Tensor weight, Tensor bias, long[] s, long[] p, long[] d, int groups) {
        String op = "conv1d";
        checkOperands(op, input, weight, bias);
        int nd = input.shape.length;
        if ((nd != 2 && nd != 3) || weight.shape.length != 3) {
            throw new IllegalArgumentException(op + ": expected input [N, C, L] (or [C, L]) and weight [Cout, C/groups, k], got shapes "
                    + Shapes.str(input.shape) + " and " + Shapes.str(weight.shape));
        }
        try (Temps sc = new Temps()) {
            Tensor x = sc.add(input.unsqueeze(nd - 1)), wt = sc.add(weight.unsqueeze(2));
            Tensor y = sc.add(conv2d(op, x, wt, bias, s, p, d, groups));
            return y.squeeze(nd - 1);
        }
    }

    /** torch.nn.functional.conv_transpose1d: input [N, Cin, L] (or [Cin, L]), weight [Cin, Cout/groups, k]. */
    public static Tensor convTranspose1d(Tensor input, Tensor weight, Tensor bias, int[] stride, int[] padding, int[] outputPadding, int groups,
                                         int[] dilation) {
        String op = "convTranspose1d";
        checkOperands(op, input, weight, bias);
        int nd = input.shape.length;
        if ((nd != 2 && nd != 3) || weight.shape.length != 3) {
            throw new IllegalArgumentException(op + ": expected input [N, Cin, L] (or [Cin, L]) and weight [Cin, Cout/groups, k], got shapes "
                    + Shapes.str(input.shape) + " and " + Shapes.str(weight.shape));
        }
        long[] s = single(op, "stride", stride, 1), p = single(op, "padding", padding, 0), o = single(op, "outputPadding", outputPadding, 0);
        long[] d = single(op, "dilation", dilation, 1);
        try (Temps sc = new Temps()) {
            Tensor x = sc.add(input.unsqueeze(nd - 1)), wt = sc.add(weight.unsqueeze(2));
            Tensor y = sc.add(convTranspose2d(op, x, wt, bias, s, p, o, groups, d));
            return y.squeeze(nd - 1);
        }
    }
}
