package org.jgrad.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.jgrad.DType;
import org.jgrad.Scope;
import org.jgrad.Tensor;
import org.junit.jupiter.api.Test;

class InitAndUtilsTest {
    static double[] moments(Tensor t) {
        double[] v = t.toDoubleArray();
        double m = 0, s = 0, lo = Double.MAX_VALUE, hi = -Double.MAX_VALUE;
        for (double x : v) {
            m += x;
            lo = Math.min(lo, x);
            hi = Math.max(hi, x);
        }
        m /= v.length;
        for (double x : v) s += (x - m) * (x - m);
        return new double[] {m, Math.sqrt(s / (v.length - 1)), lo, hi};
    }

    @Test
    void gainsAndFansArePyTorchs() {
        assertEquals(1, Init.calculateGain("linear"));
        assertEquals(1, Init.calculateGain("sigmoid"));
        assertEquals(5.0 / 3, Init.calculateGain("tanh"));
        assertEquals(Math.sqrt(2), Init.calculateGain("relu"));
        assertEquals(Math.sqrt(2 / (1 + 0.01 * 0.01)), Init.calculateGain("leaky_relu"));
        assertEquals(Math.sqrt(2 / (1 + 0.2 * 0.2)), Init.calculateGain("leaky_relu", 0.2));
        assertEquals(0.75, Init.calculateGain("selu"));
        assertThrows(IllegalArgumentException.class, () -> Init.calculateGain("swish"));
        try (Scope s = Scope.open()) {
            assertArrayEquals(new long[] {3 * 5 * 5, 8 * 5 * 5}, Init.fans(Tensor.zeros(8, 3, 5, 5)));
            assertArrayEquals(new long[] {4, 6}, Init.fans(Tensor.zeros(6, 4)));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Init.fans(Tensor.zeros(6)));
            assertTrue(e.getMessage().contains("at least 2 dimensions") && e.getMessage().contains("[6]"), e.getMessage());
        }
    }

    @Test
    void distributionsHaveTheirBoundsAndMoments() {
        try (Scope s = Scope.open()) {
            Tensor w = Tensor.zeros(400, 300);  // fan_in 300, fan_out 400
            double[] m = moments(Init.uniform(w, -0.5, 1.5));
            assertTrue(m[2] >= -0.5 && m[3] < 1.5 && Math.abs(m[0] - 0.5) < 0.01 && Math.abs(m[1] - 2 / Math.sqrt(12)) < 0.01);
            m = moments(Init.normal(w, 3, 0.5));
            assertTrue(Math.abs(m[0] - 3) < 0.01 && Math.abs(m[1] - 0.5) < 0.01, java.util.Arrays.toString(m));
            double xa = Math.sqrt(6.0 / 700);
            m = moments(Init.xavierUniform(w));
            assertTrue(m[2] >= -xa && m[3] <= xa && Math.abs(m[1] - xa / Math.sqrt(3)) < 0.002, java.util.Arrays.toString(m));
            m = moments(Init.xavierNormal(w, 2));
            assertEquals(2 * Math.sqrt(2.0 / 700), m[1], 0.002);
            double kb = Math.sqrt(3.0) * Math.sqrt(2) / Math.sqrt(300);
            m = moments(Init.kaimingUniform(w, 0, Init.Mode.FAN_IN, "relu"));
            assertTrue(m[2] >= -kb && m[3] <= kb && Math.abs(m[1] - Math.sqrt(2.0 / 300)) < 0.002, java.util.Arrays.toString(m));
            m = moments(Init.kaimingNormal(w, 0, Init.Mode.FAN_OUT, "relu"));
            assertEquals(Math.sqrt(2.0 / 400), m[1], 0.002);
            m = moments(Init.truncNormal(w, 0.5, 1, -1, 1));
            assertTrue(m[2] >= -1 && m[3] <= 1, java.util.Arrays.toString(m));
            // the mean of N(0.5, 1) truncated to [-1, 1]: 0.5 + (φ(-1.5) - φ(0.5)) / (Φ(0.5) - Φ(-1.5))
            double phiA = Math.exp(-1.5 * 1.5 / 2) / Math.sqrt(2 * Math.PI), phiB = Math.exp(-0.5 * 0.5 / 2) / Math.sqrt(2 * Math.PI);
            assertEquals(0.5 + (phiA - phiB) / (0.6914624612740131 - 0.06680720126885807), m[0], 0.01);
            Init.constant(w, 0.25);
            assertEquals(0.25 * w.numel(), w.sum().to(DType.FLOAT64).item(), 1e-6);
            assertEquals(0, Init.zeros(w).abs().sum().item());
            assertEquals(w.numel(), Init.ones(w).sum().item(), 0);
            // the same seed, the same draws
            Tensor.manualSeed(9);
            float[] a = Init.kaimingUniform(Tensor.zeros(5, 7)).toFloatArray();
            Tensor.manualSeed(9);
            assertArrayEquals(a, Init.kaimingUniform(Tensor.zeros(5, 7)).toFloatArray());
            assertThrows(IllegalArgumentException.class, () -> Init.normal(Tensor.zeros(2, 2).to(DType.INT64), 0, 1));
            assertThrows(IllegalArgumentException.class, () -> Init.truncNormal(Tensor.zeros(2, 2), 0, 1, 30, 31));
        }
    }

    @Test
    void clipGradNormScalesAllGradientsByTheTotalNorm() {
        try (Scope s = Scope.open()) {
            Tensor a = Tensor.of(new double[] {1, 2}, 2).requiresGrad(true);
            Tensor b = Tensor.of(new double[] {3}, 1).requiresGrad(true);
            Tensor c = Tensor.of(new double[] {5}, 1).requiresGrad(true);  // no gradient: skipped
            a.mul(a.mul(0.5)).sum().add(b.mul(b.mul(0.5)).sum()).backward();   // grads: a, b
            double total = Utils.clipGradNorm(List.of(a, b, c), 1.0);
            double want = Math.sqrt(1 + 4 + 9);
            assertEquals(want, total, 1e-12);
            double coef = 1.0 / (want + 1e-6);
            assertArrayEquals(new double[] {coef, 2 * coef}, a.grad().toDoubleArray(), 1e-15);
            assertArrayEquals(new double[] {3 * coef}, b.grad().toDoubleArray(), 1e-15);
            // under the limit: unchanged; the infinity norm is the largest magnitude
            double[] before = a.grad().toDoubleArray();
            assertEquals(3 * coef, Utils.clipGradNorm(List.of(a, b), 10, Double.POSITIVE_INFINITY, false), 1e-15);
            assertArrayEquals(before, a.grad().toDoubleArray());
            assertEquals(coef + 2 * coef + 3 * coef, Utils.clipGradNorm(List.of(a, b), 10, 1, false), 1e-12);
            // a non-finite norm: an error with the option, and nothing changed
            b.grad().fillInPlace(Double.POSITIVE_INFINITY);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> Utils.clipGradNorm(List.of(a, b), 1, 2, true));
            assertTrue(e.getMessage().contains("Infinity"), e.getMessage());
            assertArrayEquals(before, a.grad().toDoubleArray());
            Utils.clipGradValue(List.of(a, b), 0.1);
            assertArrayEquals(new double[] {0.1}, b.grad().toDoubleArray());
            assertArrayEquals(new double[] {Math.min(0.1, coef), 0.1}, a.grad().toDoubleArray());
        }
    }
}
