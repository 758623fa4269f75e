package org.jgrad.distributed;

/**
 * A collective started by a {@link ProcessGroup}: it runs while the caller goes on, and
 * {@link #await()} returns once its result is in the tensor (for NCCL: once it is queued on the
 * device's stream, where later jgrad ops see it).
 * <pre>{@code Work w = group.allReduce(t, ReduceOp.SUM); ...; w.await();}</pre>
 */
public interface Work {
    /** Waits for the collective; throws {@link DistributedException} if it failed or timed out. Later calls return at once (or throw the same). */
    void await();

    /** True once {@link #await()} would return without waiting. */
    boolean isCompleted();
}
