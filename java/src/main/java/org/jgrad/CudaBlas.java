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
 * stream like every jgrad kernel; threads take turns on it (its math mode is set only when
 * {@link Cuda#setAllowTf32} changed it, and holds for the calls of the thread that set it).
 */
final class CudaBlas {
    private CudaBlas() {}

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
                + "jars with the linux-x86_64-redist classifier to the classpath. The binding's own JNI libraries (org.bytedeco:cuda 1.5.13) "
                + "need glibc 2.34 or newer; jgrad's other CUDA ops do not use it";
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

    /** cuBLAS's name and description of a status, e.g. "CUBLAS_STATUS_ALLOC_FAILED (resource allocation failed)". */
    static String statusName(int status) {
        try {
            return cublas.cublasGetStatusName(status).getString() + " (" + cublas.cublasGetStatusString(status).getString() + ")";
        } catch (LinkageError e) {
            return "status " + status;
        }
    }

    /** Status names without loading cuBLAS (tests replace it). */
    static java.util.function.IntFunction<String> namer = CudaBlas::statusName;

    private static void check(int status, String what) {
        if (status != cublas.CUBLAS_STATUS_SUCCESS) {
            throw new CudaException("matmul: " + what + " failed with " + namer.apply(status) + " (cuBLAS status " + status + ")",
                    JgradNative.JG_ERR_CUDA);
        }
    }

    /**
     * Runs a cuBLAS call; if it fails for want of device memory (workspaces and lazily loaded
     * kernels are allocated by cuBLAS itself, outside jgrad's cache, which may be holding most of
     * the memory), empties the device's cache and tries once more. Throws on any other failure.
     */
    static void call(Device device, String what, java.util.function.IntSupplier cublasCall) {
        int status = cublasCall.getAsInt();
        if (status == cublas.CUBLAS_STATUS_ALLOC_FAILED) {
            Cuda.emptyCache(device);
            status = cublasCall.getAsInt();
        }
        check(status, what);
    }

    /** A device's handle; its math mode and its calls are guarded by the handle's lock. */
    private static final class Handle {
        final cublasContext context = new cublasContext();
        int mathMode = -1;
    }

    private static final ConcurrentHashMap<Integer, Handle> HANDLES = new ConcurrentHashMap<>();

    private static Handle handle(Device device) {
        return HANDLES.computeIfAbsent(device.index(), d -> {
            Handle h = new Handle();
            call(device, "cublasCreate", () -> cublas.cublasCreate_v2(h.context));
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
        Handle handle = handle(device);
        cublasContext h = handle.context;
        int opB = bRow ? cublas.CUBLAS_OP_N : cublas.CUBLAS_OP_T;
        int opA = aRow ? cublas.CUBLAS_OP_N : cublas.CUBLAS_OP_T;
        // one thread at a time per handle, so that a thread's math mode holds for its own calls
        synchronized (handle) {
            int mode = Cuda.allowTf32() ? cublas.CUBLAS_TF32_TENSOR_OP_MATH : cublas.CUBLAS_DEFAULT_MATH;
            if (handle.mathMode != mode) {
                call(device, "cublasSetMathMode", () -> cublas.cublasSetMathMode(h, mode));
                handle.mathMode = mode;
            }
            for (long done = 0; done < count; done += Integer.MAX_VALUE) {
                int batch = (int) Math.min(count - done, Integer.MAX_VALUE);
                int es = dtype.size;
                long a0 = pa + done * strideA * es, b0 = pb + done * strideB * es, c0 = pc + done * strideC * es;
                if (dtype == DType.FLOAT32) {
                    FloatPointer fa = new FloatPointer(new At(a0)), fb = new FloatPointer(new At(b0)), fc = new FloatPointer(new At(c0));
                    call(device, "cublasSgemm", () -> batch == 1
                            ? cublas.cublasSgemm_v2(h, opB, opA, (int) n, (int) m, (int) k, ONE_F, fb, (int) ldb, fa, (int) lda, ZERO_F, fc, (int) n)
                            : cublas.cublasSgemmStridedBatched(h, opB, opA, (int) n, (int) m, (int) k, ONE_F, fb, (int) ldb, strideB, fa,
                                    (int) lda, strideA, ZERO_F, fc, (int) n, strideC, batch));
                } else {
                    DoublePointer da = new DoublePointer(new At(a0)), db = new DoublePointer(new At(b0)), dc = new DoublePointer(new At(c0));
                    call(device, "cublasDgemm", () -> batch == 1
                            ? cublas.cublasDgemm_v2(h, opB, opA, (int) n, (int) m, (int) k, ONE_D, db, (int) ldb, da, (int) lda, ZERO_D, dc, (int) n)
                            : cublas.cublasDgemmStridedBatched(h, opB, opA, (int) n, (int) m, (int) k, ONE_D, db, (int) ldb, strideB, da,
                                    (int) lda, strideA, ZERO_D, dc, (int) n, strideC, batch));
                }
            }
        }
        // launch blocking covers cuBLAS's kernels too: wait for them and report at this op
        if (Cuda.isLaunchBlocking()) Cuda.synchronize(device);
    }
}
