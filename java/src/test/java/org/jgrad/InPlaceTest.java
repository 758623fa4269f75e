package org.jgrad;

import static org.jgrad.testing.Expect.iae;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

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


    /** Shifted, transposed and broadcast sources that share the destination's memory read as if copied first. */
    static void overlappingSourcesReadTheirOldValues(Device device) {
        int n = 300_001;  // long enough to be split across threads
        double[] v = new double[n];
        for (int i = 0; i < n; i++) v[i] = i * 0.5 - 7;

        Tensor x = Tensor.of(v, n).to(device);
        x.narrow(0, 1, n - 1).copyInPlace(x.narrow(0, 0, n - 1));
        double[] want = new double[n];
        want[0] = v[0];
        for (int i = 1; i < n; i++) want[i] = v[i - 1];
        assertArrayEquals(want, x.toDoubleArray(), 0);

        x = Tensor.of(v, n).to(device);
        x.narrow(0, 0, n - 1).copyInPlace(x.narrow(0, 1, n - 1));
        for (int i = 0; i < n - 1; i++) want[i] = v[i + 1];
        want[n - 1] = v[n - 1];
        assertArrayEquals(want, x.toDoubleArray(), 0);

        x = Tensor.of(v, n).to(device);
        x.narrow(0, 1, n - 1).addInPlace(x.narrow(0, 0, n - 1));
        want[0] = v[0];
        for (int i = 1; i < n; i++) want[i] = v[i] + v[i - 1];
        assertArrayEquals(want, x.toDoubleArray(), 0);

        // every row += the old first row, the first row included
        int rows = 600, cols = 500;
        Tensor m = Tensor.of(v, n).narrow(0, 0, rows * cols).reshape(rows, cols).to(device);
        m.addInPlace(m.select(0, 0));
        double[] got = m.toDoubleArray();
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++) assertEquals(v[r * cols + c] + v[c], got[r * cols + c], 0, "row " + r + " col " + c);

        // a square matrix overwritten by its own transpose
        Tensor sq = Tensor.of(v, n).narrow(0, 0, 400 * 400).reshape(400, 400).to(device);
        sq.copyInPlace(sq.t());
        got = sq.toDoubleArray();
        for (int r = 0; r < 400; r++)
            for (int c = 0; c < 400; c++) assertEquals(v[c * 400 + r], got[r * 400 + c], 0);

        // element-for-element aliasing needs no copy and is exact
        Tensor y = Tensor.of(v, n).to(device);
        y.mulInPlace(y);
        got = y.toDoubleArray();
        for (int i = 0; i < n; i++) assertEquals(v[i] * v[i], got[i], 0);
    }

    /** Writes into a destination whose elements share memory are refused, on every in-place op. */
    static void selfOverlappingDestinationsAreRefused(Device device) {
        Tensor base = Tensor.zeros(DType.FLOAT32, device, 3, 1);
        Tensor wide = base.expand(3, 4);
        iae(() -> wide.fillInPlace(1), "fillInPlace", "[3, 4]", "strides [1, 0]", "share memory");
        iae(() -> wide.copyInPlace(Tensor.ones(DType.FLOAT32, device, 3, 4)), "copyInPlace", "share memory");
        iae(() -> wide.addInPlace(Tensor.ones(DType.FLOAT32, device, 4)), "addInPlace", "share memory");
        iae(() -> wide.mulInPlace(2.0), "mulInPlace", "share memory");
        iae(() -> Tensor.zeros(DType.FLOAT32, device, 1).expand(5).subInPlace(Tensor.ones(DType.FLOAT32, device, 5)), "subInPlace");
        assertArrayEquals(new float[] {0, 0, 0}, base.toFloatArray());
        // a size-1 expand, strided and transposed views own their elements and stay writable
        base.expand(3, 1).fillInPlace(2);
        Tensor g = Tensor.zeros(DType.FLOAT32, device, 4, 6);
        g.slice(1, 0, 6, 2).t().fillInPlace(1);
        assertArrayEquals(new float[] {1, 0, 1, 0, 1, 0}, g.select(0, 3).toFloatArray());
        assertArrayEquals(new float[] {2, 2, 2}, base.toFloatArray());
    }

    @Test
    void overlappingSourcesReadTheirOldValuesOnTheCpu() {
        overlappingSourcesReadTheirOldValues(Device.CPU);
    }

    @Test
    void selfOverlappingDestinationsAreRefusedOnTheCpu() {
        selfOverlappingDestinationsAreRefused(Device.CPU);
    }

    @Test
    void selfOverlapIsExactForViewsOfADenseTensor() {
        assertFalse(Shapes.selfOverlapping(new long[] {2, 3}, new long[] {3, 1}));
        assertFalse(Shapes.selfOverlapping(new long[] {3, 2}, new long[] {1, 3}));       // transposed
        assertFalse(Shapes.selfOverlapping(new long[] {2, 2}, new long[] {6, 2}));       // stepped slice
        assertFalse(Shapes.selfOverlapping(new long[] {4, 1, 0}, new long[] {0, 0, 0})); // empty
        assertFalse(Shapes.selfOverlapping(new long[] {1, 5}, new long[] {0, 1}));       // size-1 expand
        assertTrue(Shapes.selfOverlapping(new long[] {2, 3}, new long[] {0, 1}));        // expand
        assertTrue(Shapes.selfOverlapping(new long[] {3, 3}, new long[] {1, 1}));        // sliding window
        assertTrue(Shapes.selfOverlapping(new long[] {2, 3}, new long[] {2, 1}));
    }
}
