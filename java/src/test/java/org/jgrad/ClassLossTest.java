package org.jgrad;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.jgrad.nn.Functional;
import org.jgrad.nn.Reduction;
import org.junit.jupiter.api.Test;

/**
 * What the op registry's sweep does not cover for the fused class losses: second derivatives,
 * agreement with the unfused composite at scale, and the edge cases of ignored rows.
 */
class ClassLossTest {

    /** d/dx of (dLoss/dx . w): the recorded backward (createGraph) against central differences of the first gradient. */
    @Test
    void secondDerivativesMatchFiniteDifferences() {
        double[] xv = {0.3, -1.2, 2.0, 0.5, 0.1, -0.7, 1.5, -0.2, 0.9, -1.1, 0.4, 0.0};
        long[] t = {2, 0, 1};
        double[] w = {0.7, -0.4, 1.3, 0.2, -0.9, 0.5, 1.1, -0.3, 0.6, -1.4, 0.8, 0.25};
        for (boolean ce : new boolean[] {true, false}) {
            try (Scope s = Scope.open()) {
                Tensor x = Tensor.of(xv, 3, 4).requiresGrad(true);
                Tensor g = Autograd.grad(loss(ce, x, t), null, new Tensor[] {x}, true, true)[0];
                Tensor h = g.mul(Tensor.of(w, 3, 4)).sum();
                double[] analytic = ce ? Autograd.grad(h, new Tensor[] {x})[0].toDoubleArray() : new double[12];
                for (int e = 0; e < xv.length; e++) {
                    double[] up = xv.clone(), down = xv.clone();
                    up[e] += 1e-6;
                    down[e] -= 1e-6;
                    double num = (firstGradDot(ce, up, t, w) - firstGradDot(ce, down, t, w)) / 2e-6;
                    assertEquals(num, analytic[e], 1e-6 + 1e-4 * Math.abs(num), (ce ? "crossEntropy" : "nllLoss") + " d2/dx[" + e + "]");
                }
                if (ce) assertTrue(Math.abs(analytic[0]) > 1e-3, "the second derivative is not trivially 0");
            }
        }
    }

    private static Tensor loss(boolean ce, Tensor x, long[] t) {
        Tensor target = Tensor.of(t);
        return ce ? Functional.crossEntropy(x, target, Reduction.MEAN, 1) : Functional.nllLoss(x, target, Reduction.SUM, 1);
    }

    private static double firstGradDot(boolean ce, double[] xv, long[] t, double[] w) {
        try (Scope s = Scope.open()) {
            Tensor x = Tensor.of(xv, 3, 4).requiresGrad(true);
            double[] g = Autograd.grad(loss(ce, x, t), new Tensor[] {x})[0].toDoubleArray();
            double d = 0;
            for (int i = 0; i < g.length; i++) d += g[i] * w[i];
            return d;
        }
    }

    /** The fused kernels against logSoftmax + gather + mean, on a float32 batch the size of a training step. */
    @Test
    void agreesWithTheUnfusedComposite() {
        try (Scope s = Scope.open()) {
            Tensor.manualSeed(5);
            Tensor x = Tensor.randn(DType.FLOAT32, Device.CPU, 512, 10).mul(4.0).requiresGrad(true);
            long[] t = new long[512];
            for (int i = 0; i < t.length; i++) t[i] = (i * 7) % 10;
            Tensor target = Tensor.of(t);
            Tensor fused = Functional.crossEntropy(x, target);
            Tensor gf = Autograd.grad(fused, new Tensor[] {x})[0];
            Tensor composite = x.logSoftmax(1).gather(1, target.unsqueeze(1)).neg().mean();
            Tensor gc = Autograd.grad(composite, new Tensor[] {x})[0];
            assertEquals(composite.item(), fused.item(), 1e-6 * Math.abs(composite.item()));
            double[] a = gf.toDoubleArray(), b = gc.toDoubleArray();
            for (int i = 0; i < a.length; i++) assertEquals(b[i], a[i], 1e-9 + 1e-5 * Math.abs(b[i]), "grad " + i);
        }
    }

    @Test
    void ignoredRows() {
        try (Scope s = Scope.open()) {
            Tensor x = Tensor.randn(DType.FLOAT64, Device.CPU, 3, 4).requiresGrad(true);
            Tensor all = Tensor.of(new long[] {-100, -100, -100});
            Tensor mean = Functional.crossEntropy(x, all, Reduction.MEAN, -100);
            assertTrue(Double.isNaN(mean.item()), "mean over no rows is NaN, as in PyTorch");
            assertEquals(0.0, Functional.crossEntropy(x, all, Reduction.SUM, -100).item());
            Tensor some = Tensor.of(new long[] {1, -100, 3});
            Tensor l = Functional.crossEntropy(x, some, Reduction.MEAN, -100);
            double[] rows = Functional.crossEntropy(x, Tensor.of(new long[] {1, 0, 3}), Reduction.NONE).toDoubleArray();
            assertEquals((rows[0] + rows[2]) / 2, l.item(), 1e-15);
            l.backward();
            double[] g = x.grad().toDoubleArray();
            for (int j = 4; j < 8; j++) assertEquals(0.0, g[j], "an ignored row has no gradient");
            // a valid class can be the ignore index too
            assertEquals(rows[1] + rows[2],
                    Functional.crossEntropy(x, Tensor.of(new long[] {1, 0, 3}), Reduction.SUM, 1).item(), 1e-15);
        }
    }

    @Test
    void badTargetsOnTheCpuThrowAtTheCall() {
        try (Scope s = Scope.open()) {
            Tensor x = Tensor.randn(3, 4);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Functional.crossEntropy(x, Tensor.of(new long[] {1, -100, 3}), Reduction.MEAN, -1));
            assertTrue(e.getMessage().contains("crossEntropy: target -100 (row 1) is out of range for 4 classes; targets must be in 0..3 "
                    + "or the ignore index -1"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> RowLosses.nllLoss(x, Tensor.of(new long[] {1, 4, 0})));
            assertTrue(e.getMessage().contains("nllLoss: target 4 (row 1)"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> RowLosses.crossEntropy(Tensor.randn(3, 0), Tensor.of(new long[] {0, 0, 0})));
            assertTrue(e.getMessage().contains("no classes"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> RowLosses.crossEntropy(x, Tensor.of(new long[] {0, 0})));
            assertTrue(e.getMessage().contains("[3, 4]") && e.getMessage().contains("[2]"), e.getMessage());
        }
    }
}
