package org.jgrad.internal;

/**
 * A failure inside the native core that is not the caller's bad argument (out of memory, internal).
 * {@code catch (NativeException e) { Memory.emptyCache(); }}
 */
public class NativeException extends RuntimeException {
    private final int status;

    public NativeException(String message, int status) {
        super(message);
        this.status = status;
    }

    /** The native status code (see jgrad.h). */
    public int status() {
        return status;
    }
}
