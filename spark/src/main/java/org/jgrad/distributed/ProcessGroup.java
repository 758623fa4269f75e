package org.jgrad.distributed;

import org.jgrad.Tensor;

/**
 * The ranks of one data-parallel job and the collectives between them, as torch.distributed's
 * process group: every rank calls the same collectives in the same order with tensors of the same
 * shape and dtype. {@link GlooProcessGroup} works on CPU tensors, {@link NcclProcessGroup} on CUDA
 * tensors.
 * <pre>{@code
 * try (ProcessGroup g = GlooProcessGroup.create(store, rank, 2, GlooProcessGroup.options())) {
 *     g.allReduce(t, ReduceOp.SUM).await();   // t now holds the sum over both ranks
 * }
 * }</pre>
 * Tensors must be contiguous; a collective holds its tensor's memory until it completes, so
 * closing the tensor meanwhile is safe.
 */
public interface ProcessGroup extends AutoCloseable {
    /** This process's rank, 0 to {@link #size()} - 1. */
    int rank();

    /** The number of ranks. */
    int size();

    /** "gloo" or "nccl". */
    String backend();

    /** Starts combining {@code t} over all ranks, in place: after {@link Work#await()} every rank holds the result. */
    Work allReduce(Tensor t, ReduceOp op);

    /** Starts copying rank {@code root}'s {@code t} into every other rank's {@code t}. */
    Work broadcast(Tensor t, int root);

    /** Returns once every rank has called it. */
    void barrier();

    /** Leaves the group: pending collectives of peers that still wait on this rank fail. Closing twice is harmless. */
    @Override
    void close();
}
