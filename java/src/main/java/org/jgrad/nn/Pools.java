package org.jgrad.nn;

/** The repr of pooling settings: one value as PyTorch prints an int, two as a tuple. */
final class Pools {
    private Pools() {}

    static String repr(int[] v) {
        return v.length == 1 ? String.valueOf(v[0]) : ConvBase.tuple(v);
    }
}
