package org.jgrad.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.jgrad.DType;
import org.jgrad.Scope;
import org.jgrad.Tensor;
import org.jgrad.testing.OpRegistry;
import org.junit.jupiter.api.Test;

/** The activation modules and the ops behind them, beyond what the op registry's gradchecks cover. */
class ActivationsTest {
    @Test
    void modulesApplyTheirOpsAndPrintLikePyTorch() {
        try (Scope s = Scope.open()) {
            Tensor x = Tensor.of(new double[] {-3, -0.5, 0, 0.25, 4}, 5);
            assertArrayEquals(x.gelu().toDoubleArray(), new GELU().forward(x).toDoubleArray());
            assertArrayEquals(x.gelu("tanh").toDoubleArray(), new GELU("tanh").forward(x).toDoubleArray());
            assertArrayEquals(x.silu().toDoubleArray(), new SiLU().forward(x).toDoubleArray());
            assertArrayEquals(x.softplus(2, 3).toDoubleArray(), new Softplus(2, 3).forward(x).toDoubleArray());
            Sequential seq = new Sequential(new GELU(), new GELU("tanh"), new SiLU(), new Softplus());
            assertEquals("Sequential(\n"
                    + "  (0): GELU(approximate='none')\n"
                    + "  (1): GELU(approximate='tanh')\n"
                    + "  (2): SiLU()\n"
                    + "  (3): Softplus(beta=1.0, threshold=20.0)\n"
                    + ")", seq.toString());
        }
    }

    @Test
    void valuesAgainstFloat64Formulas() {
        try (Scope s = Scope.open()) {
            double[] v = {-6, -2.5, -1, -1e-3, 0, 1e-8, 0.7, 3, 8};
            Tensor x = Tensor.of(v, v.length);
            double[] gelu = x.gelu().toDoubleArray(), erf = x.erf().toDoubleArray(), sp = x.softplus().toDoubleArray();
            double[] l1p = x.abs().log1p().toDoubleArray(), em1 = x.expm1().toDoubleArray();
            for (int i = 0; i < v.length; i++) {
                double e = OpRegistry.erf(v[i]);
                assertEquals(e, erf[i], 1e-15 + 1e-14 * Math.abs(e), "erf(" + v[i] + ")");
                assertEquals(0.5 * v[i] * (1 + OpRegistry.erf(v[i] / Math.sqrt(2))), gelu[i], 1e-15, "gelu(" + v[i] + ")");
                assertEquals(Math.log1p(Math.exp(v[i])), sp[i], 1e-15, "softplus(" + v[i] + ")");
                assertEquals(Math.log1p(Math.abs(v[i])), l1p[i], 0, "log1p");
                assertEquals(Math.expm1(v[i]), em1[i], 1e-16 * Math.max(1, Math.abs(em1[i])), "expm1");
            }
            // log1p and expm1 keep the digits that log(1 + x) and exp(x) - 1 lose
            // (series: x - x²/2 and x + x²/2; log(1 + 1e-8) is off from the 9th digit)
            assertEquals(1e-8 - 5e-17, Tensor.of(new double[] {1e-8}, 1).log1p().toDoubleArray()[0], 1e-23);
            assertEquals(1e-8 + 5e-17, Tensor.of(new double[] {1e-8}, 1).expm1().toDoubleArray()[0], 1e-23);
            // softplus is the identity above the threshold, as PyTorch's
            assertEquals(30.0, Tensor.of(new double[] {30}, 1).softplus().toDoubleArray()[0], 0);
            assertEquals(1.5, Tensor.of(new double[] {1.5}, 1).softplus(2, 1).toDoubleArray()[0], 0);
        }
    }

    @Test
    void maximumAndMinimumSplitTheGradientOnTiesAndPropagateNaN() {
        try (Scope s = Scope.open()) {
            Tensor a = Tensor.of(new double[] {1, 2, 3}, 3).requiresGrad(true);
            Tensor b = Tensor.of(new double[] {3, 2, 1}, 3).requiresGrad(true);
            a.maximum(b).sum().backward();
            assertArrayEquals(new double[] {0, 0.5, 1}, a.grad().toDoubleArray());
            assertArrayEquals(new double[] {1, 0.5, 0}, b.grad().toDoubleArray());
            Tensor c = Tensor.of(new double[] {1, 2, 3}, 3).requiresGrad(true);
            Tensor d = Tensor.of(new double[] {3, 2, 1}, 3).requiresGrad(true);
            c.minimum(d).sum().backward();
            assertArrayEquals(new double[] {1, 0.5, 0}, c.grad().toDoubleArray());
            assertArrayEquals(new double[] {0, 0.5, 1}, d.grad().toDoubleArray());
            Tensor n = Tensor.of(new double[] {Double.NaN, 1}, 2);
            Tensor m = Tensor.of(new double[] {0, Double.NaN}, 2);
            assertTrue(Double.isNaN(n.maximum(m).toDoubleArray()[0]) && Double.isNaN(n.maximum(m).toDoubleArray()[1]));
            assertTrue(Double.isNaN(m.minimum(n).toDoubleArray()[0]) && Double.isNaN(m.minimum(n).toDoubleArray()[1]));
            // integers too, as torch.maximum
            Tensor i = Tensor.of(new long[] {4, -2, 7}, 3), j = Tensor.of(new long[] {1, 5, 7}, 3);
            assertEquals(DType.INT64, i.maximum(j).dtype());
            assertArrayEquals(new double[] {4, 5, 7}, i.maximum(j).toDoubleArray());
            assertArrayEquals(new double[] {1, -2, 7}, i.minimum(j).toDoubleArray());
        }
    }

    @Test
    void badArgumentsNameTheOpAndWhatIsValid() {
        try (Scope s = Scope.open()) {
            Tensor x = Tensor.zeros(2);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> x.gelu("fast"));
            assertTrue(e.getMessage().contains("gelu") && e.getMessage().contains("\"tanh\""), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> new Softplus(0, 20));
            assertThrows(IllegalArgumentException.class, () -> new GELU("erf"));
            Exception ints = assertThrows(RuntimeException.class, () -> Tensor.of(new long[] {1, 2}, 2).gelu());
            assertTrue(ints.getMessage().contains("gelu") && ints.getMessage().contains("INT64"), ints.getMessage());
        }
    }
}
