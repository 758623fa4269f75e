package org.jgrad.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.jgrad.DType;
import org.jgrad.Scope;
import org.jgrad.Tensor;
import org.junit.jupiter.api.Test;

/** Dropout, Embedding, LayerNorm and the ops they rest on, beyond the registry's gradchecks. */
class LayersTest {
    @Test
    void dropoutZeroesAFractionPInTrainingAndNothingInEval() {
        try (Scope s = Scope.open()) {
            Dropout d = new Dropout(0.25);
            Tensor x = Tensor.ones(200, 100);
            double[] y = d.forward(x).toDoubleArray();
            int zeros = 0;
            for (double v : y) {
                assertTrue(v == 0 || Math.abs(v - 1 / 0.75) < 1e-6, "kept values are scaled by 1/(1-p): " + v);
                if (v == 0) zeros++;
            }
            assertEquals(0.25, zeros / 20000.0, 0.015);
            d.eval();
            assertSame(x, d.forward(x), "identity in eval mode");
            assertSame(x, new Dropout(0).forward(x));
            assertEquals(0, new Dropout(1).forward(x).abs().sum().item());
            assertEquals("Dropout(p=0.25, inplace=False)", d.toString());
            // the same seed, the same mask, in float32 and float64 alike
            Tensor.manualSeed(3);
            double[] a = Functional.dropout(x, 0.5, true).toDoubleArray();
            Tensor.manualSeed(3);
            double[] b = Functional.dropout(x.to(DType.FLOAT64), 0.5, true).toDoubleArray();
            assertArrayEquals(a, b, 1e-6);
            assertThrows(IllegalArgumentException.class, () -> new Dropout(1.5));
        }
    }

    @Test
    void embeddingLooksUpRowsAndLeavesThePaddingRowWithoutGradient() {
        try (Scope s = Scope.open()) {
            Tensor.manualSeed(4);
            Embedding e = new Embedding(6, 3, 0);
            assertArrayEquals(new double[] {0, 0, 0}, e.weight().select(0, 0).toDoubleArray(), "the padding row starts at zero");
            Tensor ids = Tensor.of(new long[] {2, 0, 2, 5, 2, 0}, 2, 3);
            Tensor out = e.forward(ids);
            assertArrayEquals(new long[] {2, 3, 3}, out.shape());
            assertArrayEquals(e.weight().select(0, 5).toDoubleArray(), out.select(0, 1).select(0, 0).toDoubleArray());
            Tensor g = Tensor.arange(0, 18, 1, DType.FLOAT32, org.jgrad.Device.CPU).reshape(2, 3, 3);
            out.mul(g).sum().backward();
            double[] grad = e.weight().grad().toDoubleArray();
            // row 2 collects positions 0, 2 and 4 (g rows 0, 2, 4), in that order; row 0 is padding
            for (int j = 0; j < 3; j++) {
                assertEquals(0, grad[j], "padding row");
                assertEquals(j + (6 + j) + (12 + j), grad[2 * 3 + j]);
                assertEquals(9 + j, grad[5 * 3 + j]);
                assertEquals(0, grad[3 * 3 + j], "an unused row");
            }
            assertEquals("Embedding(6, 3, padding_idx=0)", e.toString());
            assertEquals("Embedding(4, 2)", new Embedding(4, 2).toString());
            assertEquals("Embedding(4, 2, padding_idx=3)", new Embedding(4, 2, -1).toString(), "a negative padding index counts from the end");
            assertThrows(IllegalArgumentException.class, () -> new Embedding(4, 2, 4));
            IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> e.forward(Tensor.of(new double[] {1}, 1)));
            assertTrue(bad.getMessage().contains("INT64"), bad.getMessage());
        }
    }

    @Test
    void layerNormNormalisesTheTrailingDims() {
        try (Scope s = Scope.open()) {
            LayerNorm ln = new LayerNorm(4);
            Tensor x = Tensor.of(new double[] {1, 2, 3, 4, -10, 0, 10, 20}, 2, 4).to(DType.FLOAT32);
            Tensor y = ln.forward(x);
            assertArrayEquals(new double[] {0, 0}, y.mean(1).toDoubleArray(), 1e-6);
            assertArrayEquals(new double[] {1, 1}, y.var(new int[] {1}, 0, false).toDoubleArray(), 1e-4);
            assertEquals("LayerNorm((4,), eps=1e-05, elementwise_affine=True)", ln.toString());
            assertEquals(List.of("weight", "bias"), List.copyOf(ln.stateDict().keySet()));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ln.forward(Tensor.zeros(2, 5)));
            assertTrue(e.getMessage().contains("[2, 5]") && e.getMessage().contains("[4]"), e.getMessage());
        }
    }

    @Test
    void layerNormFusedBackwardAgreesWithTheRecordedOne() {
        try (Scope s = Scope.open()) {
            Tensor.manualSeed(8);
            Tensor x = Tensor.randn(DType.FLOAT64, org.jgrad.Device.CPU, 5, 3, 70).requiresGrad(true);
            Tensor w = Tensor.randn(DType.FLOAT64, org.jgrad.Device.CPU, 3, 70).requiresGrad(true);
            Tensor b = Tensor.randn(DType.FLOAT64, org.jgrad.Device.CPU, 3, 70).requiresGrad(true);
            Tensor g = Tensor.randn(DType.FLOAT64, org.jgrad.Device.CPU, 5, 3, 70);
            Tensor y = Functional.layerNorm(x, new long[] {3, 70}, w, b, 1e-5);
            Tensor[] fused = org.jgrad.Autograd.grad(y, g, new Tensor[] {x, w, b}, true, false);
            Tensor[] recorded = org.jgrad.Autograd.grad(y, g, new Tensor[] {x, w, b}, true, true);
            for (int i = 0; i < 3; i++) assertArrayEquals(recorded[i].toDoubleArray(), fused[i].toDoubleArray(), 1e-12, "input " + i);
            // the recorded gradient is itself differentiable: d/dx of sum(dx · x) exists and is finite
            Tensor[] second = org.jgrad.Autograd.grad(recorded[0].mul(x).sum(), x);
            for (double v : second[0].toDoubleArray()) assertTrue(Double.isFinite(v));
        }
    }

    @Test
    void splitChunkNormAndLogsumexpEdges() {
        try (Scope s = Scope.open()) {
            Tensor x = Tensor.arange(0, 10, 1, DType.FLOAT32, org.jgrad.Device.CPU);
            List<Tensor> parts = x.split(4, 0);
            assertEquals(3, parts.size());
            assertArrayEquals(new float[] {8, 9}, parts.get(2).toFloatArray());
            assertEquals(List.of(3L, 7L), x.split(new long[] {3, 7}, 0).stream().map(t -> t.size(0)).toList());
            assertThrows(IllegalArgumentException.class, () -> x.split(new long[] {3, 6}, 0));
            List<Tensor> chunks = x.chunk(3, 0);  // ceil(10/3) = 4: 4, 4, 2
            assertEquals(List.of(4L, 4L, 2L), chunks.stream().map(t -> t.size(0)).toList());
            assertEquals(List.of(2L, 2L, 2L), Tensor.zeros(6).chunk(4, 0).stream().map(t -> t.size(0)).toList(), "6 in 4 chunks: three of 2, as PyTorch");
            // the 2-norm's gradient at the zero vector is 0, as PyTorch's
            Tensor z = Tensor.zeros(3).requiresGrad(true);
            z.norm().backward();
            assertArrayEquals(new double[] {0, 0, 0}, z.grad().toDoubleArray());
            // logsumexp: rows of -inf stay -inf, +inf stays +inf, no NaN from the shift
            Tensor r = Tensor.of(new double[] {Double.NEGATIVE_INFINITY, Double.NEGATIVE_INFINITY, 0, Double.POSITIVE_INFINITY, 1000, 1000}, 3, 2);
            double[] l = r.logsumexp(1).toDoubleArray();
            assertEquals(Double.NEGATIVE_INFINITY, l[0]);
            assertEquals(Double.POSITIVE_INFINITY, l[1]);
            assertEquals(1000 + Math.log(2), l[2], 1e-12);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Tensor.of(new long[] {0, 7}, 2).oneHot(5));
            assertTrue(e.getMessage().contains("0..7") && e.getMessage().contains("5 classes"), e.getMessage());
            assertArrayEquals(new long[] {0, 1, 1, 0}, Tensor.of(new long[] {1, 0}, 2).oneHot(-1).toLongArray(), "inferred 2 classes");
        }
    }
}
