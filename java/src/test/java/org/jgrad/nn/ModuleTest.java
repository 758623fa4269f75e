package org.jgrad.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jgrad.DType;
import org.jgrad.Scope;
import org.jgrad.Tensor;
import org.junit.jupiter.api.Test;

class ModuleTest {
    /** A module written the way users write them: submodules registered as fields. */
    static final class Encoder extends Module {
        final Linear fc1 = registerModule("fc1", new Linear(4, 3));
        final Linear fc2 = registerModule("fc2", new Linear(3, 2, false));
        final Tensor scale = registerParameter("scale", Tensor.ones(2));
        final Tensor seen = registerBuffer("seen", Tensor.zeros(1));

        @Override
        public Tensor forward(Tensor x) {
            return fc2.forward(fc1.forward(x).tanh()).mul(parameter("scale"));
        }
    }

    static final class Net extends Module {
        final Encoder encoder = registerModule("encoder", new Encoder());
        final Sequential head = registerModule("head", new Sequential(new Linear(2, 2), new ReLU()));

        @Override
        public Tensor forward(Tensor x) {
            return head.forward(encoder.forward(x));
        }
    }

    /** PyTorch's order: a module's own parameters (then buffers, in the state dict) before its submodules'. */
    @Test
    void namesAreDottedInPyTorchsOrder() {
        Tensor.manualSeed(1);
        Net net = new Net();
        assertEquals(List.of("encoder.scale", "encoder.fc1.weight", "encoder.fc1.bias", "encoder.fc2.weight", "head.0.weight", "head.0.bias"),
                List.copyOf(net.namedParameters().keySet()));
        assertEquals(List.of("encoder.seen"), List.copyOf(net.namedBuffers().keySet()));
        assertEquals(List.of("encoder.scale", "encoder.seen", "encoder.fc1.weight", "encoder.fc1.bias", "encoder.fc2.weight", "head.0.weight",
                "head.0.bias"), List.copyOf(net.stateDict().keySet()));
        assertEquals(6, net.parameters().size());
        for (Tensor p : net.parameters()) assertTrue(p.requiresGrad() && p.isLeaf());
        assertFalse(net.buffers().get(0).requiresGrad());
        assertEquals(List.of("encoder", "head"), List.copyOf(net.namedChildren().keySet()));
        net.close();
    }

    @Test
    void printsTheTreeAsPyTorchDoes() {
        Sequential s = new Sequential(new Linear(784, 256), new ReLU(), new Linear(256, 10, false), new LeakyReLU(0.2), new Flatten());
        assertEquals("Sequential(\n"
                + "  (0): Linear(in_features=784, out_features=256, bias=True)\n"
                + "  (1): ReLU()\n"
                + "  (2): Linear(in_features=256, out_features=10, bias=False)\n"
                + "  (3): LeakyReLU(negative_slope=0.2)\n"
                + "  (4): Flatten(start_dim=1, end_dim=-1)\n"
                + ")", s.toString());
        Net net = new Net();
        assertTrue(net.toString().startsWith("Net(\n  (encoder): Encoder(\n    (fc1): Linear(in_features=4, out_features=3, bias=True)\n"), net.toString());
        assertTrue(net.toString().endsWith("    (1): ReLU()\n  )\n)"), net.toString());
    }

    @Test
    void forwardAndGradientsThroughTheTree() {
        Tensor.manualSeed(2);
        Sequential s = new Sequential(new Linear(3, 4), new Tanh(), new Linear(4, 2), new Sigmoid());
        Tensor x = Tensor.of(new float[] {1, -2, 0.5f, 0.25f, 2, -1}, 2, 3);
        Linear a = (Linear) s.get(0), b = (Linear) s.get(2);
        Tensor want = x.matmul(a.weight().t()).add(a.bias()).tanh().matmul(b.weight().t()).add(b.bias()).sigmoid();
        Tensor y = s.forward(x);
        assertArrayEquals(want.toFloatArray(), y.toFloatArray(), 0);
        y.sum().backward();
        for (Tensor p : s.parameters()) assertTrue(p.grad() != null);
        s.zeroGrad();
        for (Tensor p : s.parameters()) assertNull(p.grad());
    }

    @Test
    void trainAndEvalReachEverySubmodule() {
        Net net = new Net();
        assertTrue(net.isTraining() && net.encoder.fc1.isTraining());
        net.eval();
        assertFalse(net.isTraining() || net.encoder.fc2.isTraining() || net.head.get(1).isTraining());
        net.train();
        assertTrue(net.head.get(0).isTraining());
    }

    @Test
    void stateDictRoundTripAndStrictLoading() {
        Tensor.manualSeed(3);
        Net a = new Net();
        Tensor.manualSeed(4);
        Net b = new Net();
        Tensor x = Tensor.randn(5, 4);
        assertFalse(java.util.Arrays.equals(a.forward(x).toFloatArray(), b.forward(x).toFloatArray()));
        b.loadStateDict(a.stateDict());
        assertArrayEquals(a.forward(x).toFloatArray(), b.forward(x).toFloatArray(), 0);
        // the views share the module's memory
        Map<String, Tensor> sd = a.stateDict();
        assertArrayEquals(a.encoder.fc1.weight().toFloatArray(), sd.get("encoder.fc1.weight").toFloatArray(), 0);
        // every problem named, nothing copied
        LinkedHashMap<String, Tensor> bad = new LinkedHashMap<>(a.stateDict());
        bad.remove("head.0.bias");
        bad.put("head.9.weight", Tensor.zeros(1));
        bad.put("encoder.fc1.weight", Tensor.zeros(3, 5));
        float[] before = b.encoder.fc1.bias().toFloatArray();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> b.loadStateDict(bad));
        assertTrue(e.getMessage().contains("missing keys [head.0.bias]"), e.getMessage());
        assertTrue(e.getMessage().contains("unexpected keys [head.9.weight]"), e.getMessage());
        assertTrue(e.getMessage().contains("size mismatch for encoder.fc1.weight: checkpoint [3, 5], model [3, 4]"), e.getMessage());
        assertArrayEquals(before, b.encoder.fc1.bias().toFloatArray(), 0);
        // non-strict: the shared keys load, the rest is ignored; a shape mismatch is still an error
        bad.put("encoder.fc1.weight", a.encoder.fc1.weight());
        b.loadStateDict(bad, false);
        assertThrows(IllegalArgumentException.class, () -> b.loadStateDict(Map.of("encoder.scale", Tensor.ones(3)), false));
    }

    @Test
    void toDtypeReplacesParametersAndLoadingConverts() {
        Tensor.manualSeed(5);
        Net net = new Net();
        Tensor oldW = net.encoder.fc1.weight();
        float[] w = oldW.toFloatArray();
        net.to(DType.FLOAT64);
        Tensor newW = net.encoder.fc1.weight();
        assertNotSame(oldW, newW);
        assertTrue(oldW.isClosed());
        assertEquals(DType.FLOAT64, newW.dtype());
        assertTrue(newW.requiresGrad() && newW.isLeaf());
        double[] back = newW.toDoubleArray();
        for (int i = 0; i < w.length; i++) assertEquals(w[i], back[i], 0);
        Tensor x = Tensor.randn(DType.FLOAT64, org.jgrad.Device.CPU, 2, 4);
        assertEquals(DType.FLOAT64, net.forward(x).dtype());
        Net f32 = new Net();
        f32.loadStateDict(net.stateDict());  // float64 values into float32 parameters
        assertArrayEquals(w, f32.encoder.fc1.weight().toFloatArray(), 0);
    }

    @Test
    void registrationErrorsAndOwnership() {
        assertThrows(IllegalArgumentException.class, () -> new Module() {
            { registerParameter("a.b", Tensor.ones(1)); }

            @Override
            public Tensor forward(Tensor x) {
                return x;
            }
        });
        assertThrows(IllegalArgumentException.class, () -> new Module() {
            { registerParameter("w", Tensor.ones(1)); registerBuffer("w", Tensor.ones(1)); }

            @Override
            public Tensor forward(Tensor x) {
                return x;
            }
        });
        Tensor computed = Tensor.ones(2).requiresGrad(true).mul(2.0);
        assertThrows(IllegalArgumentException.class, () -> new Module() {
            { registerParameter("w", computed); }

            @Override
            public Tensor forward(Tensor x) {
                return x;
            }
        });
        // parameters made inside a Scope belong to the module, not the scope
        Linear fc;
        try (Scope s = Scope.open()) {
            fc = new Linear(2, 2);
        }
        assertFalse(fc.weight().isClosed());
        fc.close();
        assertTrue(fc.weight().isClosed() && fc.bias().isClosed());
    }

    @Test
    void shapeLayers() {
        Tensor x = Tensor.ones(2, 3, 4, 5);
        assertArrayEquals(new long[] {2, 60}, new Flatten().forward(x).shape());
        assertArrayEquals(new long[] {2, 12, 5}, new Flatten(1, 2).forward(x).shape());
        assertArrayEquals(new long[] {2, 3, 4, 5}, new Identity().forward(x).shape());
        assertThrows(IllegalArgumentException.class, () -> new Flatten(3, 1).forward(x));
        Tensor y = Tensor.of(new double[] {1, 2, 3, 4}, 2, 2);
        assertArrayEquals(y.softmax(1).toDoubleArray(), new Softmax(1).forward(y).toDoubleArray(), 0);
        assertArrayEquals(y.logSoftmax(0).toDoubleArray(), new LogSoftmax(0).forward(y).toDoubleArray(), 0);
    }
}
