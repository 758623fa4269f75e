package org.jgrad.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.jgrad.Autograd;
import org.jgrad.DType;
import org.jgrad.Device;
import org.jgrad.Tensor;
import org.junit.jupiter.api.Test;

class SGDTest {
    /** torch.optim.SGD's update written out in float64, for three steps of a fixed gradient sequence. */
    private static double[] reference(double[] p0, double[][] grads, double lr, double mom, double damp, double wd, boolean nesterov,
                                      boolean maximize) {
        double[] p = p0.clone(), buf = null;
        for (double[] g0 : grads) {
            double[] g = new double[p.length];
            for (int i = 0; i < p.length; i++) {
                g[i] = maximize ? -g0[i] : g0[i];
                if (wd != 0) g[i] += wd * p[i];
            }
            if (mom != 0) {
                if (buf == null) buf = g.clone();
                else for (int i = 0; i < p.length; i++) buf[i] = mom * buf[i] + (1 - damp) * g[i];
                for (int i = 0; i < p.length; i++) g[i] = nesterov ? g[i] + mom * buf[i] : buf[i];
            }
            for (int i = 0; i < p.length; i++) p[i] -= lr * g[i];
        }
        return p;
    }

    @Test
    void everyOptionMatchesTorchsUpdateRule() {
        double[] p0 = {1, -2, 0.5, 3};
        double[][] grads = {{0.1, -0.4, 2, 0}, {-1, 0.3, 0.25, 5}, {0.5, 0.5, -0.5, -2}};
        for (int combo = 0; combo < 32; combo++) {
            double mom = (combo & 1) != 0 ? 0.9 : 0, damp = (combo & 2) != 0 && (combo & 8) == 0 ? 0.3 : 0, wd = (combo & 4) != 0 ? 0.1 : 0;
            boolean nesterov = (combo & 8) != 0 && mom != 0, maximize = (combo & 16) != 0;
            Tensor p = Tensor.of(p0, 4).requiresGrad(true);
            SGD opt = new SGD(List.of(p), SGD.options(0.05).momentum(mom).dampening(damp).weightDecay(wd).nesterov(nesterov).maximize(maximize));
            for (double[] g : grads) {
                opt.zeroGrad();
                p.mul(Tensor.of(g, 4)).sum().backward();  // d/dp = g
                opt.step();
            }
            assertArrayEquals(reference(p0, grads, 0.05, mom, damp, wd, nesterov, maximize), p.toDoubleArray(), 1e-14, "combo " + combo);
            opt.close();
        }
    }

    @Test
    void float32StepsAndParametersWithoutGradients() {
        Tensor a = Tensor.of(new float[] {1, 2}).requiresGrad(true), b = Tensor.of(new float[] {3}).requiresGrad(true);
        SGD opt = new SGD(List.of(a, b), 0.5, 0.9);
        a.sum().backward();
        opt.step();
        assertArrayEquals(new float[] {0.5f, 1.5f}, a.toFloatArray(), 0);
        assertArrayEquals(new float[] {3}, b.toFloatArray(), 0);  // no gradient: untouched
        assertArrayEquals(new float[] {1, 1}, opt.momentumBuffer(0).toFloatArray(), 0);
        assertNull(opt.momentumBuffer(1));
        a.sum().backward();  // accumulates: grad 2
        opt.step();          // buf = 0.9 + 2 = 2.9; a -= 0.5 * 2.9
        assertArrayEquals(new float[] {0.5f - 1.45f, 1.5f - 1.45f}, a.toFloatArray(), 1e-6f);
    }

    @Test
    void aStepIsAnInPlaceWriteThatAutogradSees() {
        Tensor w = Tensor.of(new double[] {1, 2}).requiresGrad(true);
        Tensor y = w.mul(w).sum();  // saves w
        SGD opt = new SGD(List.of(w), 0.1);
        w.sum().backward();
        opt.step();
        IllegalStateException e = assertThrows(IllegalStateException.class, y::backward);
        assertTrue(e.getMessage().contains("modified by an in-place operation"), e.getMessage());
    }

    @Test
    void badOptionsAndParametersAreRefused() {
        Tensor p = Tensor.of(new float[] {1}).requiresGrad(true);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new SGD(List.of(p), -1)).getMessage().contains("learning rate"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new SGD(List.of(p), SGD.options(0.1).nesterov(true)))
                .getMessage().contains("Nesterov momentum requires a momentum > 0"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new SGD(List.of(p), SGD.options(0.1).weightDecay(-1)))
                .getMessage().contains("weight decay"));
        Tensor notLeaf = p.mul(2.0);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new SGD(List.of(notLeaf), 0.1)).getMessage()
                .contains("parameter 0 (shape [1], FLOAT32) must be a FLOAT32 or FLOAT64 leaf tensor that requires grad"));
        Tensor ints = Tensor.of(new long[] {1});
        assertThrows(IllegalArgumentException.class, () -> new SGD(List.of(ints), 0.1));
        assertThrows(IllegalArgumentException.class, () -> new SGD(List.of(), 0.1));
    }

    @Test
    void theLearningRateCanBeZero() {
        Tensor p = Tensor.of(new double[] {1, 2}).requiresGrad(true);
        SGD opt = new SGD(List.of(p), 0.0);
        p.sum().backward();
        opt.step();
        assertArrayEquals(new double[] {1, 2}, p.toDoubleArray(), 0);
    }

    @Test
    void worksInsideNoGradAndOnDoubleParametersOnTheCpu() {
        Tensor p = Tensor.zeros(DType.FLOAT64, Device.CPU, 3).requiresGrad(true);
        SGD opt = new SGD(List.of(p), 1);
        p.sum().backward();
        try (var off = Autograd.noGrad()) {
            opt.step();
        }
        assertArrayEquals(new double[] {-1, -1, -1}, p.toDoubleArray(), 0);
    }
}
