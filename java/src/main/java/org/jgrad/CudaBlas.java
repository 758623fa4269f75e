package org.jgrad;

import java.util.concurrent.ConcurrentHashMap;
import org.bytedeco.cuda.cublas.cublasContext;
import org.bytedeco.cuda.global.cublas;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.jgrad.internal.CudaException;
import org.jgrad.internal.NativeLib;
import org.jgrad.internal.bind.JgradNative;

/**
 * Matrix products on CUDA through cuBLAS (org.bytedeco:cuda presets), on the device pointers of our
 * own allocator; on the host emulation of CUDA, a plain native loop instead. Loaded on first use
 * only, so machines without CUDA never touch the presets. One handle per device, on the default
 * stream like every jgrad kernel.
 */
final class CudaBlas {
    private CudaBlas() {}

    private static final ConcurrentHashMap<Integer, cublasContext> HANDLES = new ConcurrentHashMap<>();
    private static final FloatPointer ONE_F = new FloatPointer(1f), ZERO_F = new FloatPointer(0f);
    private static final DoublePointer ONE_D = new DoublePointer(1.0), ZERO_D = new DoublePointer(0.0);

    private static final class At extends Pointer {
        At(long address) {
            this.address = address;
        }
    }

    /** Loads cuBLAS's binding (and with it libcublas); replaced by tests to simulate a machine without it. */
    static Runnable loader = () -> org.bytedeco.javacpp.Loader.load(cublas.class);
    private static volatile boolean loaded;
    private static String loadFailure;

    /** The message for a cuBLAS that does not load: which libraries, and the two ways to provide them. */
    static String describeLoadFailure(Throwable e) {
        return "matmul on CUDA needs cuBLAS from CUDA 13 (libcublas.so.13 and libcublasLt.so.13), which could not be loaded: " + e
                + ". Put the CUDA 13 toolkit's lib64 folder (usually /usr/local/cuda/lib64) on LD_LIBRARY_PATH, or add the org.bytedeco:cuda "
                + "jars with the linux-x86_64-redist classifier to the classpath";
    }

    /** Loads cuBLAS once; if it cannot be, every matmul on CUDA throws the same explanation (not a NoClassDefFoundError). */
    static synchronized void requireCublas() {
        if (loaded) return;
        if (loadFailure != null) throw new IllegalStateException(loadFailure);
        try {
            loader.run();
            loaded = true;
        } catch (LinkageError e) {
            loadFailure = describeLoadFailure(e);
            throw new IllegalStateException(loadFailure, e);
        }
    }

    /** For tests: forget the outcome of the last load. */
    static synchronized void resetLoad() {
        loaded = false;
        loadFailure = null;
    }

    private static void check(int status, String what) {
        if (status != cublas.CUBLAS_STATUS_SUCCESS) {
            throw new CudaException("matmul: " + what + " failed with cuBLAS status " + status, JgradNative.JG_ERR_CUDA);
        }
    }

    private static cublasContext handle(int device) {
        return HANDLES.computeIfAbsent(device, d -> {
            cublasContext h = new cublasContext();
            check(cublas.cublasCreate_v2(h), "cublasCreate");
            return h;
        });
    }

    /**
     * Row-major C[m×n] = A[m×k]·B[k×n] for {@code count} matrices at element strides strideA,
     * strideB, strideC apart, each operand row-major (unit column stride) or column-major (unit row
     * stride) with leading dimension ld. cuBLAS is column-major, so it computes Cᵀ = Bᵀ·Aᵀ.
     */
    static void gemm(Device device, DType dtype, long pa, boolean aRow, long lda, long strideA, long pb, boolean bRow, long ldb,
                     long strideB, long pc, long strideC, long m, long n, long k, long count) {
        if (Cuda.isEmulated()) {
            // the host emulation of CUDA has no cuBLAS: a plain loop over the same operands
            NativeLib.check(JgradNative.jg_cuda_emulated_gemm(device.index(), dtype.code, count, m, n, k, pa, aRow ? lda : 1,
                    aRow ? 1 : lda, strideA, pb, bRow ? ldb : 1, bRow ? 1 : ldb, strideB, pc), "matmul");
            return;
        }
        if (!loaded) requireCublas();
        NativeLib.check(JgradNative.jg_cuda_set_device(device.index()), "matmul");
        cublasContext h = handle(device.index());
        check(cublas.cublasSetMathMode(h, Cuda.allowTf32() ? cublas.CUBLAS_TF32_TENSOR_OP_MATH : cublas.CUBLAS_DEFAULT_MATH),
                "cublasSetMathMode");
        int opB = bRow ? cublas.CUBLAS_OP_N : cublas.CUBLAS_OP_T;
        int opA = aRow ? cublas.CUBLAS_OP_N : cublas.CUBLAS_OP_T;
        for (long done = 0; done < count; done += Integer.MAX_VALUE) {
            int batch = (int) Math.min(count - done, Integer.MAX_VALUE);
            int es = dtype.size;
            long a0 = pa + done * strideA * es, b0 = pb + done * strideB * es, c0 = pc + done * strideC * es;
            if (dtype == DType.FLOAT32) {
                FloatPointer fa = new FloatPointer(new At(a0)), fb = new FloatPointer(new At(b0)), fc = new FloatPointer(new At(c0));
                check(batch == 1
                        ? cublas.cublasSgemm_v2(h, opB, opA, (int) n, (int) m, (int) k, ONE_F, fb, (int) ldb, fa, (int) lda, ZERO_F, fc, (int) n)
                        : cublas.cublasSgemmStridedBatched(h, opB, opA, (int) n, (int) m, (int) k, ONE_F, fb, (int) ldb, strideB, fa,
                                (int) lda, strideA, ZERO_F, fc, (int) n, strideC, batch), "cublasSgemm");
            } else {
                DoublePointer da = new DoublePointer(new At(a0)), db = new DoublePointer(new At(b0)), dc = new DoublePointer(new At(c0));
                check(batch == 1
                        ? cublas.cublasDgemm_v2(h, opB, opA, (int) n, (int) m, (int) k, ONE_D, db, (int) ldb, da, (int) lda, ZERO_D, dc, (int) n)
                        : cublas.cublasDgemmStridedBatched(h, opB, opA, (int) n, (int) m, (int) k, ONE_D, db, (int) ldb, strideB, da,
                                (int) lda, strideA, ZERO_D, dc, (int) n, strideC, batch), "cublasDgemm");
            }
        }
    }
}
