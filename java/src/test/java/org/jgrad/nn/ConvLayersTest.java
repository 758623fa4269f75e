package org.jgrad.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.jgrad.Autograd;
import org.jgrad.DType;
import org.jgrad.Scope;
import org.jgrad.Tensor;
import org.jgrad.optim.SGD;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The convolution, pooling and channel-normalisation modules beyond the registry's gradchecks:
 * PyTorch's initialisation bounds, batch norm's running statistics against a float64 reference of
 * PyTorch's update, train/eval switching, second derivatives, state dicts, reprs and bad input.
 */
class ConvLayersTest {
    static Tensor rand(long seed, DType dt, long... shape) {
        Tensor.manualSeed(seed);
        return Tensor.randn(dt, org.jgrad.Device.CPU, shape);
    }

    @Test
    void convInitialisationStaysInsidePyTorchsBound() {
        try (Scope s = Scope.open()) {
            Conv2d c = new Conv2d(3, 8, new int[] {5, 3}, new int[] {1}, new int[] {0}, new int[] {1}, 1, true, DType.FLOAT32, org.jgrad.Device.CPU);
            double bound = 1 / Math.sqrt(3 * 5 * 3);
            assertArrayEquals(new long[] {8, 3, 5, 3}, c.weight().shape());
            for (double v : c.weight().toDoubleArray()) assertTrue(Math.abs(v) <= bound);
            for (double v : c.bias().toDoubleArray()) assertTrue(Math.abs(v) <= bound);
            // uniform: the spread fills most of the range
            assertTrue(c.weight().abs().max().item() > 0.9 * bound);
            ConvTranspose2d t = new ConvTranspose2d(4, 6, 3, 2, 1);
            assertArrayEquals(new long[] {4, 6, 3, 3}, t.weight().shape());
            for (double v : t.weight().toDoubleArray()) assertTrue(Math.abs(v) <= 1 / Math.sqrt(6 * 9));
        }
    }

    @Test
    void batchNormRunningStatisticsFollowPyTorchsUpdate() {
        try (Scope s = Scope.open()) {
            BatchNorm2d bn = new BatchNorm2d(3, 1e-5, 0.1, true, true, DType.FLOAT64, org.jgrad.Device.CPU);
            double[] rm = {0, 0, 0}, rv = {1, 1, 1};
            for (int step = 0; step < 5; step++) {
                Tensor x = rand(10 + step, DType.FLOAT64, 4, 3, 2, 5).mul(step + 1).add(step);
                double[] v = x.toDoubleArray();
                Tensor y = bn.forward(x);
                int n = 4 * 2 * 5;
                for (int c = 0; c < 3; c++) {
                    double m = 0, q = 0;
                    for (int b = 0; b < 4; b++) for (int e = 0; e < 10; e++) m += v[(b * 3 + c) * 10 + e];
                    m /= n;
                    for (int b = 0; b < 4; b++) for (int e = 0; e < 10; e++) q += Math.pow(v[(b * 3 + c) * 10 + e] - m, 2);
                    rm[c] = 0.9 * rm[c] + 0.1 * m;
                    rv[c] = 0.9 * rv[c] + 0.1 * q / (n - 1);  // the unbiased variance
                    double first = (v[c * 10] - m) / Math.sqrt(q / n + 1e-5);
                    assertEquals(first, y.toDoubleArray()[c * 10], 1e-12, "training normalises with the batch's biased variance");
                }
            }
            assertArrayEquals(rm, bn.runningMean().toDoubleArray(), 1e-12);
            assertArrayEquals(rv, bn.runningVar().toDoubleArray(), 1e-12);
            assertEquals(5, bn.buffer("num_batches_tracked").item());
            // eval: the running statistics, and they stay put
            bn.eval();
            Tensor x = rand(99, DType.FLOAT64, 2, 3, 2, 2);
            double[] y = bn.forward(x).toDoubleArray(), v = x.toDoubleArray();
            for (int i = 0; i < v.length; i++) {
                int c = (i / 4) % 3;
                assertEquals((v[i] - rm[c]) / Math.sqrt(rv[c] + 1e-5), y[i], 1e-12);
            }
            assertArrayEquals(rm, bn.runningMean().toDoubleArray(), 1e-15);
            assertEquals(5, bn.buffer("num_batches_tracked").item());
            // a null momentum is the cumulative average: after one batch the running mean is that batch's
            BatchNorm1d avg = new BatchNorm1d(2, 1e-5, null, false, true, DType.FLOAT64, org.jgrad.Device.CPU);
            Tensor z = Tensor.of(new double[] {1, 10, 3, 20, 5, 30}, 3, 2);
            avg.forward(z);
            assertArrayEquals(new double[] {3, 20}, avg.runningMean().toDoubleArray(), 1e-12);
            assertArrayEquals(new double[] {4, 100}, avg.runningVar().toDoubleArray(), 1e-12);
            assertEquals("BatchNorm2d(3, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)", bn.toString());
        }
    }

    @Test
    void secondDerivativesOfConvolutionPoolingAndBatchNormMatchFiniteDifferences() {
        try (Scope s = Scope.open()) {
            Tensor x = rand(1, DType.FLOAT64, 2, 2, 5, 5).requiresGrad(true);
            Tensor w = rand(2, DType.FLOAT64, 4, 1, 3, 2).requiresGrad(true);
            // f(x, w) = Σ (pool(bn(conv(x, w))))², a gradient of it, and a directional second derivative
            java.util.function.BiFunction<Tensor, Tensor, Tensor> f = (a, b) -> {
                Tensor y = Functional.conv2d(a, b, null, new int[] {1}, new int[] {1}, new int[] {1}, 2);
                Tensor z = Functional.batchNorm(y, null, null);
                return Functional.maxPool2d(z, new int[] {2}, new int[] {1}, new int[] {0}, new int[] {1}, false).pow(2).sum()
                        .add(Functional.avgPool2d(y, 2).pow(2).sum());
            };
            Tensor[] g = Autograd.grad(f.apply(x, w), Tensor.ones(DType.FLOAT64, org.jgrad.Device.CPU), new Tensor[] {x, w}, true, true);
            Tensor v = rand(3, DType.FLOAT64, 2, 2, 5, 5), u = rand(4, DType.FLOAT64, 4, 1, 3, 2);
            Tensor dot = g[0].mul(v).sum().add(g[1].mul(u).sum());
            Tensor[] h = Autograd.grad(dot, new Tensor[] {x, w});
            // finite differences of the gradient along (v, u), by the fused first-order path
            double eps = 1e-6;
            double[] plus = gradAlong(f, x, w, v, u, eps), minus = gradAlong(f, x, w, v, u, -eps);
            double[] hx = h[0].toDoubleArray(), hw = h[1].toDoubleArray();
            for (int i = 0; i < hx.length; i++) assertEquals((plus[i] - minus[i]) / (2 * eps), hx[i], 1e-5 * (1 + Math.abs(hx[i])), "d²/dx at " + i);
            for (int i = 0; i < hw.length; i++) {
                double fd = (plus[hx.length + i] - minus[hx.length + i]) / (2 * eps);
                assertEquals(fd, hw[i], 1e-5 * (1 + Math.abs(hw[i])), "d²/dw at " + i);
            }
        }
    }

    /** ∇f at (x + t·v, w + t·u), flattened: x's part then w's. */
    private static double[] gradAlong(java.util.function.BiFunction<Tensor, Tensor, Tensor> f, Tensor x, Tensor w, Tensor v, Tensor u, double t) {
        try (Scope s = Scope.open()) {
            Tensor a = x.detach().add(v.mul(t)).requiresGrad(true), b = w.detach().add(u.mul(t)).requiresGrad(true);
            f.apply(a, b).backward();
            double[] ga = a.grad().toDoubleArray(), gb = b.grad().toDoubleArray();
            double[] out = new double[ga.length + gb.length];
            System.arraycopy(ga, 0, out, 0, ga.length);
            System.arraycopy(gb, 0, out, ga.length, gb.length);
            return out;
        }
    }

    static final class LeNet extends Module {
        final Conv2d c1 = registerModule("conv1", new Conv2d(1, 4, 3));
        final BatchNorm2d bn = registerModule("bn1", new BatchNorm2d(4));
        final Conv2d c2 = registerModule("conv2", new Conv2d(4, 6, 3, 1, 1));
        final Linear fc = registerModule("fc", new Linear(6 * 2 * 2, 3));

        @Override
        public Tensor forward(Tensor x) {
            Tensor h = Functional.maxPool2d(bn.forward(c1.forward(x)).relu(), 2);
            h = Functional.adaptiveAvgPool2d(c2.forward(h).relu(), 2);
            return fc.forward(h.reshape(h.size(0), -1));
        }
    }

    @Test
    void aSmallCnnTrainsAndItsStateDictRoundTripsThroughSafetensors(@TempDir Path dir) throws Exception {
        try (Scope s = Scope.open()) {
            Tensor.manualSeed(7);
            LeNet net = new LeNet();
            assertEquals(java.util.List.of("conv1.weight", "conv1.bias", "bn1.weight", "bn1.bias", "bn1.running_mean", "bn1.running_var",
                    "bn1.num_batches_tracked", "conv2.weight", "conv2.bias", "fc.weight", "fc.bias"), new java.util.ArrayList<>(net.stateDict().keySet()));
            // three classes told apart by where a bright square sits
            Tensor x = Tensor.zeros(DType.FLOAT32, org.jgrad.Device.CPU, 30, 1, 8, 8);
            long[] labels = new long[30];
            float[] px = new float[30 * 64];
            for (int i = 0; i < 30; i++) {
                int c = i % 3;
                labels[i] = c;
                for (int y = 0; y < 3; y++) for (int e = 0; e < 3; e++) px[i * 64 + (c * 2 + y) * 8 + (c * 2 + e)] = 1 + 0.1f * (i % 5);
            }
            x = Tensor.of(px, 30, 1, 8, 8);
            Tensor t = Tensor.of(labels, 30);
            SGD opt = new SGD(net.parameters(), SGD.options(0.1).momentum(0.9));
            double first = 0, last = 0;
            for (int step = 0; step < 40; step++) {
                try (Scope st = Scope.open()) {
                    opt.zeroGrad();
                    Tensor loss = Functional.crossEntropy(net.forward(x), t);
                    loss.backward();
                    opt.step();
                    if (step == 0) first = loss.item();
                    last = loss.item();
                }
            }
            assertTrue(last < 0.1 * first, "loss " + first + " -> " + last);
            net.eval();
            Tensor before;
            try (var off = Autograd.noGrad()) {
                before = net.forward(x);
            }
            Path file = dir.resolve("cnn.safetensors");
            net.save(file);
            Tensor.manualSeed(8);
            LeNet other = new LeNet();
            other.load(file);
            other.eval();
            try (var off = Autograd.noGrad()) {
                assertArrayEquals(before.toFloatArray(), other.forward(x).toFloatArray(), "the same bits after the round trip");
            }
            Map<String, Tensor> sd = other.stateDict();
            assertEquals(DType.INT64, sd.get("bn1.num_batches_tracked").dtype());
            assertEquals(40, sd.get("bn1.num_batches_tracked").item());
            assertTrue(Files.size(file) > 0);
        }
    }

    @Test
    void reprsFollowPyTorch() {
        assertEquals("Conv2d(1, 32, kernel_size=(5, 5), stride=(1, 1))", new Conv2d(1, 32, 5).toString());
        assertEquals("Conv2d(4, 8, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1), groups=2, bias=False)",
                new Conv2d(4, 8, new int[] {3}, new int[] {2}, new int[] {1}, new int[] {1}, 2, false, DType.FLOAT32, org.jgrad.Device.CPU).toString());
        assertEquals("Conv1d(16, 32, kernel_size=(3,), stride=(1,))", new Conv1d(16, 32, 3).toString());
        assertEquals("MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)", new MaxPool2d(2).toString());
        assertEquals("AvgPool2d(kernel_size=2, stride=2, padding=0)", new AvgPool2d(2).toString());
        assertEquals("AdaptiveAvgPool2d(output_size=(1, 1))", new AdaptiveAvgPool2d(1).toString());
        assertEquals("GroupNorm(2, 8, eps=1e-05, affine=True)", new GroupNorm(2, 8).toString());
        assertEquals("ConvTranspose2d(4, 6, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1))", new ConvTranspose2d(4, 6, 3, 2, 1).toString());
    }

    @Test
    void badInputIsRefusedWithTheShapesNamed() {
        try (Scope s = Scope.open()) {
            Tensor x = Tensor.zeros(2, 3, 8, 8), w = Tensor.zeros(4, 2, 3, 3);
            String m = assertThrows(IllegalArgumentException.class, () -> Functional.conv2d(x, w, null)).getMessage();
            assertTrue(m.contains("conv2d") && m.contains("[2, 3, 8, 8]") && m.contains("[4, 2, 3, 3]") && m.contains("groups=1"), m);
            m = assertThrows(IllegalArgumentException.class, () -> Functional.conv2d(x, Tensor.zeros(4, 3, 9, 9), null)).getMessage();
            assertTrue(m.contains("smaller than the kernel"), m);
            m = assertThrows(IllegalArgumentException.class, () -> Functional.conv2d(x, Tensor.zeros(DType.FLOAT64, org.jgrad.Device.CPU, 4, 3, 3, 3), null))
                    .getMessage();
            assertTrue(m.contains("FLOAT64") && m.contains("FLOAT32"), m);
            m = assertThrows(IllegalArgumentException.class, () -> Functional.conv2d(x, Tensor.zeros(4, 3, 3, 3), Tensor.zeros(5))).getMessage();
            assertTrue(m.contains("bias must be [4]"), m);
            m = assertThrows(IllegalArgumentException.class,
                    () -> Functional.conv2d(x, Tensor.zeros(4, 3, 3, 3), null, new int[] {2}, "same", new int[] {1}, 1)).getMessage();
            assertTrue(m.contains("stride 1"), m);
            m = assertThrows(IllegalArgumentException.class, () -> Functional.conv2d(x, Tensor.zeros(4, 3, 3, 3), null, new int[] {0}, new int[] {0},
                    new int[] {1}, 1)).getMessage();
            assertTrue(m.contains("stride must be at least 1"), m);
            m = assertThrows(IllegalArgumentException.class, () -> Functional.maxPool2d(x, new int[] {2}, null, new int[] {2}, new int[] {1}, false))
                    .getMessage();
            assertTrue(m.contains("at most half"), m);
            m = assertThrows(IllegalArgumentException.class, () -> Functional.maxPool2d(Tensor.zeros(8, 8), 2)).getMessage();
            assertTrue(m.contains("[8, 8]"), m);
            m = assertThrows(IllegalArgumentException.class, () -> Functional.batchNorm(Tensor.zeros(1, 3), null, null)).getMessage();
            assertTrue(m.contains("more than 1 value per channel"), m);
            m = assertThrows(IllegalArgumentException.class, () -> new BatchNorm2d(3).forward(Tensor.zeros(2, 4, 2, 2))).getMessage();
            assertTrue(m.contains("[2, 4, 2, 2]") && m.contains("3 channels"), m);
            m = assertThrows(IllegalArgumentException.class, () -> Functional.convTranspose2d(x, Tensor.zeros(3, 2, 3, 3), null, new int[] {1},
                    new int[] {0}, new int[] {1}, 1, new int[] {1})).getMessage();
            assertTrue(m.contains("outputPadding"), m);
            m = assertThrows(IllegalArgumentException.class, () -> Functional.groupNorm(x, 2, null, null, 1e-5)).getMessage();
            assertTrue(m.contains("must divide the 3 channels"), m);
        }
    }

    @Test
    void chunkedBatchesGiveTheUnchunkedResult() {
        // a batch whose columns exceed the chunk is computed a few images at a time; the result
        // must not depend on the split (each image's products are independent)
        try (Scope s = Scope.open()) {
            // 16·3·3 rows × 32·32 columns × 8 bytes = 1.2 MB an image: 27 images a chunk, so two chunks
            Tensor x = rand(5, DType.FLOAT64, 40, 16, 32, 32).requiresGrad(true), w = rand(6, DType.FLOAT64, 4, 16, 3, 3).requiresGrad(true);
            Tensor y = Functional.conv2d(x, w, null, new int[] {1}, new int[] {1}, new int[] {1}, 1);
            Tensor g = rand(7, DType.FLOAT64, 40, 4, 32, 32);
            y.mul(g).sum().backward();
            for (int b : new int[] {0, 39}) {
                Tensor xb = x.detach().narrow(0, b, 1).requiresGrad(true);
                Tensor yb = Functional.conv2d(xb, w.detach(), null, new int[] {1}, new int[] {1}, new int[] {1}, 1);
                assertArrayEquals(yb.toDoubleArray(), y.narrow(0, b, 1).toDoubleArray(), 1e-12);
                yb.mul(g.narrow(0, b, 1)).sum().backward();
                assertArrayEquals(xb.grad().toDoubleArray(), x.grad().narrow(0, b, 1).toDoubleArray(), 1e-12);
            }
        }
    }
}
