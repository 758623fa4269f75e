package org.jgrad.internal;

import java.util.Objects;
import org.jgrad.Tensor;

/**
 * The native memory under a tensor, for jgrad's own modules that hand it to another native library
 * (the collectives of {@code jgrad-spark}). Not API: the address is only valid while the returned
 * {@link Pinned} is open, and writing through it bypasses every check jgrad makes.
 */
public final class NativeMemory {
    private NativeMemory() {}

    /** What org.jgrad provides; installed once, by {@link Tensor}'s static initializer. */
    public interface Access {
        Pinned pin(Tensor t, String op);
    }

    private static volatile Access access;

    /** Called once by {@link Tensor}; a second call throws. */
    public static void install(Access a) {
        synchronized (NativeMemory.class) {
            if (access != null) throw new IllegalStateException("NativeMemory.install: already installed");
            access = Objects.requireNonNull(a);
        }
    }

    /**
     * Holds {@code t}'s storage until {@link Pinned#close()} (closing the tensor meanwhile does not
     * free it). {@code t} must be open and contiguous; {@code op} names the caller in errors.
     */
    public static Pinned pin(Tensor t, String op) {
        Objects.requireNonNull(t, op + ": tensor");
        return access.pin(t, op);  // t exists, so Tensor's initializer has run
    }

    /** A tensor's contiguous bytes, held: {@code address} to {@code address + bytes}. */
    public static final class Pinned implements AutoCloseable {
        /** First byte of the tensor's data (not of its storage). */
        public final long address;
        /** numel times the element size. */
        public final long bytes;
        /** The device index (-1 for the CPU), as the native core numbers devices. */
        public final int device;
        private Runnable written;
        private Runnable release;

        public Pinned(long address, long bytes, int device, Runnable written, Runnable release) {
            this.address = address;
            this.bytes = bytes;
            this.device = device;
            this.written = written;
            this.release = release;
        }

        /** Records that native code wrote the memory (autograd's version counter). */
        public void markWritten() {
            Runnable w = written;
            if (w != null) w.run();
        }

        /** Lets the storage go; a second call does nothing. */
        @Override
        public void close() {
            Runnable r;
            synchronized (this) {
                r = release;
                release = null;
                written = null;
            }
            if (r != null) r.run();
        }
    }
}
