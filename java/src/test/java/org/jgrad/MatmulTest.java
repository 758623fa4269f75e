package org.jgrad;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Products large enough to be split over the pool threads (the registry's samples are not), against plain loops. */
class MatmulTest {
    @Test
    void cpuProductsRunOnJgradsPool() {
        assertTrue(LinAlg.usesNativeBlas(), "jg_cpu_gemm could not find the openblas_nolapack library");
    }

    @Test
    void largeProductsInEveryLayoutMatchAPlainLoop() {
        long m = 70, k = 300, n = 130;  // m·n·k above the split threshold
        for (boolean ta : new boolean[] {false, true}) {
            for (boolean tb : new boolean[] {false, true}) {
                Tensor.manualSeed(ta ? (tb ? 1 : 2) : (tb ? 3 : 4));
                Tensor a = ta ? Tensor.randn(DType.FLOAT64, Device.CPU, k, m).t() : Tensor.randn(DType.FLOAT64, Device.CPU, m, k);
                Tensor b = tb ? Tensor.randn(DType.FLOAT64, Device.CPU, n, k).t() : Tensor.randn(DType.FLOAT64, Device.CPU, k, n);
                double[] av = a.contiguous().toDoubleArray(), bv = b.contiguous().toDoubleArray(), want = new double[(int) (m * n)];
                for (int i = 0; i < m; i++)
                    for (int j = 0; j < n; j++) {
                        double s = 0;
                        for (int p = 0; p < k; p++) s += av[(int) (i * k + p)] * bv[(int) (p * n + j)];
                        want[(int) (i * n + j)] = s;
                    }
                assertArrayEquals(want, a.matmul(b).toDoubleArray(), 1e-11, "transposed a " + ta + ", b " + tb);
                Tensor af = a.to(DType.FLOAT32), bf = b.to(DType.FLOAT32);
                float[] got = af.matmul(bf).toFloatArray();
                for (int i = 0; i < got.length; i++) assertTrue(Math.abs(got[i] - want[i]) <= 1e-3 * (1 + Math.abs(want[i])), "float32 element " + i);
            }
        }
    }

    /** An OpenBLAS that does not load: the first and every later CPU matmul throw one explanation; jgrad works once it loads. */
    @Test
    void anOpenBlasThatDoesNotLoadIsExplained() {
        Runnable real = LinAlg.blasLoader;
        LinAlg.blasLoader = () -> {
            throw new UnsatisfiedLinkError("no jniopenblas_nolapack in java.library.path");
        };
        LinAlg.resetBlas();
        try {
            for (int i = 0; i < 2; i++) {
                IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                        () -> Tensor.ones(2, 3).matmul(Tensor.ones(3, 2)));
                assertTrue(e.getMessage().startsWith("matmul on the CPU needs OpenBLAS") && e.getMessage().contains("no jniopenblas_nolapack")
                        && e.getMessage().contains("org.bytedeco:openblas:0.3.31-1.5.13"), e.getMessage());
            }
            org.junit.jupiter.api.Assertions.assertEquals(5.0, Tensor.ones(5).add(Tensor.zeros(5)).sum().item(), "other ops go on");
        } finally {
            LinAlg.blasLoader = real;
            LinAlg.resetBlas();
        }
        org.junit.jupiter.api.Assertions.assertEquals(3.0, Tensor.ones(2, 3).matmul(Tensor.ones(3, 2)).toDoubleArray()[0]);
        assertTrue(LinAlg.usesNativeBlas());
    }
}
