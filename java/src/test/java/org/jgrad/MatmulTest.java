package org.jgrad;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
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

    /** An OpenBLAS that does not load: products run on the built-in kernel (checked against a float64 loop), Cpu says why; the real one afterwards. */
    @Test
    void anOpenBlasThatDoesNotLoadFallsBackToTheBuiltInKernelAndSaysWhy() {
        Runnable real = LinAlg.blasLoader;
        LinAlg.blasLoader = () -> {
            throw new UnsatisfiedLinkError("no jniopenblas_nolapack in java.library.path");
        };
        LinAlg.resetBlas();
        try {
            assertEquals("builtin", Cpu.blas());
            String why = Cpu.blasProblem().orElseThrow();
            assertTrue(why.contains("no jniopenblas_nolapack") && why.contains("org.bytedeco:openblas:0.3.31-1.5.13")
                    && why.contains("built-in kernel"), why);
            // every layout and both dtypes against a float64 loop, on sizes with edge tiles and K past one block
            for (DType dtype : new DType[] {DType.FLOAT64, DType.FLOAT32}) {
                for (int[] mnk : new int[][] {{37, 45, 300}, {1, 130, 7}, {70, 3, 513}}) {
                    Tensor a = Tensor.randn(dtype, Device.CPU, mnk[0], mnk[2]);
                    Tensor bt = Tensor.randn(dtype, Device.CPU, mnk[1], mnk[2]);
                    double[] x = a.toDoubleArray(), y = bt.toDoubleArray();
                    double[] got = a.matmul(bt.transpose(0, 1)).toDoubleArray();
                    double[] got2 = a.transpose(0, 1).contiguous().transpose(0, 1).matmul(bt.transpose(0, 1).contiguous()).toDoubleArray();
                    for (int i = 0; i < mnk[0]; i++) {
                        for (int j = 0; j < mnk[1]; j++) {
                            double want = 0;
                            for (int p = 0; p < mnk[2]; p++) want += x[i * mnk[2] + p] * y[j * mnk[2] + p];
                            double tol = dtype == DType.FLOAT64 ? 1e-12 : 1e-4;
                            assertEquals(want, got[i * mnk[1] + j], tol * (1 + Math.abs(want)), "built-in product " + dtype);
                            assertEquals(want, got2[i * mnk[1] + j], tol * (1 + Math.abs(want)), "built-in product " + dtype);
                        }
                    }
                }
            }
        } finally {
            LinAlg.blasLoader = real;
            LinAlg.resetBlas();
        }
        org.junit.jupiter.api.Assertions.assertEquals(3.0, Tensor.ones(2, 3).matmul(Tensor.ones(3, 2)).toDoubleArray()[0]);
        assertTrue(LinAlg.usesNativeBlas());
        // the real loader again: OpenBLAS (or the built-in kernel auto prefers to it), or, on a
        // system older than the preset needs, the reason
        if (Cpu.blasProblem().isEmpty()) {
            assertEquals(LinAlg.autoPrefersBuiltin(Cpu.instructionSet(), LinAlg.blasCore()), Cpu.blas().equals("builtin"), Cpu.blasReason());
            if (!Cpu.blas().equals("builtin")) assertTrue(Cpu.blas().contains("openblas"), Cpu.blas());
        } else {
            assertEquals("builtin", Cpu.blas());
            assertTrue(Cpu.blasProblem().get().contains("openblas"), Cpu.blasProblem().get());
        }
    }

    /** -Djgrad.blas=builtin chooses the built-in kernel without a warning; an unknown name is refused with the valid ones. */
    @Test
    void theBuiltInKernelCanBeChosenByAProperty() {
        try {
            System.setProperty("jgrad.blas", "builtin");
            LinAlg.resetBlas();
            assertEquals("builtin", Cpu.blas());
            assertTrue(Cpu.blasProblem().isEmpty());
            assertEquals("-Djgrad.blas=builtin", Cpu.blasReason());
            Tensor a = Tensor.arange(12).reshape(3, 4).to(DType.FLOAT64), b = Tensor.arange(8).reshape(4, 2).to(DType.FLOAT64);
            assertArrayEquals(new double[] {28, 34, 76, 98, 124, 162}, a.matmul(b).toDoubleArray());
            System.setProperty("jgrad.blas", "mkl");
            LinAlg.resetBlas();
            IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> a.matmul(b));
            assertTrue(e.getMessage().contains("jgrad.blas=mkl") && e.getMessage().contains("auto (the default), openblas or builtin"), e.getMessage());
        } finally {
            System.clearProperty("jgrad.blas");
            LinAlg.resetBlas();
        }
        boolean builtin = Cpu.blasProblem().isPresent() || LinAlg.autoPrefersBuiltin(Cpu.instructionSet(), LinAlg.blasCore());
        assertEquals(builtin, Cpu.blas().equals("builtin"), Cpu.blasReason());
    }

    /**
     * auto keeps OpenBLAS unless jgrad's loops are AVX-512 and OpenBLAS's kernels are not (its
     * AVX2 Haswell kernels on a CPU it does not know); openblas keeps it whatever its kernels.
     */
    @Test
    void autoTakesTheBuiltInKernelOnlyWhereOpenBlasRunsNarrowerVectors() {
        assertTrue(LinAlg.autoPrefersBuiltin("avx512", "Haswell"));
        assertTrue(LinAlg.autoPrefersBuiltin("avx512", "Zen"));
        assertTrue(!LinAlg.autoPrefersBuiltin("avx512", "SkylakeX"));
        assertTrue(!LinAlg.autoPrefersBuiltin("avx512", "Cooperlake"));
        assertTrue(!LinAlg.autoPrefersBuiltin("avx512", "SAPPHIRERAPIDS"));
        assertTrue(!LinAlg.autoPrefersBuiltin("avx512", ""));  // a BLAS that does not name its kernels
        assertTrue(!LinAlg.autoPrefersBuiltin("avx2", "Haswell"));
        assertTrue(!LinAlg.autoPrefersBuiltin("default", "Prescott"));
        assertTrue(!LinAlg.autoPrefersBuiltin("asimd", "NEOVERSEN1"));
        // on Zen CPUs without AVX-512, products up to 2^28 multiply-adds take the built-in kernel
        assertEquals(1L << 28, LinAlg.autoBuiltinBelow("avx2", "Zen"));
        assertEquals(0, LinAlg.autoBuiltinBelow("avx2", "Haswell"));
        assertEquals(0, LinAlg.autoBuiltinBelow("avx512", "Zen"));  // there the built-in kernel takes every product
        assertEquals(0, LinAlg.autoBuiltinBelow("avx2", ""));
        assertEquals(0, LinAlg.autoBuiltinBelow("asimd", "NEOVERSEN1"));
        try {
            System.setProperty("jgrad.blas", "openblas");
            LinAlg.resetBlas();
            if (Cpu.blasProblem().isEmpty()) {
                assertTrue(Cpu.blas().contains("openblas"), Cpu.blas());
                assertTrue(Cpu.blasReason().startsWith("-Djgrad.blas=openblas: OpenBLAS"), Cpu.blasReason());
                assertTrue(Cpu.blasReason().contains(LinAlg.blasCore()), Cpu.blasReason());
                assertEquals(0, org.jgrad.internal.bind.JgradNative.jg_cpu_builtin_below());  // OpenBLAS for every product
            }
            Tensor a = Tensor.arange(6).reshape(2, 3).to(DType.FLOAT32), b = Tensor.arange(6).reshape(3, 2).to(DType.FLOAT32);
            assertArrayEquals(new float[] {10, 13, 28, 40}, a.matmul(b).toFloatArray());
            System.clearProperty("jgrad.blas");
            LinAlg.resetBlas();
            assertTrue(Cpu.blasReason().startsWith(Cpu.blasProblem().isPresent() ? "OpenBLAS (org.bytedeco:openblas" : "-Djgrad.blas=auto: "),
                    Cpu.blasReason());
            long below = Cpu.blas().equals("builtin") ? 0 : LinAlg.autoBuiltinBelow(Cpu.instructionSet(), LinAlg.blasCore());
            assertEquals(below, org.jgrad.internal.bind.JgradNative.jg_cpu_builtin_below(), Cpu.blasReason());
            assertEquals(below > 0, Cpu.blasReason().contains("built-in AVX2 kernel for products up to 2^28"), Cpu.blasReason());
        } finally {
            System.clearProperty("jgrad.blas");
            LinAlg.resetBlas();
        }
    }

    @Test
    void theThreadCountChangesNoElementwiseBits() {
        int threads = Cpu.numThreads();
        assertTrue(threads >= 1);
        try (Scope s = Scope.open()) {
            Tensor.manualSeed(3);
            Tensor a = Tensor.randn(300, 200), b = Tensor.randn(200, 170), x = Tensor.randn(1 << 18);
            float[] product = a.matmul(b).toFloatArray(), sum = x.sigmoid().mul(x).toFloatArray();
            Cpu.setNumThreads(1);
            assertEquals(1, Cpu.numThreads());
            assertArrayEquals(sum, x.sigmoid().mul(x).toFloatArray());
            // a product's blocks follow the thread count, and OpenBLAS's edge kernels sum in another order
            assertRelativelyClose(product, a.matmul(b).toFloatArray());
            Cpu.setNumThreads(3);
            assertEquals(3, Cpu.numThreads());
            assertArrayEquals(sum, x.sigmoid().mul(x).toFloatArray());
            assertRelativelyClose(product, a.matmul(b).toFloatArray());
        } finally {
            Cpu.setNumThreads(threads);
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Cpu.setNumThreads(0));
        assertTrue(e.getMessage().contains("1..1024"), e.getMessage());
    }

    static void assertRelativelyClose(float[] expected, float[] actual) {
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < expected.length; i++) assertEquals(expected[i], actual[i], 1e-4 * Math.max(1, Math.abs(expected[i])), "element " + i);  // 200-term sums of values near 14
    }
}
