package org.jgrad;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.jgrad.nn.Functional;
import org.junit.jupiter.api.Test;

/** The seed document's worked examples (shared/seed/WORKED_EXAMPLES.md), number for number. */
class WorkedExamplesTest {

    @Test
    void gradientOfZEqualsYSquaredMinusXSquared() {
        double[][] points = {{0, 0}, {1, 1}};
        double[][] expected = {{0, 0}, {-2, 2}};
        for (int p = 0; p < points.length; p++) {
            Tensor x = Tensor.scalar(points[p][0], DType.FLOAT64).requiresGrad(true);
            Tensor y = Tensor.scalar(points[p][1], DType.FLOAT64).requiresGrad(true);
            Tensor z = y.pow(2).sub(x.pow(2));
            z.backward();
            assertEquals(expected[p][0], x.grad().item(), 0.0);
            assertEquals(expected[p][1], y.grad().item(), 0.0);
        }
    }

    /** f(x) = x² sin x; descent from 2.5 with lr 0.005 to the local minimum. */
    @Test
    void gradientDescentOnXSquaredSinX() {
        Tensor x = Tensor.scalar(2.5, DType.FLOAT64).requiresGrad(true);
        Tensor f0 = x.pow(2).mul(x.sin());
        f0.backward();
        assertEquals(-2.0147868766, x.grad().item(), 1e-10);  // the document's "-10" is a slip
        x.zeroGrad();
        double lr = 0.005;
        int steps = 0;
        double step = Double.MAX_VALUE;
        while (Math.abs(step) >= 1e-7 && steps < 10_000) {
            Tensor f = x.pow(2).mul(x.sin());
            f.backward();
            step = lr * x.grad().item();
            try (var off = Autograd.noGrad()) {
                x.subInPlace(x.grad().mul(lr));
            }
            x.zeroGrad();
            steps++;
        }
        assertEquals(5.0869850941, x.item(), 1e-5);
        double xs = x.item();
        assertEquals(-24.0829602231, xs * xs * Math.sin(xs), 1e-9);
        assertTrue(steps > 100 && steps < 170, "steps: " + steps);  // "about 135 iterations"
    }

    @Test
    void aStepWithoutTheLearningRateOvershoots() {
        double x = 2.5;
        for (int i = 0; i < 2; i++) {
            Tensor t = Tensor.scalar(x, DType.FLOAT64).requiresGrad(true);
            t.pow(2).mul(t.sin()).backward();
            x = x - t.grad().item();
        }
        // 2.5 -> 4.51 -> 17.3: the full-gradient step leaps far past the minimum at 5.087
        assertTrue(x > 15, "x after two full steps: " + x);
    }

    @Test
    void gradientsOfCommonFunctions() {
        double xv = 1.5, wv = 0.7, bv = -0.3, yv = 2.0;
        Tensor x = Tensor.scalar(xv, DType.FLOAT64);
        Tensor target = Tensor.scalar(yv, DType.FLOAT64);

        Tensor[] g = grads(null, (w, b) -> x.mul(w).add(b), wv, bv);
        assertEquals(xv, g[0].item(), 1e-15);
        assertEquals(1.0, g[1].item(), 1e-15);

        g = grads(null, (w, b) -> x.mul(w.pow(2)).add(b.pow(2)), wv, bv);
        assertEquals(2 * xv * wv, g[0].item(), 1e-15);
        assertEquals(2 * bv, g[1].item(), 1e-15);

        g = grads(null, (w, b) -> x.mul(w.exp()).add(b.exp()), wv, bv);
        assertEquals(xv * Math.exp(wv), g[0].item(), 1e-14);
        assertEquals(Math.exp(bv), g[1].item(), 1e-15);

        g = grads(null, (w, b) -> target.sub(x.mul(w).add(b)).pow(2), wv, bv);
        double r = yv - (xv * wv + bv);
        assertEquals(-2 * r * xv, g[0].item(), 1e-14);
        assertEquals(-2 * r, g[1].item(), 1e-14);

        g = grads(null, (w, b) -> target.mul(x.mul(w).add(b).log()), wv, bv);
        double lin = xv * wv + bv;
        assertEquals(yv * xv / lin, g[0].item(), 1e-14);
        assertEquals(yv / lin, g[1].item(), 1e-14);

        // the same MSE loss through Functional.mseLoss and one step of training
        Tensor w = Tensor.scalar(wv, DType.FLOAT64).requiresGrad(true);
        Tensor b = Tensor.scalar(bv, DType.FLOAT64).requiresGrad(true);
        Tensor loss = Functional.mseLoss(x.mul(w).add(b), target);
        loss.backward();
        assertEquals(-2 * r * xv, w.grad().item(), 1e-14);
        try (var off = Autograd.noGrad()) {
            w.subInPlace(w.grad().mul(0.1));
            b.subInPlace(b.grad().mul(0.1));
        }
        double after = Math.pow(yv - (x.item() * w.item() + b.item()), 2);
        assertTrue(after < r * r, "one step lowers the loss: " + r * r + " -> " + after);
    }

    private interface F2 {
        Tensor apply(Tensor w, Tensor b);
    }

    private static Tensor[] grads(Object unused, F2 f, double wv, double bv) {
        Tensor w = Tensor.scalar(wv, DType.FLOAT64).requiresGrad(true);
        Tensor b = Tensor.scalar(bv, DType.FLOAT64).requiresGrad(true);
        return Autograd.grad(f.apply(w, b), w, b);
    }

    @Test
    void sigmoidSaturatesWithoutNaN() {
        Tensor x = Tensor.linspace(-100, 100, 10).requiresGrad(true);
        float[] in = x.toFloatArray();
        float[] expectIn = {-100f, -77.7778f, -55.5556f, -33.3333f, -11.1111f, 11.1111f, 33.3333f, 55.5556f, 77.7778f, 100f};
        assertArrayEquals(expectIn, in, 1e-4f);
        Tensor y = x.sigmoid();
        float[] out = y.toFloatArray();
        double[] ref = {3.7201e-44, 1.6655e-34, 7.4564e-25, 3.3382e-15, 1.4945e-05, 9.9999e-01, 1, 1, 1, 1};
        assertEquals(0.0f, out[0], 0.0f);  // below float32's range, as PyTorch prints 0.0000e+00
        for (int i = 1; i < 10; i++) assertEquals(ref[i], out[i], Math.abs(ref[i]) * 1e-4 + 1e-9, "sigmoid at " + in[i]);
        y.sum().backward();
        for (float gv : x.grad().toFloatArray()) assertTrue(Float.isFinite(gv) && gv >= 0);
        assertEquals(0.0, x.grad().toFloatArray()[0], 1e-30);  // vanishing gradient
        // the float64 values match the document's numbers
        double[] out64 = Tensor.linspace(-100, 100, 10, DType.FLOAT64).sigmoid().toDoubleArray();
        for (int i = 0; i < 10; i++) assertEquals(ref[i], out64[i], Math.abs(ref[i]) * 1e-4);
        assertTrue(y.toString().startsWith("tensor([0.0000e+00, 1.6655e-34, 7.4564e-25"), y.toString());
    }

    @Test
    void sigmoidDerivativeIsSigmaTimesOneMinusSigma() {
        Tensor x = Tensor.linspace(-3, 3, 7, DType.FLOAT64).requiresGrad(true);
        Tensor s = x.sigmoid();
        s.backward(Tensor.onesLike(s));
        double[] sv = s.toDoubleArray(), gv = x.grad().toDoubleArray();
        for (int i = 0; i < 7; i++) assertEquals(sv[i] * (1 - sv[i]), gv[i], 1e-16);
    }

    @Test
    void tanhOnLinspace() {
        Tensor x = Tensor.linspace(-1, 1, 10, DType.FLOAT64).requiresGrad(true);
        Tensor t = x.tanh();
        t.sum().backward();
        double[] xv = x.toDoubleArray(), tv = t.toDoubleArray(), gv = x.grad().toDoubleArray();
        for (int i = 0; i < 10; i++) {
            double s = 1 / (1 + Math.exp(-2 * xv[i]));
            assertEquals(2 * s - 1, tv[i], 1e-15);  // tanh(x) = 2σ(2x) − 1
            assertEquals(1 - tv[i] * tv[i], gv[i], 1e-15);
            assertTrue(tv[i] > -1 && tv[i] < 1);
        }
    }

    @Test
    void reluOnLinspace() {
        Tensor x = Tensor.linspace(-1, 1, 10).requiresGrad(true);
        Tensor r = x.relu();
        r.sum().backward();
        float[] xv = x.toFloatArray(), rv = r.toFloatArray(), gv = x.grad().toFloatArray();
        for (int i = 0; i < 10; i++) {
            assertEquals(Math.max(0, xv[i]), rv[i], 0f);
            assertEquals(xv[i] > 0 ? 1f : 0f, gv[i], 0f);
        }
        Tensor zero = Tensor.zeros(1).requiresGrad(true);
        zero.relu().sum().backward();
        assertEquals(0f, zero.grad().toFloatArray()[0], 0f);  // PyTorch's choice at x = 0
    }

    @Test
    void turningGradientsOff() {
        Tensor x = Tensor.ones(3).requiresGrad(true);
        Tensor y;
        try (var g = Autograd.noGrad()) {
            y = x.mul(2);
            assertFalse(Autograd.isGradEnabled());
        }
        assertTrue(Autograd.isGradEnabled());
        assertFalse(y.requiresGrad());
        assertNull(y.gradFnName());
        Tensor d = x.mul(2).detach();
        assertFalse(d.requiresGrad());
        Tensor plain = Tensor.ones(3);
        assertFalse(plain.requiresGrad());
        assertFalse(plain.mul(x.detach()).requiresGrad());
        assertTrue(x.mul(2).requiresGrad());
    }
}
