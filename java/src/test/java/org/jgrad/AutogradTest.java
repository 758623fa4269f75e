package org.jgrad;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.Function;
import org.junit.jupiter.api.Test;

class AutogradTest {

    @Test
    void gradientsAccumulateWhenATensorIsUsedTwice() {
        Tensor x = Tensor.of(new double[] {1, 2, 3}).requiresGrad(true);
        x.mul(x).add(x).sum().backward();  // d/dx (x² + x) = 2x + 1
        assertArrayEquals(new double[] {3, 5, 7}, x.grad().toDoubleArray(), 0);
        x.mul(3).sum().backward();  // a second backward adds into .grad
        assertArrayEquals(new double[] {6, 8, 10}, x.grad().toDoubleArray(), 0);
        x.zeroGrad();
        assertNull(x.grad());
    }

    @Test
    void broadcastGradientsSumBackToTheInputShape() {
        Tensor a = Tensor.ones(DType.FLOAT64, 2, 3).requiresGrad(true);
        Tensor b = Tensor.of(new double[] {1, 2, 3}).requiresGrad(true);
        Tensor c = Tensor.scalar(2.0, DType.FLOAT64).requiresGrad(true);
        a.mul(b).mul(c).sum().backward();
        assertArrayEquals(new long[] {3}, b.grad().shape());
        assertArrayEquals(new double[] {4, 4, 4}, b.grad().toDoubleArray(), 0);
        assertArrayEquals(new long[0], c.grad().shape());
        assertEquals(12, c.grad().item(), 0);
        assertArrayEquals(new double[] {2, 4, 6, 2, 4, 6}, a.grad().toDoubleArray(), 0);
    }

    @Test
    void deepGraphsDoNotOverflowTheStack() {
        Tensor x = Tensor.scalar(1.0, DType.FLOAT64).requiresGrad(true);
        try (Scope s = Scope.open()) {
            Tensor y = x;
            for (int i = 0; i < 100_000; i++) y = y.mul(1.0000001).add(0.0);
            y.backward();
        }
        assertEquals(Math.pow(1.0000001, 100_000), x.grad().item(), 1e-9);
    }

    @Test
    void secondBackwardNeedsRetainGraph() {
        Tensor x = Tensor.of(new double[] {1, 2}).requiresGrad(true);
        Tensor y = x.exp().sum();
        y.backward(null, true);
        y.backward();
        assertArrayEquals(new double[] {2 * Math.E, 2 * Math.exp(2)}, x.grad().toDoubleArray(), 1e-12);
        IllegalStateException e = assertThrows(IllegalStateException.class, y::backward);
        assertTrue(e.getMessage().contains("second time") && e.getMessage().contains("retainGraph"), e.getMessage());
    }

    @Test
    void inPlaceChangeOfASavedTensorIsDetected() {
        Tensor w = Tensor.of(new double[] {1, 2});  // no grad: in-place is allowed
        Tensor x = Tensor.of(new double[] {3, 4}).requiresGrad(true);
        Tensor y = x.mul(w).sum();
        w.addInPlace(Tensor.ones(DType.FLOAT64, 2));
        IllegalStateException e = assertThrows(IllegalStateException.class, y::backward);
        assertTrue(e.getMessage().contains("MulBackward0") && e.getMessage().contains("in-place"), e.getMessage());

        Tensor z = x.exp();
        Tensor loss = z.sum();
        try (var off = Autograd.noGrad()) {
            z.mulInPlace(2.0);
        }
        e = assertThrows(IllegalStateException.class, loss::backward);
        assertTrue(e.getMessage().contains("ExpBackward0"), e.getMessage());
    }

    @Test
    void inPlaceOnALeafThatRequiresGradIsRefused() {
        Tensor x = Tensor.ones(2).requiresGrad(true);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> x.addInPlace(Tensor.ones(2)));
        assertTrue(e.getMessage().contains("noGrad"), e.getMessage());
    }

    @Test
    void autogradGradLeavesDotGradAlone() {
        Tensor w = Tensor.of(new double[] {0.5, -1}).requiresGrad(true);
        Tensor x = Tensor.of(new double[] {2, 3});
        Tensor mse = x.mul(w).sub(1.0).pow(2).mean();
        Tensor[] g = Autograd.grad(mse, w);
        // d/dw mean((x w - 1)^2) = x (x w - 1)
        assertArrayEquals(new double[] {2 * (1 - 1), 3 * (-3 - 1)}, g[0].toDoubleArray(), 1e-15);
        assertNull(w.grad());
    }

    @Test
    void gradOfAnIntermediate() {
        Tensor x = Tensor.of(new double[] {1, 2}).requiresGrad(true);
        Tensor h = x.mul(3);
        Tensor y = h.pow(2).sum();
        Tensor[] g = Autograd.grad(y, h);
        assertArrayEquals(new double[] {6, 12}, g[0].toDoubleArray(), 0);
    }

    @Test
    void unusedInputsAreReported() {
        Tensor a = Tensor.ones(2).requiresGrad(true);
        Tensor b = Tensor.ones(2).requiresGrad(true);
        Tensor y = a.sum();
        assertThrows(IllegalArgumentException.class, () -> Autograd.grad(y, a, b));
        Tensor y2 = a.sum();
        Tensor[] g = Autograd.grad(y2, null, new Tensor[] {a, b}, false, false, true);
        assertNotNull(g[0]);
        assertNull(g[1]);
    }

    /** Second derivatives via createGraph, against finite differences of the first derivative. */
    @Test
    void gradientsOfGradients() {
        check2("exp", Tensor::exp);
        check2("log", Tensor::log);
        check2("sin", Tensor::sin);
        check2("cos", Tensor::cos);
        check2("sigmoid", Tensor::sigmoid);
        check2("tanh", Tensor::tanh);
        check2("sqrt", Tensor::sqrt);
        check2("pow", x -> x.pow(3.0));
        check2("mul", x -> x.mul(x).mul(x.add(1.0)));
        check2("div", x -> x.rdiv(1.0).div(x.add(2.0)));
        check2("sum", x -> x.mul(x).sum().mul(x));
        check2("matmul", x -> x.reshape(2, 2).matmul(x.reshape(2, 2)).reshape(4));
        check2("softmax", x -> x.softmax(0));
        check2("where+relu", x -> x.mul(x).relu());
    }

    private static void check2(String name, Function<Tensor, Tensor> f) {
        double[] x0 = {0.7, 1.3, 0.4, 1.9};
        double[] v = {0.3, -1.1, 0.8, 0.5};
        Tensor x = Tensor.of(x0.clone()).requiresGrad(true);
        Tensor y = f.apply(x).sum();
        Tensor g = Autograd.grad(y, null, new Tensor[] {x}, true, true)[0];
        assertTrue(g.requiresGrad(), name + ": createGraph must give a differentiable gradient");
        Tensor gv = g.mul(Tensor.of(v)).sum();
        double[] hv = Autograd.grad(gv, x)[0].toDoubleArray();
        double eps = 1e-6;
        for (int i = 0; i < 4; i++) {
            double[] up = x0.clone(), down = x0.clone();
            up[i] += eps;
            down[i] -= eps;
            double num = (dot(firstGrad(f, up), v) - dot(firstGrad(f, down), v)) / (2 * eps);
            assertEquals(num, hv[i], 1e-5 + 1e-4 * Math.abs(num), name + ": second derivative [" + i + "]");
        }
    }

    private static double[] firstGrad(Function<Tensor, Tensor> f, double[] at) {
        Tensor x = Tensor.of(at).requiresGrad(true);
        return Autograd.grad(f.apply(x).sum(), x)[0].toDoubleArray();
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += a[i] * b[i];
        return s;
    }

    @Test
    void noGradIsPerThreadAndNests() throws Exception {
        Tensor x = Tensor.ones(2).requiresGrad(true);
        try (var outer = Autograd.noGrad()) {
            try (var inner = Autograd.enableGrad()) {
                assertTrue(x.mul(2).requiresGrad());
            }
            assertTrue(!x.mul(2).requiresGrad());
            boolean[] other = new boolean[1];
            Thread t = new Thread(() -> other[0] = Autograd.isGradEnabled());
            t.start();
            t.join();
            assertTrue(other[0], "another thread still records");
        }
    }

    @Test
    void customOpsRecordTheirBackward() {
        Tensor x = Tensor.of(new double[] {1, 2}).requiresGrad(true);
        Tensor y;
        try (var off = Autograd.noGrad()) {
            y = x.mul(x).mul(x);
        }
        Autograd.record(y, "CubeBackward", new Tensor[] {x}, new Tensor[] {x}, (ctx, g) -> new Tensor[] {g.mul(ctx.saved(0).pow(2).mul(3.0))});
        assertEquals("CubeBackward", y.gradFnName());
        y.sum().backward();
        assertArrayEquals(new double[] {3, 12}, x.grad().toDoubleArray(), 0);
    }

    @Test
    void customOpContextSaysWhichInputsNeedGrad() {
        Tensor a = Tensor.of(new double[] {1, 2}).requiresGrad(true);
        Tensor b = Tensor.of(new double[] {3, 4});
        Tensor y;
        try (var off = Autograd.noGrad()) {
            y = a.mul(b);
        }
        boolean[] seen = new boolean[3];
        Autograd.record(y, "MyMul", new Tensor[] {a, b}, new Tensor[] {a, b}, (ctx, g) -> {
            seen[0] = ctx.needsInputGrad(0);
            seen[1] = ctx.needsInputGrad(1);
            seen[2] = ctx.savedCount() == 2;
            // a gradient for b is returned anyway: the engine drops what is not needed
            return new Tensor[] {g.mul(ctx.saved(1)), g.mul(ctx.saved(0))};
        });
        y.sum().backward();
        assertArrayEquals(new boolean[] {true, false, true}, seen);
        assertArrayEquals(new double[] {3, 4}, a.grad().toDoubleArray(), 0);
        assertEquals(null, b.grad());
    }

    @Test
    void gradFnNamesFollowPyTorch() {
        Tensor x = Tensor.ones(2).requiresGrad(true);
        assertEquals("MulBackward0", x.mul(x).gradFnName());
        assertEquals("SigmoidBackward0", x.sigmoid().gradFnName());
        assertEquals("SumBackward0", x.sum().gradFnName());
        assertEquals("MmBackward0", x.reshape(1, 2).matmul(x.reshape(2, 1)).gradFnName());
        assertTrue(x.mul(x).toString().endsWith("grad_fn=<MulBackward0>)"));
        assertTrue(x.toString().endsWith("requires_grad=True)"));
    }

    @Test
    void weightGradientThroughTransposeIsDenseAndAdopted() {
        // y = x·Wᵀ as nn.Linear computes it: W's gradient arrives through the transpose view already
        // dense, so it becomes W.grad as it is (gᵀ·x), not a strided copy
        Tensor x = Tensor.of(new double[] {1, 2, 3, 4, 5, 6}, 2, 3);
        Tensor w = Tensor.of(new double[] {0.5, -1, 2, 1.5, 0, -0.5, 1, 1, 1, 2, -2, 0.25}, 4, 3).requiresGrad(true);
        Tensor g = Tensor.of(new double[] {1, 0, -1, 2, 0.5, 3, 1, -2}, 2, 4);
        Tensor wt = w.t();
        Tensor y = x.matmul(wt);
        Tensor[] direct = y.gradFn().apply(g);
        assertArrayEquals(wt.strides(), direct[1].strides());  // the gradient of Wᵀ has Wᵀ's layout
        assertEquals(null, direct[0]);                         // x needs none
        y.backward(g);
        assertTrue(w.grad().isContiguous());
        double[] want = new double[12];
        for (int o = 0; o < 4; o++)
            for (int i = 0; i < 3; i++)
                for (int b = 0; b < 2; b++) want[o * 3 + i] += g.toDoubleArray()[b * 4 + o] * x.toDoubleArray()[b * 3 + i];
        assertArrayEquals(want, w.grad().toDoubleArray(), 1e-12);
        assertArrayEquals(new long[] {3, 1}, w.grad().strides());
    }

    @Test
    void postAccumulateHooksSeeEachLeafsFinalGradientOncePerPass() {
        try (Scope s = Scope.open()) {
            Tensor w = Tensor.of(new double[] {1, 2}).requiresGrad(true);
            Tensor b = Tensor.of(new double[] {3}).requiresGrad(true);
            java.util.List<String> events = new java.util.ArrayList<>();
            Tensor.HookHandle hw = w.registerPostAccumulateGradHook(p -> {
                events.add("w " + java.util.Arrays.toString(p.grad().toDoubleArray()));
                Autograd.queueCallback(() -> {
                    events.add("end, b.grad " + java.util.Arrays.toString(b.grad().toDoubleArray()));
                    Autograd.queueCallback(() -> events.add("queued by a callback"));
                });
            });
            Tensor.HookHandle hb = b.registerPostAccumulateGradHook(p -> events.add("b " + java.util.Arrays.toString(p.grad().toDoubleArray())));
            // w reaches the loss by two paths: its hook runs once, with both contributions summed
            w.mul(w).sum().add(w.mul(b).sum()).backward();  // d/dw = 2w + b = [5, 7]; d/db = sum(w) = 3
            assertEquals(4, events.size(), events.toString());
            assertTrue(events.contains("w [5.0, 7.0]") && events.contains("b [3.0]"), events.toString());
            assertEquals("end, b.grad [3.0]", events.get(2), "the callback runs after every leaf is done");
            assertEquals("queued by a callback", events.get(3));
            // a second pass accumulates into .grad; the hook sees the sum
            events.clear();
            w.sum().backward();
            assertEquals(java.util.List.of("w [6.0, 8.0]", "end, b.grad [3.0]", "queued by a callback"), events);
            // removed hooks stop; Autograd.grad runs none
            hw.close();
            hb.close();
            events.clear();
            w.sum().backward();
            Autograd.grad(w.sum(), w);
            assertTrue(events.isEmpty(), events.toString());
        }
    }

    @Test
    void callbacksAndHooksRefuseMisuse() {
        IllegalStateException outside = assertThrows(IllegalStateException.class, () -> Autograd.queueCallback(() -> {}));
        assertTrue(outside.getMessage().contains("no backward pass is running"), outside.getMessage());
        Tensor x = Tensor.of(new double[] {1, 2}).requiresGrad(true);
        IllegalArgumentException nonLeaf = assertThrows(IllegalArgumentException.class, () -> x.mul(2).registerPostAccumulateGradHook(p -> {}));
        assertTrue(nonLeaf.getMessage().contains("MulBackward0"), nonLeaf.getMessage());
        IllegalArgumentException noGrad = assertThrows(IllegalArgumentException.class, () -> Tensor.of(new double[] {1}).registerPostAccumulateGradHook(p -> {}));
        assertTrue(noGrad.getMessage().contains("does not require grad"), noGrad.getMessage());
        // a hook that throws fails the pass, and the callbacks it queued do not run
        java.util.List<String> ran = new java.util.ArrayList<>();
        x.registerPostAccumulateGradHook(p -> {
            Autograd.queueCallback(() -> ran.add("callback"));
            throw new IllegalStateException("hook failed");
        });
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> x.sum().backward());
        assertEquals("hook failed", e.getMessage());
        assertTrue(ran.isEmpty());
    }

    @Test
    void setGradReplacesTheGradientAndChecksIt() {
        Tensor w = Tensor.of(new double[] {1, 2}).requiresGrad(true);
        w.mul(3).sum().backward();
        Tensor old = w.grad();
        Tensor g;
        try (Scope s = Scope.open()) {
            g = Tensor.of(new double[] {5, 6});
            w.setGrad(g);
        }
        assertTrue(old.isClosed(), "the replaced gradient is freed");
        assertFalse(g.isClosed(), "the new gradient belongs to the tensor, not to the scope");
        assertArrayEquals(new double[] {5, 6}, w.grad().toDoubleArray(), 0);
        w.sum().backward();  // accumulates into it
        assertArrayEquals(new double[] {6, 7}, w.grad().toDoubleArray(), 0);
        IllegalArgumentException shape = assertThrows(IllegalArgumentException.class, () -> w.setGrad(Tensor.of(new double[] {1, 2, 3})));
        assertTrue(shape.getMessage().contains("shape [3]") && shape.getMessage().contains("shape [2]"), shape.getMessage());
        IllegalArgumentException dtype = assertThrows(IllegalArgumentException.class, () -> w.setGrad(Tensor.of(new float[] {1, 2})));
        assertTrue(dtype.getMessage().contains("FLOAT32") && dtype.getMessage().contains("FLOAT64"), dtype.getMessage());
        assertThrows(IllegalArgumentException.class, () -> w.setGrad(Tensor.of(new double[] {1, 2}).requiresGrad(true)));
        w.setGrad(null);
        assertNull(w.grad());
    }
}
