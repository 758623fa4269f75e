package org.jgrad.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.function.Function;
import org.jgrad.DType;
import org.jgrad.Device;
import org.jgrad.Tensor;
import org.junit.jupiter.api.Test;

/**
 * Adam, AdamW, RMSprop and Adagrad: 20 steps of each option combination against torch.optim's
 * documented algorithm written out in float64. The loss is Σ (½ p² + c_t p), so each step's
 * gradient, p + c_t, depends on where the previous steps left p.
 */
class AdaptiveOptimizersTest {
    private static final double[] P0 = {1.5, -2, 0.25, 3, -0.5};
    private static final int STEPS = 20;

    private static double[] c(int t) {
        double[] c = new double[P0.length];
        for (int i = 0; i < c.length; i++) c[i] = Math.sin(0.7 * t + i) * (i == 2 ? 1e-3 : 1);
        return c;
    }

    /** Runs the optimizer for STEPS steps on the loss above and returns p. */
    private static double[] run(Function<List<Tensor>, Optimizer<?>> make) {
        Tensor p = Tensor.of(P0.clone(), P0.length).requiresGrad(true);
        Optimizer<?> opt = make.apply(List.of(p));
        for (int t = 1; t <= STEPS; t++) {
            opt.zeroGrad();
            p.mul(p).mul(0.5).add(p.mul(Tensor.of(c(t), P0.length))).sum().backward();
            opt.step();
        }
        assertEquals(STEPS, opt.stepCount(p));
        double[] out = p.toDoubleArray();
        opt.close();
        return out;
    }

    /** The reference: step(t, p, g) updates p in place given this step's gradient. */
    interface Rule {
        void step(int t, double[] p, double[] g);
    }

    private static double[] reference(Rule rule) {
        double[] p = P0.clone();
        for (int t = 1; t <= STEPS; t++) {
            double[] g = c(t);
            for (int i = 0; i < p.length; i++) g[i] += p[i];
            rule.step(t, p, g);
        }
        return p;
    }

    @Test
    void adamAndAdamWEveryOption() {
        for (int combo = 0; combo < 16; combo++) {
            boolean amsgrad = (combo & 1) != 0, maximize = (combo & 2) != 0, decoupled = (combo & 4) != 0;
            double wd = (combo & 8) != 0 ? 0.1 : 0, lr = 0.05, b1 = 0.8, b2 = 0.99, eps = 1e-6;
            double[] m = new double[P0.length], v = new double[P0.length], vmax = new double[P0.length];
            double[] want = reference((t, p, g) -> {
                for (int i = 0; i < p.length; i++) {
                    double gi = maximize ? -g[i] : g[i];
                    if (decoupled) p[i] *= 1 - lr * wd;
                    else gi += wd * p[i];
                    m[i] = b1 * m[i] + (1 - b1) * gi;
                    v[i] = b2 * v[i] + (1 - b2) * gi * gi;
                    vmax[i] = Math.max(vmax[i], v[i]);
                    double denom = Math.sqrt(amsgrad ? vmax[i] : v[i]) / Math.sqrt(1 - Math.pow(b2, t)) + eps;
                    p[i] -= lr / (1 - Math.pow(b1, t)) * m[i] / denom;
                }
            });
            Adam.Options o = (decoupled ? AdamW.options(lr) : Adam.options(lr)).betas(b1, b2).eps(eps).weightDecay(wd).amsgrad(amsgrad)
                    .maximize(maximize);
            double[] got = run(ps -> decoupled ? new AdamW(ps, o) : new Adam(ps, o));
            assertArrayEquals(want, got, 1e-12, "combo " + combo);
        }
    }

    @Test
    void rmspropEveryOption() {
        for (int combo = 0; combo < 16; combo++) {
            boolean centered = (combo & 1) != 0, maximize = (combo & 2) != 0;
            double momentum = (combo & 4) != 0 ? 0.9 : 0, wd = (combo & 8) != 0 ? 0.1 : 0, lr = 0.01, alpha = 0.9, eps = 1e-8;
            double[] sq = new double[P0.length], buf = new double[P0.length], ga = new double[P0.length];
            double[] want = reference((t, p, g) -> {
                for (int i = 0; i < p.length; i++) {
                    double gi = maximize ? -g[i] : g[i];
                    gi += wd * p[i];
                    sq[i] = alpha * sq[i] + (1 - alpha) * gi * gi;
                    double avg;
                    if (centered) {
                        ga[i] = alpha * ga[i] + (1 - alpha) * gi;
                        avg = Math.sqrt(sq[i] - ga[i] * ga[i]) + eps;
                    } else {
                        avg = Math.sqrt(sq[i]) + eps;
                    }
                    if (momentum > 0) {
                        buf[i] = momentum * buf[i] + gi / avg;
                        p[i] -= lr * buf[i];
                    } else {
                        p[i] -= lr * gi / avg;
                    }
                }
            });
            RMSprop.Options o = RMSprop.options(lr).alpha(alpha).eps(eps).momentum(momentum).centered(centered).weightDecay(wd).maximize(maximize);
            assertArrayEquals(want, run(ps -> new RMSprop(ps, o)), 1e-12, "combo " + combo);
        }
    }

    @Test
    void adagradEveryOption() {
        for (int combo = 0; combo < 16; combo++) {
            boolean maximize = (combo & 1) != 0;
            double wd = (combo & 2) != 0 ? 0.1 : 0, lrDecay = (combo & 4) != 0 ? 0.05 : 0, init = (combo & 8) != 0 ? 0.3 : 0, lr = 0.1;
            double[] sum = new double[P0.length];
            java.util.Arrays.fill(sum, init);
            double[] want = reference((t, p, g) -> {
                double clr = lr / (1 + (t - 1) * lrDecay);
                for (int i = 0; i < p.length; i++) {
                    double gi = maximize ? -g[i] : g[i];
                    gi += wd * p[i];
                    sum[i] += gi * gi;
                    p[i] -= clr * gi / (Math.sqrt(sum[i]) + 1e-10);
                }
            });
            Adagrad.Options o = Adagrad.options(lr).lrDecay(lrDecay).weightDecay(wd).initialAccumulatorValue(init).maximize(maximize);
            assertArrayEquals(want, run(ps -> new Adagrad(ps, o)), 1e-12, "combo " + combo);
        }
    }

    @Test
    void stateBuffersAreMadeOnTheFirstStepAndOnlyThoseTheOptionsNeed() {
        Tensor p = Tensor.of(new float[] {1, 2}).requiresGrad(true);
        Adam adam = new Adam(List.of(p));
        assertNull(adam.stateBuffer(p, 0));
        p.sum().backward();
        adam.step();
        assertArrayEquals(new float[] {0.1f, 0.1f}, adam.stateBuffer(p, 0).toFloatArray(), 1e-7f);    // (1 − β₁) g
        assertArrayEquals(new float[] {1e-3f, 1e-3f}, adam.stateBuffer(p, 1).toFloatArray(), 1e-9f);  // (1 − β₂) g²
        assertNull(adam.stateBuffer(p, 2));  // no amsgrad
        assertArrayEquals(new float[] {1 - 1e-3f, 2 - 1e-3f}, p.toFloatArray(), 1e-6f);  // the first step moves by lr
        adam.close();
        Tensor q = Tensor.zeros(DType.FLOAT64, Device.CPU, 3).requiresGrad(true);
        RMSprop rms = new RMSprop(List.of(q), RMSprop.options(0.01).centered(true));
        q.sum().backward();
        rms.step();
        assertTrue(rms.stateBuffer(q, 0) != null && rms.stateBuffer(q, 1) == null && rms.stateBuffer(q, 2) != null);
    }

    @Test
    void parameterGroupsHaveTheirOwnOptions() {
        Tensor a = Tensor.of(new double[] {1}).requiresGrad(true), b = Tensor.of(new double[] {1}).requiresGrad(true);
        SGD opt = new SGD(List.of(a), 0.1);
        opt.addParamGroup(List.of(b), SGD.options(0.5));
        a.sum().add(b.sum()).backward();
        opt.step();
        assertEquals(0.9, a.toDoubleArray()[0], 1e-15);
        assertEquals(0.5, b.toDoubleArray()[0], 1e-15);
        opt.paramGroups().get(1).options().lr(0.25);  // as a scheduler would
        opt.step();
        assertEquals(0.25, b.toDoubleArray()[0], 1e-15);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> opt.addParamGroup(List.of(a)));
        assertTrue(e.getMessage().contains("more than one parameter group"), e.getMessage());
    }

    @Test
    void badOptionsNameTheOptimizerAndTheOption() {
        Tensor p = Tensor.of(new float[] {1}).requiresGrad(true);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new Adam(List.of(p), Adam.options(1e-3).betas(1.0, 0.999))).getMessage()
                .startsWith("Adam: invalid beta parameter at index 0: 1.0"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new AdamW(List.of(p), AdamW.options(-1))).getMessage()
                .startsWith("AdamW: invalid learning rate -1.0"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new RMSprop(List.of(p), RMSprop.options(0.01).alpha(-0.5))).getMessage()
                .startsWith("RMSprop: invalid alpha value -0.5"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new Adagrad(List.of(p), Adagrad.options(0.01).lrDecay(-1))).getMessage()
                .startsWith("Adagrad: invalid lr_decay value -1.0"));
    }

    @Test
    void adamWDecaysByDefault() {
        Tensor p = Tensor.of(new double[] {2}).requiresGrad(true);
        AdamW opt = new AdamW(List.of(p), AdamW.options(0.1));
        p.mul(0.0).sum().backward();  // zero gradient: only the decay moves p
        opt.step();
        assertEquals(2 * (1 - 0.1 * 0.01), p.toDoubleArray()[0], 1e-15);
    }
}
