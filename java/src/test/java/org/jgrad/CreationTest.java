package org.jgrad;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class CreationTest {
    /** NaN and floats outside int64's range convert to Long.MIN_VALUE (x86's and PyTorch's CPU result), on every device. */
    @Test
    void floatToInt64CastsOfNaNAndOutOfRangeValues() {
        double[] v = {Double.NaN, 1e30, -1e30, Double.POSITIVE_INFINITY, 9.223372036854775807e18, -9.223372036854775808e18, 3.7, -3.7, 0.0};
        long[] want = {Long.MIN_VALUE, Long.MIN_VALUE, Long.MIN_VALUE, Long.MIN_VALUE, Long.MIN_VALUE, Long.MIN_VALUE, 3, -3, 0};
        assertArrayEquals(want, Tensor.of(v).to(DType.INT64).toLongArray());
        float[] f = {Float.NaN, 1e30f, -1e30f, 2.5f};
        assertArrayEquals(new long[] {Long.MIN_VALUE, Long.MIN_VALUE, Long.MIN_VALUE, 2}, Tensor.of(f).to(DType.INT64).toLongArray());
    }


    @Test
    void ofFollowsTheJavaArrayType() {
        Tensor f = Tensor.of(new float[] {1, 2, 3, 4}, 2, 2);
        assertEquals(DType.FLOAT32, f.dtype());
        assertArrayEquals(new long[] {2, 2}, f.shape());
        assertArrayEquals(new long[] {2, 1}, f.strides());
        assertEquals(DType.FLOAT64, Tensor.of(new double[] {1}).dtype());
        Tensor l = Tensor.of(new long[] {5, 6, 7});
        assertEquals(DType.INT64, l.dtype());
        assertArrayEquals(new long[] {3}, l.shape());
        assertArrayEquals(new long[] {5, 6, 7}, l.toLongArray());
        assertArrayEquals(new boolean[] {true, false}, Tensor.of(new boolean[] {true, false}).toBooleanArray());
        assertEquals(Device.CPU, f.device());
    }

    @Test
    void filledTensors() {
        assertArrayEquals(new float[] {0, 0, 0, 0, 0, 0}, Tensor.zeros(2, 3).toFloatArray());
        assertArrayEquals(new double[] {1, 1}, Tensor.ones(DType.FLOAT64, 2).toDoubleArray());
        assertArrayEquals(new float[] {7, 7}, Tensor.full(7, 2).toFloatArray());
        assertArrayEquals(new float[] {1, 0, 0, 0, 1, 0, 0, 0, 1}, Tensor.eye(3).toFloatArray());
        Tensor s = Tensor.scalar(2.5);
        assertEquals(0, s.dim());
        assertEquals(2.5, s.item());
        assertEquals(DType.FLOAT32, s.dtype());
    }

    @Test
    void rangesMatchPyTorch() {
        assertArrayEquals(new long[] {0, 1, 2, 3}, Tensor.arange(4).toLongArray());
        assertArrayEquals(new float[] {0f, 0.5f, 1f, 1.5f}, Tensor.arange(0, 2, 0.5).toFloatArray());
        assertArrayEquals(new float[] {3f, 2f, 1f}, Tensor.arange(3, 0, -1).toFloatArray());
        float[] ls = Tensor.linspace(-1, 1, 10).toFloatArray();
        assertEquals(-1f, ls[0]);
        assertEquals(1f, ls[9]);
        // PyTorch fills the second half backwards from the end, in float32
        float step = (1f - -1f) / 9f;
        assertEquals(-1f + step * 4, ls[4]);
        assertEquals(1f - step * 4, ls[5]);
        assertEquals(0, Tensor.linspace(0, 1, 0).numel());
        assertArrayEquals(new float[] {3f}, Tensor.linspace(3, 5, 1).toFloatArray());
    }

    @Test
    void randomNumbersAreSeededAndWellDistributed() {
        Tensor.manualSeed(42);
        float[] a = Tensor.rand(10_000).toFloatArray();
        double[] n = Tensor.randn(DType.FLOAT64, Device.CPU, 10_000).toDoubleArray();
        Tensor.manualSeed(42);
        assertArrayEquals(a, Tensor.rand(10_000).toFloatArray());
        assertArrayEquals(n, Tensor.randn(DType.FLOAT64, Device.CPU, 10_000).toDoubleArray());
        double mean = 0, m2 = 0;
        for (float v : a) {
            assertTrue(v >= 0 && v < 1);
            mean += v / a.length;
        }
        assertEquals(0.5, mean, 0.02);
        mean = 0;
        for (double v : n) {
            mean += v / n.length;
            m2 += v * v / n.length;
        }
        assertEquals(0, mean, 0.05);
        assertEquals(1, m2, 0.05);
        assertFalse(java.util.Arrays.equals(a, Tensor.rand(10_000).toFloatArray()), "the generator advances");
    }

    @Test
    void toStringLooksLikePyTorch() {
        assertEquals("tensor([1., 2., 3.])", Tensor.of(new float[] {1, 2, 3}).toString());
        assertEquals("tensor([[1.5000, 2.0000],\n        [3.0000, 4.0000]])", Tensor.of(new float[] {1.5f, 2, 3, 4}, 2, 2).toString());
        assertEquals("tensor([-1.5000,  2.0000])", Tensor.of(new float[] {-1.5f, 2}).toString());
        assertEquals("tensor([1, 2])", Tensor.of(new long[] {1, 2}).toString());
        assertEquals("tensor([ True, False])", Tensor.of(new boolean[] {true, false}).toString());
        assertEquals("tensor(2.5000, dtype=torch.float64)", Tensor.scalar(2.5, DType.FLOAT64).toString());
    }

    @Test
    void rangesTakeADtype() {
        // start + i * step in double, rounded once: 0.1 * 3 is 0.30000000000000004 in double
        assertArrayEquals(new double[] {0, 0.1, 0.2, 0.30000000000000004, 0.4}, Tensor.arange(0, 0.45, 0.1, DType.FLOAT64, Device.CPU).toDoubleArray());
        assertArrayEquals(new long[] {5, 3, 2, 0}, Tensor.arange(5, -1, -1.5, DType.INT64, Device.CPU).toLongArray());  // truncated: 5, 3.5, 2, 0.5
        assertArrayEquals(new long[] {0, 1, 2}, Tensor.arange(3, Device.CPU).toLongArray());
        assertEquals(DType.FLOAT64, Tensor.linspace(0, 1, 5, DType.FLOAT64, Device.CPU).dtype());
        assertArrayEquals(new double[] {0, 0.25, 0.5, 0.75, 1}, Tensor.linspace(0, 1, 5, DType.FLOAT64, Device.CPU).toDoubleArray());
        assertArrayEquals(new long[] {1, 0, 0, 1}, Tensor.eye(2, DType.INT64, Device.CPU).toLongArray());
        var e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> Tensor.arange(0, 1, 0.5, DType.BOOL, Device.CPU));
        assertTrue(e.getMessage().contains("BOOL"), e.getMessage());
        e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> Tensor.arange(0, Double.POSITIVE_INFINITY, 1, DType.FLOAT32, Device.CPU));
        assertTrue(e.getMessage().contains("finite"), e.getMessage());
    }

    /** Batch dims flatten to one stride when each is the next one's stride times its size. */
    @Test
    void batchStridesFlattenOnlyWhenUniform() {
        assertEquals(35, LinAlg.flatStride(new long[] {4, 3}, new long[] {105, 35}));
        assertEquals(0, LinAlg.flatStride(new long[] {4, 3}, new long[] {0, 0}));
        assertEquals(35, LinAlg.flatStride(new long[] {4, 1, 3}, new long[] {105, 7, 35}));  // size-1 dims do not matter
        assertEquals(-1, LinAlg.flatStride(new long[] {4, 3}, new long[] {35, 140}));  // transposed batch
        assertEquals(-1, LinAlg.flatStride(new long[] {4, 3}, new long[] {35, 0}));  // broadcast inner only
        assertEquals(0, LinAlg.flatStride(new long[] {}, new long[] {}));
    }

    @Test
    void linearLayersTakeADtypeAndSeedTheSameValues() {
        Tensor.manualSeed(5);
        org.jgrad.nn.Linear f = new org.jgrad.nn.Linear(4, 3);
        Tensor.manualSeed(5);
        org.jgrad.nn.Linear d = new org.jgrad.nn.Linear(4, 3, true, DType.FLOAT64, Device.CPU);
        assertEquals(DType.FLOAT64, d.weight().dtype());
        assertTrue(d.weight().requiresGrad());
        double[] wf = f.weight().toDoubleArray(), wd = d.weight().toDoubleArray();
        for (int i = 0; i < wf.length; i++) {
            assertEquals(wd[i], wf[i], 1e-7, "weight " + i);
            assertTrue(Math.abs(wd[i]) <= 0.5, "within +-1/sqrt(4)");
        }
    }
}
