package org.jgrad;

import org.jgrad.internal.NativeLib;
import org.jgrad.internal.bind.JgradNative;

/**
 * CUDA devices as this process sees them. Probing never throws: without a driver, a GPU or a
 * CUDA-enabled build, {@link #isAvailable()} is simply false.
 *
 * <pre>{@code
 * Device d = Cuda.isAvailable() ? Device.CUDA : Device.CPU;
 * Tensor x = Tensor.randn(1024, 1024).to(d);
 * }</pre>
 */
public final class Cuda {
    private Cuda() {}

    /** True if jgrad was compiled with CUDA kernels and at least one device can be used. */
    public static boolean isAvailable() {
        return deviceCount() > 0;
    }

    /** True if this build of jgrad contains CUDA kernels (whether or not a device is present). */
    public static boolean isCompiled() {
        NativeLib.ensureLoaded();
        return JgradNative.jg_cuda_compiled() != 0;
    }

    /**
     * True if the CUDA devices are the host emulation (a test build of the native library, made with
     * {@code -DJGRAD_CUDA=EMULATE}): kernels run on CPU fibers and device memory is host memory.
     */
    public static boolean isEmulated() {
        return EmulationHolder.EMULATED;
    }

    private static final class EmulationHolder {
        static final boolean EMULATED;

        static {
            NativeLib.ensureLoaded();
            EMULATED = JgradNative.jg_cuda_emulated() != 0;
        }
    }

    private static volatile int count = -1;

    /** Number of usable CUDA devices; 0 without a driver or device. Asked once per process. */
    public static int deviceCount() {
        int c = count;
        if (c < 0) {
            NativeLib.ensureLoaded();
            count = c = JgradNative.jg_cuda_device_count();
        }
        return c;
    }

    /** Why CUDA devices cannot be used, or null if they can. */
    static String unavailableReason(Device d) {
        if (!isCompiled()) return "jgrad was built without CUDA";
        int n = deviceCount();
        if (n == 0) {
            String err = JgradNative.jg_cuda_init_error().getString();
            if (!err.isEmpty()) return "the CUDA runtime found no usable device: " + err + "; jgrad needs an NVIDIA driver of version 580 or later (CUDA 13)";
            return "no CUDA device was found (no NVIDIA driver, or no GPU visible to this process)";
        }
        if (d.index() >= n) return "only " + n + " CUDA device(s) exist (cuda:0.." + "cuda:" + (n - 1) + ")";
        return null;
    }

    static void require(String op, Device d) {
        if (d.index() < deviceCount()) return;
        String why = unavailableReason(d);
        if (why != null) {
            throw new IllegalArgumentException(op + ": device " + d + " is not available: " + why + "; valid devices: cpu"
                    + (deviceCount() > 0 ? ", cuda:0..cuda:" + (deviceCount() - 1) : ""));
        }
    }

    /**
     * Waits until all queued work on {@code device} has finished. Throws what the kernels queued
     * since the last wait found wrong in their inputs (an index or class target out of range),
     * as an IllegalArgumentException naming it; reading a tensor to the host does the same.
     */
    public static void synchronize(Device device) {
        require("synchronize", device);
        NativeLib.check(JgradNative.jg_cuda_synchronize(device.index()), "synchronize");
    }

    /** Waits for everything queued on the first CUDA device. */
    public static void synchronize() {
        synchronize(Device.CUDA);
    }

    /** The device's name, e.g. "NVIDIA H100 80GB HBM3". */
    public static String deviceName(Device device) {
        require("deviceName", device);
        String name = JgradNative.jg_cuda_device_name(device.index()).getString();
        if (name.isEmpty()) NativeLib.check(JgradNative.JG_ERR_CUDA, "deviceName");
        return name;
    }

    /** {free, total} bytes of device memory, as the driver reports them. */
    public static long[] memGetInfo(Device device) {
        require("memGetInfo", device);
        long[] ft = new long[2];
        NativeLib.check(JgradNative.jg_cuda_mem_info(device.index(), ft), "memGetInfo");
        return ft;
    }

    private static long[] stats(Device device) {
        require("memory stats", device);
        long[] s = new long[4];
        NativeLib.check(JgradNative.jg_memory_stats(device.index(), s), "memory stats");
        return s;
    }

    /** Bytes of device memory held by live tensors (in allocator blocks). */
    public static long memoryAllocated(Device device) {
        return stats(device)[0];
    }

    /** Bytes reserved from the driver: allocated plus cached for reuse. */
    public static long memoryReserved(Device device) {
        return stats(device)[1];
    }

    /** The most bytes allocated at once so far. */
    public static long maxMemoryAllocated(Device device) {
        return stats(device)[2];
    }

    private static volatile boolean allowTf32;

    /**
     * Lets cuBLAS use TF32 tensor cores for FLOAT32 matmul (faster, ~10 mantissa bits), like
     * torch.backends.cuda.matmul.allow_tf32. Off by default.
     */
    public static void setAllowTf32(boolean allow) {
        allowTf32 = allow;
    }

    /** Whether float32 matrix products on CUDA may use TF32 (off by default). */
    public static boolean allowTf32() {
        return allowTf32;
    }

    /**
     * Makes every CUDA kernel launch wait for its kernel (like {@code CUDA_LAUNCH_BLOCKING=1}), so that
     * what a kernel finds wrong in its input (an index or class target out of range) is thrown by
     * the op that queued it instead of by the next call that waits for the device. For debugging:
     * it takes away the overlap of host and device. Also on when the environment has
     * {@code JGRAD_CUDA_LAUNCH_BLOCKING=1}. Does nothing in a build without CUDA.
     */
    public static void setLaunchBlocking(boolean on) {
        if (isCompiled()) NativeLib.check(JgradNative.jg_cuda_set_launch_blocking(on ? 1 : 0), "setLaunchBlocking");
    }

    /** Whether each CUDA kernel launch waits for its kernel (see {@link #setLaunchBlocking}). */
    public static boolean isLaunchBlocking() {
        NativeLib.ensureLoaded();
        return JgradNative.jg_cuda_launch_blocking() != 0;
    }

    /**
     * Whether CUDA kernels that sum into shared destinations do it in a fixed order (the default):
     * the backward of gather, indexSelect and embedding then gives the CPU's bits on every run.
     * {@code setDeterministic(false)} lets them add with float atomics instead (faster where many
     * indices repeat; the bits may vary run to run), like
     * {@code torch.use_deterministic_algorithms(False)}. Matrix products are cuBLAS's either way
     * (the same bits on the same GPU model and cuBLAS version). Does nothing in a build without CUDA.
     */
    public static void setDeterministic(boolean on) {
        if (isCompiled()) NativeLib.check(JgradNative.jg_cuda_set_deterministic(on ? 1 : 0), "setDeterministic");
    }

    /** Whether the summing CUDA backward kernels run in a fixed order (see {@link #setDeterministic}). */
    public static boolean isDeterministic() {
        NativeLib.ensureLoaded();
        return JgradNative.jg_cuda_deterministic() != 0;
    }

    /** Returns cached blocks to the driver. */
    public static void emptyCache(Device device) {
        require("emptyCache", device);
        NativeLib.check(JgradNative.jg_empty_cache(device.index()), "emptyCache");
    }
}
