package org.jgrad.nn;

/** How a loss combines its per-element values, as PyTorch's {@code reduction=} argument. */
public enum Reduction {
    /** The mean over elements (PyTorch's default). */
    MEAN,
    /** The sum over elements. */
    SUM,
    /** No reduction: one value per element (or per sample). */
    NONE
}
