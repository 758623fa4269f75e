package org.jgrad;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class CreationTest {

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
}
