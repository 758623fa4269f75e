package org.jgrad;

import static org.jgrad.testing.Expect.iae;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.nio.channels.Channels;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Shapes whose element (or byte) count does not fit 64 bits are refused by every op that makes one. */
class ShapeOverflowTest {
    static final long G = 1L << 40;


    @Test
    void creationRefusesShapesWhoseProductWraps() {
        iae(() -> Tensor.zeros(G, G), "full", "[1099511627776, 1099511627776]", "2^63");
        iae(() -> Tensor.ones(DType.INT64, 1L << 21, 1L << 21, 1L << 21), "full", "overflows");
        iae(() -> Tensor.rand(G, G), "rand", "[1099511627776, 1099511627776]");
        iae(() -> Tensor.randn(DType.FLOAT64, Device.CPU, 3, G, G), "randn", "2^63");
        iae(() -> Tensor.of(new float[] {1}, G, G), "[1099511627776, 1099511627776]", "overflows");
        // 2^64 wraps to exactly 0: the empty-looking shape must not pass for an empty tensor
        iae(() -> Tensor.zeros(1L << 32, 1L << 32), "full", "overflows");
        // a zero size does not excuse sizes whose contiguous strides overflow
        iae(() -> Tensor.zeros(0, G, G), "full", "[0, 1099511627776, 1099511627776]");
        // element count fits, byte count does not
        iae(() -> Tensor.zeros(DType.FLOAT64, 1L << 60), "allocation", "FLOAT64", "[1152921504606846976]", "bytes");
        // the largest shapes that fit are not refused by the check (the allocator may still say no)
        assertEquals(0, Tensor.zeros(0, 1L << 31, 1L << 31).numel());
    }

    @Test
    void viewsRefuseShapesWhoseProductWraps() {
        Tensor one = Tensor.ones(1);
        iae(() -> one.expand(G, G), "expand", "[1099511627776, 1099511627776]", "overflows");
        iae(() -> Tensor.ones(1, 1).expand(1L << 32, 1L << 32), "expand", "overflows");
        iae(() -> Tensor.zeros(0).reshape(1L << 32, 1L << 32), "reshape", "[4294967296, 4294967296]", "overflows");
        iae(() -> Tensor.zeros(0).view(1L << 32, 1L << 32), "view", "overflows");
        iae(() -> Tensor.zeros(4).reshape(-1, 1L << 62, 4), "reshape", "overflows");
        // large but countable expands are fine: nothing is allocated
        Tensor big = one.expand(1L << 31, 1L << 31);
        assertEquals(1L << 62, big.numel());
        assertArrayEquals(new long[] {1L << 62}, big.reshape(-1).shape());
    }

    @Test
    void opsRefuseResultShapesWhoseProductWraps() {
        Tensor col = Tensor.ones(1, 1).expand(G, 1), row = Tensor.ones(1, 1).expand(1, G);
        iae(() -> col.add(row), "add", "[1099511627776, 1]", "[1, 1099511627776]", "overflows");
        iae(() -> col.mul(row), "mul", "overflows");
        iae(() -> Tensor.where(Tensor.of(new boolean[] {true}), col, row), "where", "overflows");
        Tensor a = Tensor.ones(1, 1, 1).expand(1L << 31, 1L << 31, 1), b = Tensor.ones(1, 1).expand(1, 1L << 31);
        iae(() -> a.matmul(b), "matmul", "[2147483648, 2147483648, 2147483648]", "overflows");
        Tensor half = Tensor.ones(1).expand(1L << 62);
        iae(() -> Tensor.cat(List.of(half, half), 0), "cat", "dim 0", "2^63");
        iae(() -> Tensor.cat(0, half, half, half), "cat", "tensors 0..1");
        iae(() -> half.writeBytes(Channels.newChannel(new ByteArrayOutputStream())), "Tensor.writeBytes", "[4611686018427387904]",
                "bytes");
        iae(() -> Tensor.readBytes(Channels.newChannel(new java.io.ByteArrayInputStream(new byte[0])), DType.FLOAT32, G, G),
                "Tensor.readBytes", "overflows");
    }
}
