package org.jgrad;

import java.util.Arrays;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.openblas.global.openblas_nolapack;
import org.jgrad.internal.NativeLib;
import org.jgrad.internal.bind.JgradNative;

/** Matrix products through OpenBLAS (cblas_sgemm/dgemm) on the CPU and cuBLAS on CUDA; jgrad's own kernel where no OpenBLAS loads. */
final class LinAlg {
    private LinAlg() {}

    /**
     * CPU products go through jg_cpu_gemm, which calls the OpenBLAS of the openblas_nolapack preset
     * from jgrad's thread pool (OpenBLAS itself then runs on one thread), or jgrad's own blocked
     * kernel. Which one is -Djgrad.blas: "auto" (the default) loads OpenBLAS and keeps it unless it
     * runs kernels narrower than the CPU has (see {@link #autoPrefersBuiltin}); "openblas" keeps it
     * always; "builtin" does not load it. If OpenBLAS cannot be found through jg_cpu_gemm (the preset
     * told to load another BLAS), products call the preset's cblas functions directly. If the preset
     * cannot be loaded at all (its jar missing, or a system older than it needs: the 1.5.13 presets
     * need glibc 2.34), products run on the built-in kernel and one warning says why.
     */
    /** Loads OpenBLAS through its preset; replaced by tests to simulate a machine where it cannot load. */
    static Runnable blasLoader = () -> Loader.load(openblas_nolapack.class);
    private static volatile int blasState;  // 0 not loaded yet, 1 through jg_cpu_gemm, 2 through the preset's cblas calls
    private static volatile String blasFailure, blasReason, blasCore = "";
    private static final System.Logger LOG = System.getLogger("org.jgrad");

    /** The values -Djgrad.blas takes. */
    static final String BLAS_CHOICES = "auto (the default), openblas or builtin";

    /** Loads OpenBLAS on the first CPU product, or settles for the built-in kernel (chosen, preferred, or the only one that loads). */
    static synchronized void requireBlas() {
        if (blasState != 0) return;
        NativeLib.ensureLoaded();
        String choice = System.getProperty("jgrad.blas", "auto");
        if (choice.equals("builtin")) {  // chosen, not a failure
            useBuiltin(null, "-Djgrad.blas=builtin");
            return;
        }
        if (!choice.equals("openblas") && !choice.equals("auto")) {
            throw new IllegalArgumentException("matmul: -Djgrad.blas=" + choice + " is not a CPU BLAS jgrad knows; valid: " + BLAS_CHOICES);
        }
        try {
            blasLoader.run();
        } catch (LinkageError e) {
            String failure = "OpenBLAS (org.bytedeco:openblas:0.3.31-1.5.13, classifier " + NativeLib.platform() + ") could not be loaded: "
                    + e + "; CPU matrix products run on jgrad's built-in kernel instead (correct, but slower than OpenBLAS on most CPUs)";
            LOG.log(System.Logger.Level.WARNING, failure);
            useBuiltin(failure, failure);
            return;
        }
        blasFailure = null;
        String path = Loader.getLoadedLibraries().get("openblas_nolapack@.0");
        if (path == null || JgradNative.jg_cpu_use_blas(path) != JgradNative.JG_OK) {
            blasState = 2;
            blasReason = "-Djgrad.blas=" + choice + ": OpenBLAS through the preset's own calls (its library was not found by path)";
            return;
        }
        blasState = 1;
        String core = JgradNative.jg_cpu_blas_core().getString(), isa = JgradNative.jg_cpu_isa().getString();
        blasCore = core;
        String kernels = core.isEmpty() ? "OpenBLAS" : "OpenBLAS's " + core + " kernels";
        long below = choice.equals("auto") ? autoBuiltinBelow(isa, core) : 0;
        NativeLib.check(JgradNative.jg_cpu_set_builtin_below(below), "use_blas");
        if (choice.equals("auto") && autoPrefersBuiltin(isa, core)) {
            useBuiltin(null, "-Djgrad.blas=auto: " + kernels + " on a CPU with AVX-512, so the built-in AVX-512 kernel (faster there; "
                    + "-Djgrad.blas=openblas keeps OpenBLAS)");
        } else if (below > 0) {
            blasReason = "-Djgrad.blas=auto: the built-in AVX2 kernel for products up to 2^" + Long.numberOfTrailingZeros(below)
                    + " multiply-adds (faster there on this CPU), " + kernels + " above (-Djgrad.blas=openblas keeps OpenBLAS for all)";
        } else {
            blasReason = "-Djgrad.blas=" + choice + ": " + kernels + (choice.equals("auto") ? ", which use the CPU's widest vectors" : "");
        }
    }

    /**
     * Up to how many multiply-adds (m·n·k) -Djgrad.blas=auto runs a product on the built-in kernel
     * while OpenBLAS is loaded, 0 for none: 2^28 on AMD's Zen CPUs without AVX-512, whose OpenBLAS
     * kernels are AVX2 like jgrad's. There the built-in kernel, which packs op(B) once for all its
     * threads, timed 0.86–0.98 of OpenBLAS's from 256³ to 768³ and the MLP's products (bench/BlasBench),
     * and 1.02–1.19 from 1024³ up.
     */
    static long autoBuiltinBelow(String isa, String openblasCore) {
        return isa.equals("avx2") && openblasCore.toLowerCase(java.util.Locale.ROOT).contains("zen") ? 1L << 28 : 0;
    }

    private static void useBuiltin(String failure, String reason) {
        NativeLib.check(JgradNative.jg_cpu_use_blas((String) null), "use_blas");
        NativeLib.check(JgradNative.jg_cpu_set_builtin_below(0), "use_blas");
        blasFailure = failure;
        blasReason = reason;
        blasState = 1;
    }

    /**
     * Whether -Djgrad.blas=auto takes the built-in kernel over a loaded OpenBLAS: when jgrad's loops
     * run AVX-512 and OpenBLAS does not (it picks its kernels by CPU model, and OpenBLAS 0.3.31 runs
     * its AVX2 "Haswell" kernels on CPUs it does not know, AMD's Zen 5 among them). There the
     * built-in kernel's AVX-512 tile is faster (bench/BlasBench). Everywhere else OpenBLAS stays.
     */
    static boolean autoPrefersBuiltin(String isa, String openblasCore) {
        if (!isa.equals("avx512") || openblasCore.isEmpty()) return false;
        String c = openblasCore.toLowerCase(java.util.Locale.ROOT);
        boolean wide = c.contains("skylakex") || c.contains("cooperlake") || c.contains("sapphirerapids");
        return !wide;
    }

    /** The BLAS behind CPU products: the library's path, "builtin", or the preset's own calls. */
    static String blasName() {
        requireBlas();
        return blasState == 2 ? "org.bytedeco.openblas (through its Java calls)" : JgradNative.jg_cpu_blas().getString();
    }

    /** Why OpenBLAS is not used, or null when it is. */
    static String blasFailure() {
        requireBlas();
        return blasFailure;
    }

    /** The kernels the loaded OpenBLAS runs on this CPU (openblas_get_corename), "" if none was loaded or it does not say. */
    static String blasCore() {
        requireBlas();
        return blasCore;
    }

    /** Why the BLAS behind CPU products is the one it is. */
    static String blasReason() {
        requireBlas();
        return blasReason;
    }

    /** For tests: forget the outcome of the last load. */
    static synchronized void resetBlas() {
        blasState = 0;
        blasFailure = null;
        blasReason = null;
        blasCore = "";
    }

    /** Whether CPU products run through jg_cpu_gemm (on jgrad's pool) rather than the preset's own cblas calls. */
    static boolean usesNativeBlas() {
        if (blasState == 0) requireBlas();
        return blasState == 1;
    }

    private static final class At extends Pointer {
        At(long address) {
            this.address = address;
        }
    }

    static Tensor matmul(Tensor a, Tensor b) {
        a.checkOpen();
        b.checkOpen();
        Kernels.sameDevice("matmul", a, b);
        if (!a.dtype.isFloatingPoint() || a.dtype != b.dtype) {
            throw new IllegalArgumentException("matmul: expected both operands FLOAT32 or both FLOAT64, got " + a.dtype + " (shape "
                    + Shapes.str(a.shape) + ") and " + b.dtype + " (shape " + Shapes.str(b.shape) + ")");
        }
        if (a.device.isCpu() && blasState == 0) requireBlas();
        int na = a.shape.length, nb = b.shape.length;
        if (na == 0 || nb == 0) {
            throw new IllegalArgumentException("matmul: both arguments need at least 1 dim, got shapes " + Shapes.str(a.shape) + " and "
                    + Shapes.str(b.shape) + "; use mul for scalars");
        }
        if (na > 1 && nb > 1) return mm(a, b);
        check("matmul", a.shape[na - 1], b.shape[nb == 1 ? 0 : nb - 2], a, b);  // named by the shapes as given, before promotion
        // 1-D operands: a row vector on the left, a column vector on the right, removed afterwards
        Tensor a2 = na == 1 ? a.unsqueeze(0) : a;
        Tensor b2 = nb == 1 ? b.unsqueeze(1) : b;
        Tensor r = mm(a2, b2);
        Tensor out = na == 1 && nb == 1 ? r.reshape() : na == 1 ? r.squeeze(-2) : r.squeeze(-1);
        if (a2 != a) a2.close();
        if (b2 != b) b2.close();
        r.close();
        return out;
    }

    private static void check(String op, long ka, long kb, Tensor a, Tensor b) {
        if (ka != kb) {
            throw new IllegalArgumentException(op + ": shapes " + Shapes.str(a.shape) + " and " + Shapes.str(b.shape)
                    + " cannot be multiplied: the last dim of the first (" + ka + ") must equal the "
                    + (b.shape.length == 1 ? "only" : "second-to-last") + " dim of the second (" + kb + ")");
        }
    }

    /** a [..., M, K] @ b [..., K, N] with broadcast batch dims; recorded. */
    static Tensor mm(Tensor a, Tensor b) {
        int na = a.shape.length, nb = b.shape.length;
        long m = a.shape[na - 2], k = a.shape[na - 1], k2 = b.shape[nb - 2], n = b.shape[nb - 1];
        check("matmul", k, k2, a, b);
        long[] batch = Shapes.broadcast("matmul (batch dims)", Arrays.copyOf(a.shape, na - 2), Arrays.copyOf(b.shape, nb - 2));
        int nbatch = batch.length;
        long[] outShape = Arrays.copyOf(batch, nbatch + 2);
        outShape[nbatch] = m;
        outShape[nbatch + 1] = n;
        Shapes.numel("matmul", outShape);
        Tensor out = Tensor.empty(outShape, a.dtype, a.device);
        long count = Shapes.numel(batch);
        long[] aShapeB = Arrays.copyOf(a.shape, na - 2), bShapeB = Arrays.copyOf(b.shape, nb - 2);
        long[] sa = Shapes.expandStrides(aShapeB, Arrays.copyOf(a.strides, na - 2), batch);
        long[] sb = Shapes.expandStrides(bShapeB, Arrays.copyOf(b.strides, nb - 2), batch);
        Tensor ac = gemmReady(a), bc = gemmReady(b);
        if (ac != a) sa = Shapes.expandStrides(aShapeB, Arrays.copyOf(ac.strides, na - 2), batch);
        if (bc != b) sb = Shapes.expandStrides(bShapeB, Arrays.copyOf(bc.strides, nb - 2), batch);
        long[] idx = new long[nbatch];
        long mn = m * n;
        // on CUDA, batch dims that flatten to one stride take one strided-batched call
        long strideA = -1, strideB = -1;
        if (!a.device.isCpu() && count > 1 && k > 0) {
            strideA = flatStride(batch, sa);
            strideB = flatStride(batch, sb);
        }
        if (strideA >= 0 && strideB >= 0) {
            gemm(ac, 0, strideA, bc, 0, strideB, out, 0, m, n, k, count);
        } else {
            for (long i = 0; i < count; i++) {
                long offA = 0, offB = 0;
                for (int d = 0; d < nbatch; d++) {
                    offA += idx[d] * sa[d];
                    offB += idx[d] * sb[d];
                }
                gemm(ac, offA, 0, bc, offB, 0, out, i * mn, m, n, k, 1);
                for (int d = nbatch - 1; d >= 0; d--) {
                    if (++idx[d] < batch[d]) break;
                    idx[d] = 0;
                }
            }
        }
        if (ac != a) ac.close();
        if (bc != b) bc.close();
        if (Ops.recording(a, b)) {
            long[] shA = a.shape, shB = b.shape;
            boolean aT = transposedLayout(a), bT = transposedLayout(b);
            Node.record(out, "MmBackward0", (ctx, g) -> {
                Tensor as = ctx.saved(0), bs = ctx.saved(1);
                // each gradient in its input's layout: for a transposed operand (x·Wᵀ) the product is
                // taken transposed, (Aᵀ)ᵀ·..., so the gradient reaching W through the transpose view is
                // dense and is adopted as W.grad without a copy
                Tensor ga = !ctx.needsInputGrad(0) ? null
                        : aT ? Ops.sumToShape(bs.matmul(g.transpose(-1, -2)), swapLast(shA)).transpose(-1, -2)
                        : Ops.sumToShape(g.matmul(bs.transpose(-1, -2)), shA);
                Tensor gb = !ctx.needsInputGrad(1) ? null
                        : bT ? Ops.sumToShape(g.transpose(-1, -2).matmul(as), swapLast(shB)).transpose(-1, -2)
                        : Ops.sumToShape(as.transpose(-1, -2).matmul(g), shB);
                return new Tensor[] {ga, gb};
            }, new Tensor[] {a, b}, a, b);
        }
        return out;
    }

    /** True if t's last two dims are a transposed dense matrix (column-major), with more than one row. */
    private static boolean transposedLayout(Tensor t) {
        int nd = t.shape.length;
        long r = t.shape[nd - 2], c = t.shape[nd - 1];
        return r > 1 && c > 1 && t.strides[nd - 2] == 1 && t.strides[nd - 1] == r;
    }

    private static long[] swapLast(long[] shape) {
        long[] s = shape.clone();
        int nd = s.length;
        s[nd - 2] = shape[nd - 1];
        s[nd - 1] = shape[nd - 2];
        return s;
    }

    /**
     * The element stride between consecutive matrices when the batch dims (with these strides)
     * flatten to one, else -1. Broadcast dims (stride 0) flatten only if all are broadcast.
     */
    static long flatStride(long[] batch, long[] strides) {
        long step = -1, expect = -1;
        for (int d = batch.length - 1; d >= 0; d--) {
            if (batch[d] == 1) continue;
            if (step < 0) {
                step = strides[d];
            } else if (strides[d] != expect) {
                return -1;
            }
            expect = strides[d] * batch[d];
        }
        return step < 0 ? 0 : step;
    }

    /** A tensor whose last two dims BLAS can read directly (row- or column-major with a valid leading dim). */
    private static Tensor gemmReady(Tensor t) {
        int nd = t.shape.length;
        long r = t.shape[nd - 2], c = t.shape[nd - 1], s0 = t.strides[nd - 2], s1 = t.strides[nd - 1];
        boolean rowMajor = (s1 == 1 || c == 1) && s0 >= Math.max(c, 1);
        boolean colMajor = (s0 == 1 || r == 1) && s1 >= Math.max(r, 1);
        if (rowMajor || colMajor) return t;
        return Autograd.withoutGrad(() -> Kernels.contiguousCopy(t, t.dtype));
    }

    /**
     * C = A·B for {@code count} matrices, the i-th at element offsets off + i·stride (C's stride is
     * m·n). count > 1 is for CUDA only.
     */
    private static void gemm(Tensor a, long offA, long strideA, Tensor b, long offB, long strideB, Tensor c, long offC, long m, long n,
                             long k, long count) {
        if (m == 0 || n == 0) return;
        if (m > Integer.MAX_VALUE || n > Integer.MAX_VALUE || k > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("matmul: a matrix of " + m + "x" + k + " times " + k + "x" + n
                    + " is beyond BLAS's 32-bit dimensions; each of M, N and K must be below 2^31");
        }
        int nd = a.shape.length, ndb = b.shape.length;
        long as0 = a.strides[nd - 2], as1 = a.strides[nd - 1];
        long bs0 = b.strides[ndb - 2], bs1 = b.strides[ndb - 1];
        boolean aRow = (as1 == 1 || k == 1) && as0 >= Math.max(k, 1);
        boolean bRow = (bs1 == 1 || n == 1) && bs0 >= Math.max(n, 1);
        int transA = aRow ? openblas_nolapack.CblasNoTrans : openblas_nolapack.CblasTrans;
        int transB = bRow ? openblas_nolapack.CblasNoTrans : openblas_nolapack.CblasTrans;
        long lda = Math.max(aRow ? as0 : as1, 1), ldb = Math.max(bRow ? bs0 : bs1, 1);
        if (aRow && lda < k) lda = Math.max(k, 1);
        if (!aRow && lda < m) lda = Math.max(m, 1);
        if (bRow && ldb < n) ldb = Math.max(n, 1);
        if (!bRow && ldb < k) ldb = Math.max(k, 1);
        Kernels.pin(a, b, c);
        try {
            int es = a.dtype.size;
            long pa = a.address() + offA * es, pb = b.address() + offB * es, pc = c.address() + offC * es;
            if (k == 0) {
                Tensor view = c.view(new long[] {m * n}, new long[] {1}, c.offset + offC);
                Kernels.fill(view, 0);
                view.close();
                return;
            }
            if (!a.device.isCpu()) {
                CudaBlas.gemm(a.device, a.dtype, pa, aRow, lda, strideA, pb, bRow, ldb, strideB, pc, m * n, m, n, k, count);
            } else if (usesNativeBlas()) {
                int st = JgradNative.jg_cpu_gemm(a.dtype.code, aRow ? 0 : 1, bRow ? 0 : 1, m, n, k, pa, lda, pb, ldb, pc, n);
                NativeLib.check(st, "matmul");
            } else if (a.dtype == DType.FLOAT32) {
                openblas_nolapack.cblas_sgemm(openblas_nolapack.CblasRowMajor, transA, transB, (int) m, (int) n, (int) k, 1f,
                        new FloatPointer(new At(pa)), (int) lda, new FloatPointer(new At(pb)), (int) ldb, 0f,
                        new FloatPointer(new At(pc)), (int) n);
            } else {
                openblas_nolapack.cblas_dgemm(openblas_nolapack.CblasRowMajor, transA, transB, (int) m, (int) n, (int) k, 1.0,
                        new DoublePointer(new At(pa)), (int) lda, new DoublePointer(new At(pb)), (int) ldb, 0.0,
                        new DoublePointer(new At(pc)), (int) n);
            }
        } finally {
            Kernels.unpin(a, b, c);
        }
    }
}
