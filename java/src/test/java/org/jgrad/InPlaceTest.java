package org.jgrad;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;

class InPlaceTest {

    @Test
    void inPlaceWritesThroughViews() {
        Tensor x = Tensor.zeros(DType.FLOAT64, 2, 3);
        Tensor col = x.narrow(1, 1, 1);
        assertSame(col, col.addInPlace(Tensor.of(new double[] {5, 6}, 2, 1)));
        assertArrayEquals(new double[] {0, 5, 0, 0, 6, 0}, x.toDoubleArray(), 0);
        x.t().mulInPlace(2.0);
        assertArrayEquals(new double[] {0, 10, 0, 0, 12, 0}, x.toDoubleArray(), 0);
        x.subInPlace(Tensor.ones(DType.FLOAT64, 3));
        assertArrayEquals(new double[] {-1, 9, -1, -1, 11, -1}, x.toDoubleArray(), 0);
        x.select(0, 1).fillInPlace(4);
        assertArrayEquals(new double[] {-1, 9, -1, 4, 4, 4}, x.toDoubleArray(), 0);
        x.copyInPlace(Tensor.of(new float[] {1, 2, 3}));  // broadcast and converted
        assertArrayEquals(new double[] {1, 2, 3, 1, 2, 3}, x.toDoubleArray(), 0);
        x.mulInPlace(Tensor.of(new double[] {2, 3}, 2, 1));
        assertArrayEquals(new double[] {2, 4, 6, 3, 6, 9}, x.toDoubleArray(), 0);
    }
}
