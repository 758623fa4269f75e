package org.jgrad.distributed;

/**
 * A collective or a rendezvous that failed: a peer that went away, a timeout, a mismatch between
 * ranks. The message names the backend, the operation and this rank.
 * <pre>{@code try { work.await(); } catch (DistributedException e) { ... }}</pre>
 */
public class DistributedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** An exception with this message. */
    public DistributedException(String message) {
        super(message);
    }

    /** An exception with this message and cause. */
    public DistributedException(String message, Throwable cause) {
        super(message, cause);
    }
}
