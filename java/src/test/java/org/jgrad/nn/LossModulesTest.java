package org.jgrad.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.jgrad.Scope;
import org.jgrad.Tensor;
import org.junit.jupiter.api.Test;

class LossModulesTest {
    @Test
    void modulesComputeTheirFunctionalForms() {
        try (Scope s = Scope.open()) {
            Tensor logits = Tensor.of(new double[] {1, -2, 0.5, 3, 0, -1}, 2, 3);
            Tensor labels = Tensor.of(new long[] {2, 0}, 2);
            Tensor w = Tensor.of(new double[] {0.5, 1, 2}, 3);
            CrossEntropyLoss ce = new CrossEntropyLoss(CrossEntropyLoss.options().weight(w).labelSmoothing(0.1));
            assertEquals(Functional.crossEntropy(logits, labels, w, -100, 0.1, Reduction.MEAN).item(), ce.forward(logits, labels).item());
            assertEquals(List.of("weight"), List.copyOf(ce.stateDict().keySet()));
            assertEquals(Functional.crossEntropy(logits, labels).item(), new CrossEntropyLoss().forward(logits, labels).item());
            assertEquals(Functional.nllLoss(logits.logSoftmax(1), labels).item(), new NLLLoss().forward(logits.logSoftmax(1), labels).item());
            Tensor p = logits.sigmoid(), y = Tensor.of(new double[] {1, 0, 1, 0, 0, 1}, 2, 3);
            assertEquals(Functional.binaryCrossEntropy(p, y).item(), new BCELoss().forward(p, y).item());
            assertEquals(Functional.mseLoss(p, y).item(), new MSELoss().forward(p, y).item());
            assertEquals(Functional.l1Loss(p, y, Reduction.SUM).item(), new L1Loss(Reduction.SUM).forward(p, y).item());
            // with logits, BCE equals BCE of the sigmoid (where the latter is accurate)
            assertEquals(new BCELoss().forward(p, y).item(), new BCEWithLogitsLoss().forward(logits, y).item(), 1e-12);
            assertEquals("CrossEntropyLoss()", ce.toString());
            UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class, () -> new MSELoss().forward(p));
            assertTrue(e.getMessage().contains("forward(input, target)"), e.getMessage());
        }
    }

    @Test
    void logitsLossIsStableWherePlainBceOverflows() {
        try (Scope s = Scope.open()) {
            Tensor x = Tensor.of(new double[] {100, -100, 800}, 3).requiresGrad(true);
            Tensor y = Tensor.of(new double[] {0, 1, 0}, 3);
            Tensor loss = Functional.binaryCrossEntropyWithLogits(x, y, null, null, Reduction.NONE);
            assertArrayEquals(new double[] {100, 100, 800}, loss.toDoubleArray(), 1e-12);
            loss.sum().backward();
            // d/dx = sigmoid(x) - y
            assertArrayEquals(new double[] {1, -1, 1}, x.grad().toDoubleArray(), 1e-12);
            // posWeight multiplies the positive term: y = 1, x = 0: posWeight · log 2
            Tensor one = Tensor.of(new double[] {1}, 1), zero = Tensor.of(new double[] {0}, 1);
            assertEquals(3 * Math.log(2), new BCEWithLogitsLoss(null, Tensor.of(new double[] {3}, 1), Reduction.MEAN).forward(zero, one).item(), 1e-15);
        }
    }

    @Test
    void labelSmoothingAndWeightsFollowPyTorchsDefinitions() {
        try (Scope s = Scope.open()) {
            // two classes, uniform logits: every class has log-probability -log 2, whatever the smoothing
            Tensor logits = Tensor.zeros(3, 2).to(org.jgrad.DType.FLOAT64);
            Tensor labels = Tensor.of(new long[] {0, 1, -100}, 3);
            assertEquals(Math.log(2), Functional.crossEntropy(logits, labels, null, -100, 0.4, Reduction.MEAN).item(), 1e-15);
            Tensor w = Tensor.of(new double[] {1, 3}, 2);
            // weighted mean: (1·log2 + 3·log2) / (1 + 3); the ignored row counts nowhere
            assertEquals(Math.log(2), Functional.crossEntropy(logits, labels, w, -100, 0, Reduction.MEAN).item(), 1e-15);
            assertEquals(4 * Math.log(2), Functional.crossEntropy(logits, labels, w, -100, 0, Reduction.SUM).item(), 1e-15);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Functional.crossEntropy(logits, labels, Tensor.ones(3).to(org.jgrad.DType.FLOAT64), -100, 0, Reduction.MEAN));
            assertTrue(e.getMessage().contains("weight") && e.getMessage().contains("[2]"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> CrossEntropyLoss.options().labelSmoothing(1.5));
        }
    }
}
