package org.jgrad;

import java.util.concurrent.atomic.AtomicLong;
import org.jgrad.internal.NativeLib;
import org.jgrad.internal.bind.JgradNative;

/**
 * Native memory accounting. Every tensor handle that is neither closed nor collected counts as live;
 * a tensor the garbage collector reclaimed without {@link Tensor#close()} counts as leaked (its
 * memory was still freed, by the Cleaner). {@code long held = Memory.liveBytes();}
 */
public final class Memory {
    private static final AtomicLong liveTensors = new AtomicLong();
    private static final AtomicLong liveBytes = new AtomicLong();
    private static final AtomicLong leaked = new AtomicLong();

    private Memory() {}

    /** Tensor handles not yet closed or collected. */
    public static long liveTensors() {
        return liveTensors.get();
    }

    /** Bytes of native storage held by live tensors (views share their base's bytes). */
    public static long liveBytes() {
        return liveBytes.get();
    }

    /** Tensors that were freed by the Cleaner because nobody closed them. */
    public static long leakedTensors() {
        return leaked.get();
    }

    /** Bytes the CPU caching allocator keeps for reuse. */
    public static long cachedBytes() {
        NativeLib.ensureLoaded();
        long[] stats = new long[4];
        NativeLib.check(JgradNative.jg_memory_stats(JgradNative.JG_CPU, stats), "cachedBytes");
        return stats[3];
    }

    /** Bytes of CPU blocks in use by tensors (in the allocator's size classes, so at least {@link #liveBytes} of CPU tensors). */
    public static long allocatedBytes() {
        NativeLib.ensureLoaded();
        long[] stats = new long[4];
        NativeLib.check(JgradNative.jg_memory_stats(JgradNative.JG_CPU, stats), "allocatedBytes");
        return stats[0];
    }

    /**
     * Caps the bytes of CPU memory in use by tensors ({@link #allocatedBytes}; 0 removes the cap,
     * the default unless the system property {@code jgrad.memoryLimit} sets one, e.g. {@code 4g}).
     * An allocation past it empties the cache and throws {@link OutOfMemoryException}; the cache
     * is also emptied before fresh memory would take what the process holds past the cap.
     * {@code Memory.setLimit(8L << 30);}
     */
    public static void setLimit(long bytes) {
        NativeLib.ensureLoaded();
        if (bytes < 0) throw new IllegalArgumentException("Memory.setLimit: the limit must be >= 0 bytes (0: none), got " + bytes);
        NativeLib.check(JgradNative.jg_cpu_set_memory_limit(bytes), "Memory.setLimit");
    }

    /** The cap of {@link #setLimit} in bytes; 0 when there is none. */
    public static long limit() {
        NativeLib.ensureLoaded();
        return JgradNative.jg_cpu_memory_limit();
    }

    /** Returns the CPU allocator's cached blocks to the operating system. */
    public static void emptyCache() {
        NativeLib.ensureLoaded();
        NativeLib.check(JgradNative.jg_empty_cache(JgradNative.JG_CPU), "emptyCache");
    }

    static void onAllocate(long n) {
        liveBytes.addAndGet(n);
    }

    static void onFree(long n) {
        liveBytes.addAndGet(-n);
    }

    static void onOpen() {
        liveTensors.incrementAndGet();
    }

    static void onClose(boolean byCleaner) {
        liveTensors.decrementAndGet();
        if (byCleaner) leaked.incrementAndGet();
    }
}
