package org.jgrad;

import org.jgrad.internal.bind.JgradNative;

/** Element types of a {@link Tensor}. {@code Tensor d = Tensor.zeros(3).to(DType.FLOAT64);} */
public enum DType {
    /** 32-bit IEEE float, the default. */
    FLOAT32(JgradNative.JG_FLOAT32, 4, "torch.float32"),
    /** 64-bit IEEE float. */
    FLOAT64(JgradNative.JG_FLOAT64, 8, "torch.float64"),
    /** 64-bit signed integer: labels and indices. */
    INT64(JgradNative.JG_INT64, 8, "torch.int64"),
    /** Boolean masks (one byte each). */
    BOOL(JgradNative.JG_BOOL, 1, "torch.bool");

    final int code;
    final int size;
    private final String torchName;

    DType(int code, int size, String torchName) {
        this.code = code;
        this.size = size;
        this.torchName = torchName;
    }

    /** Bytes per element. */
    public int byteSize() {
        return size;
    }

    /** True for FLOAT32 and FLOAT64. */
    public boolean isFloatingPoint() {
        return this == FLOAT32 || this == FLOAT64;
    }

    /** The result type of a binary op on these two types: BOOL &lt; INT64 &lt; FLOAT32 &lt; FLOAT64. */
    public static DType promote(DType a, DType b) {
        return a.rank() >= b.rank() ? a : b;
    }

    private int rank() {
        switch (this) {
            case BOOL: return 0;
            case INT64: return 1;
            case FLOAT32: return 2;
            default: return 3;
        }
    }

    String torchName() {
        return torchName;
    }
}
