package org.jgrad.distributed;

/**
 * How {@link ProcessGroup#allReduce} combines the ranks' tensors, element by element.
 * <pre>{@code group.allReduce(grad, ReduceOp.SUM).await();}</pre>
 */
public enum ReduceOp {
    /** The sum over ranks. */
    SUM,
    /** The smallest value over ranks. */
    MIN,
    /** The largest value over ranks. */
    MAX
}
