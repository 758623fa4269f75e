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
        return cpuStat(3, "cachedBytes");
    }

    /** One of jg_memory_stats's numbers for the CPU (0 allocated, 1 reserved, 2 peak, 3 cached). */
    private static long cpuStat(int i, String op) {
        NativeLib.ensureLoaded();
        long[] stats = new long[4];
        NativeLib.check(JgradNative.jg_memory_stats(JgradNative.JG_CPU, stats), op);
        return stats[i];
    }

    /** Bytes of CPU blocks in use by tensors (in the allocator's size classes, so at least {@link #liveBytes} of CPU tensors). */
    public static long allocatedBytes() {
        return cpuStat(0, "allocatedBytes");
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

    /**
     * Live native bytes may grow by this much (or double, if more) before jgrad prompts the garbage
     * collector: the collector sees only the small Java objects of tensors, not their native memory,
     * so a loop that forgets close() would otherwise grow until the Java heap happens to fill. The
     * system property {@code jgrad.gcThreshold} sets it (bytes, or with k, m or g; 0 turns prompting off).
     */
    static final long GC_THRESHOLD = gcThreshold();
    private static final AtomicLong gcAt = new AtomicLong(GC_THRESHOLD);
    private static final java.util.concurrent.atomic.AtomicBoolean prompting = new java.util.concurrent.atomic.AtomicBoolean();
    private static final AtomicLong prompts = new AtomicLong();

    private static long gcThreshold() {
        String v = System.getProperty("jgrad.gcThreshold");
        if (v == null || v.isBlank()) return 128L << 20;
        return org.jgrad.internal.NativeLib.parseBytes("jgrad.gcThreshold", v.trim());
    }

    /** How often live native memory grew past the threshold and jgrad ran the collector for the Cleaner to free forgotten tensors. */
    public static long collectorPrompts() {
        return prompts.get();
    }

    static void onAllocate(long n) {
        long live = liveBytes.addAndGet(n);
        if (GC_THRESHOLD > 0 && live > gcAt.get()) promptCollector();
    }

    static void onFree(long n) {
        long live = liveBytes.addAndGet(-n);
        if (GC_THRESHOLD > 0) {
            long bar = nextBar(live);
            if (bar < gcAt.get()) gcAt.set(bar);  // lower the bar as memory comes back (a race only moves it a little)
        }
    }

    private static long nextBar(long live) {
        return Math.max(live + GC_THRESHOLD, live > Long.MAX_VALUE / 2 ? Long.MAX_VALUE : 2 * live);
    }

    /**
     * Runs the collector, then gives the Cleaner (its own thread) up to 50 ms to free what became
     * unreachable; the next prompt comes when live memory has grown by the threshold again. One
     * thread prompts at a time; the others go on.
     */
    private static void promptCollector() {
        if (!prompting.compareAndSet(false, true)) return;
        try {
            prompts.incrementAndGet();
            long before = liveBytes.get();
            System.gc();
            for (int i = 0; i < 50 && liveBytes.get() > before - GC_THRESHOLD / 2; i++) {
                try {
                    Thread.sleep(1);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            gcAt.set(nextBar(liveBytes.get()));
        } finally {
            prompting.set(false);
        }
    }

    static void onOpen() {
        liveTensors.incrementAndGet();
    }

    static void onClose(boolean byCleaner) {
        liveTensors.decrementAndGet();
        if (byCleaner) leaked.incrementAndGet();
    }
}
