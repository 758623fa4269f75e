package org.jgrad;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import org.jgrad.internal.CudaException;
import org.jgrad.internal.NativeException;
import org.jgrad.testing.OpInfo;
import org.jgrad.testing.OpRegistry;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The CUDA backend against the CPU. Skipped, with the reason, where no device is found; under
 * {@code -Pcuda} (GPU runners) a missing device fails the run instead.
 */
@Tag("cuda")
class CudaTest {
    static final Device D = Device.CUDA;

    @BeforeAll
    static void needDevice() {
        String why = Cuda.unavailableReason(D);
        if (Boolean.getBoolean("jgrad.requireCuda") && why != null) fail("-Pcuda needs a CUDA device: " + why);
        if (why != null) System.out.println("CudaTest: CUDA tests skipped: " + why);
        Assumptions.assumeTrue(why == null, "CUDA tests skipped: " + why);
    }

    @Test
    void roundTripsKeepValuesAndDtypes() {
        Tensor f = Tensor.of(new float[] {1.5f, -2, 3}).to(D);
        assertEquals(D, f.device());
        assertArrayEquals(new float[] {1.5f, -2, 3}, f.toFloatArray());
        assertArrayEquals(new double[] {1, 2}, Tensor.of(new double[] {1, 2}).to(D).cpu().toDoubleArray());
        assertArrayEquals(new long[] {7, -8}, Tensor.of(new long[] {7, -8}).to(D).toLongArray());
        assertArrayEquals(new boolean[] {true, false}, Tensor.of(new boolean[] {true, false}).cuda().toBooleanArray());
        Tensor t = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3).to(D).t();  // non-contiguous on the device
        assertArrayEquals(new float[] {1, 4, 2, 5, 3, 6}, t.toFloatArray());
        assertEquals(4.0, Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3).to(D).select(1, 0).select(0, 1).item());
        assertTrue(Cuda.deviceName(D).length() > 0);
        Cuda.synchronize();
    }

    /** NaN and out-of-range floats convert to int64 as on the CPU (Long.MIN_VALUE), where a GPU would saturate. */
    @Test
    void floatToInt64CastsMatchTheCpu() {
        double[] v = {Double.NaN, 1e30, -1e30, Double.NEGATIVE_INFINITY, 3.7, -3.7};
        long[] want = Tensor.of(v).to(DType.INT64).toLongArray();
        assertEquals(Long.MIN_VALUE, want[0]);
        assertArrayEquals(want, Tensor.of(v).to(D).to(DType.INT64).toLongArray());
        assertArrayEquals(want, Tensor.of(v).to(DType.FLOAT32).to(D).to(DType.INT64).toLongArray());
    }

    /** Repeated indices: the device sums their gradients in the CPU's order, to the bit; dropout draws the CPU's mask. */
    @Test
    void embeddingGradientsAndDropoutMasksMatchTheCpuBits() {
        try (Scope scope = Scope.open()) {
            Tensor.manualSeed(11);
            Tensor w = Tensor.randn(DType.FLOAT32, Device.CPU, 5, 7);
            Tensor ids = Tensor.of(new long[] {3, 1, 3, 3, 0, 1, 3, 4, 4, 3}, 2, 5);
            Tensor g = Tensor.randn(DType.FLOAT32, Device.CPU, 2, 5, 7);
            Tensor wc = w.clone().requiresGrad(true);
            ids.embedding(wc, -1).mul(g).sum().backward();
            Tensor wd = w.to(D).requiresGrad(true);
            ids.to(D).embedding(wd, -1).mul(g.to(D)).sum().backward();
            assertArrayEquals(wc.grad().toFloatArray(), wd.grad().toFloatArray(), "bit for bit");
            Tensor x = Tensor.ones(64, 33);
            Tensor.manualSeed(2);
            float[] cpu = org.jgrad.nn.Functional.dropout(x, 0.4, true).toFloatArray();
            Tensor.manualSeed(2);
            float[] dev = org.jgrad.nn.Functional.dropout(x.to(D), 0.4, true).toFloatArray();
            assertArrayEquals(cpu, dev);
        }
    }

    /** A loader with prefetch copies each batch to the device on its background thread; a CUDA dataset gathers there. */
    @Test
    void dataLoaderDeliversBatchesOnTheDevice() {
        try (Scope scope = Scope.open()) {
            Tensor x = Tensor.arange(0, 24, 1, DType.FLOAT32, Device.CPU).reshape(8, 3);
            Tensor y = Tensor.arange(8);
            org.jgrad.data.TensorDataset ds = new org.jgrad.data.TensorDataset(x, y);
            var onCpu = org.jgrad.data.DataLoader.builder(ds).batchSize(3).shuffle(true).seed(4).build();
            var toDevice = org.jgrad.data.DataLoader.builder(ds).batchSize(3).shuffle(true).seed(4).prefetch(true).device(D).build();
            var onDevice = org.jgrad.data.DataLoader.builder(new org.jgrad.data.TensorDataset(x.to(D), y.to(D))).batchSize(3).shuffle(true).seed(4).build();
            var a = onCpu.iterator();
            var b = toDevice.iterator();
            var c = onDevice.iterator();
            int batches = 0;
            while (a.hasNext()) {
                Tensor[] ea = a.next(), eb = b.next(), ec = c.next();
                for (int f = 0; f < 2; f++) {
                    assertEquals(D, eb[f].device());
                    assertEquals(D, ec[f].device());
                    assertArrayEquals(ea[f].toDoubleArray(), eb[f].toDoubleArray());
                    assertArrayEquals(ea[f].toDoubleArray(), ec[f].toDoubleArray());
                }
                batches++;
            }
            assertFalse(b.hasNext() || c.hasNext());
            assertEquals(3, batches);
            toDevice.close();
        }
    }

    /** Every registry op that has CUDA kernels, on CUDA inputs, against the same op on the CPU. */
    @Test
    void elementwiseOpsMatchTheCpu() {
        int ran = 0;
        List<String> unsupported = new ArrayList<>();
        for (OpInfo op : OpRegistry.OPS) {
            for (int s = 0; s < op.samples.size(); s++) {
                for (DType dt : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
                    try (Scope scope = Scope.open()) {
                        double[][] v = ConformanceTest.values(op, s);
                        Tensor[] cpu = ConformanceTest.build(op, s, v, dt, false);
                        Tensor[] gpu = new Tensor[cpu.length];
                        for (int i = 0; i < cpu.length; i++) gpu[i] = onDevice(cpu[i]);
                        Tensor expected = op.op.apply(cpu);
                        Tensor got;
                        try {
                            got = op.op.apply(gpu);
                        } catch (UnsupportedOperationException e) {
                            unsupported.add(op.name);
                            continue;
                        }
                        assertEquals(D, got.device(), op.name);
                        assertArrayEquals(expected.shape(), got.shape(), op.name);
                        double[] e = expected.toDoubleArray(), g = got.toDoubleArray();
                        double tol = dt == DType.FLOAT32 ? 1e-6 : 1e-14;
                        for (int i = 0; i < e.length; i++) {
                            if (Double.isNaN(e[i]) && Double.isNaN(g[i])) continue;
                            assertEquals(e[i], g[i], tol * (1 + Math.abs(e[i])), op.name + " " + dt + " element " + i);
                        }
                        ran++;
                    }
                }
            }
        }
        System.out.println("CUDA conformance: " + ran + " op/sample/dtype cases ran; no CUDA kernel yet: "
                + new java.util.TreeSet<>(unsupported));
        assertTrue(ran > 100, "only " + ran + " cases ran on CUDA");
    }

    /**
     * Central finite differences in float64 on the device: every differentiable op of the registry,
     * every sample up to 300 input elements, the analytic gradient computed by the device's backward.
     */
    @Test
    void gradcheckOnTheDevice() {
        int checked = 0;
        for (OpInfo op : OpRegistry.OPS) {
            if (!op.differentiable) continue;
            for (int sample = 0; sample < op.samples.size(); sample++) {
                if (ConformanceTest.checkGradients(op, sample, CudaTest::onDevice, 300)) checked++;
            }
        }
        System.out.println("CUDA gradcheck: " + checked + " op/sample cases");
        assertTrue(checked > 100, "only " + checked + " gradcheck cases ran on CUDA");
    }

    /**
     * The tensor on the device with the same layout: a transposed sample input (stored with its last
     * two dims swapped) stays a transposed view there, so the strided kernels run too.
     */
    static Tensor onDevice(Tensor t) {
        if (t.isContiguous() || t.dim() < 2) return t.to(D);
        Tensor stored = t.transpose(-1, -2);
        assertTrue(stored.isContiguous(), "sample inputs are contiguous or transposed");
        Tensor back = stored.to(D).transpose(-1, -2);
        assertFalse(back.isContiguous());
        return back;
    }

    @Test
    void mixingDevicesIsAnError() {
        Tensor a = Tensor.ones(3), b = Tensor.ones(3).to(D);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> a.add(b));
        assertTrue(e.getMessage().contains("cpu") && e.getMessage().contains("cuda:0"), e.getMessage());
        Tensor logits = Tensor.ones(DType.FLOAT32, D, 2, 3);
        e = assertThrows(IllegalArgumentException.class, () -> org.jgrad.nn.Functional.crossEntropy(logits, Tensor.of(new long[] {0, 1})));
        assertTrue(e.getMessage().contains("crossEntropy") && e.getMessage().contains("cpu") && e.getMessage().contains("cuda:0"),
                e.getMessage());
    }

    /** The recorded backward of the fused cross-entropy (createGraph) gives the same second derivative on both devices. */
    @Test
    void crossEntropySecondDerivativeMatchesTheCpu() {
        double[][] h = new double[2][];
        for (int k = 0; k < 2; k++) {
            try (Scope s = Scope.open()) {
                Tensor.manualSeed(12);
                Tensor x0 = Tensor.randn(DType.FLOAT64, Device.CPU, 5, 4);
                Tensor w0 = Tensor.randn(DType.FLOAT64, Device.CPU, 5, 4);
                Device dev = k == 0 ? Device.CPU : D;
                Tensor x = x0.to(dev).requiresGrad(true);
                Tensor t = Tensor.of(new long[] {0, 3, -100, 1, 2}).to(dev);
                Tensor loss = org.jgrad.nn.Functional.crossEntropy(x, t, org.jgrad.nn.Reduction.MEAN, -100);
                Tensor g = Autograd.grad(loss, null, new Tensor[] {x}, true, true)[0];
                h[k] = Autograd.grad(g.mul(w0.to(dev)).sum(), x)[0].toDoubleArray();
            }
        }
        assertClose(h[0], h[1], 1e-13, "d/dx (dLoss/dx . w)");
        assertTrue(java.util.Arrays.stream(h[0]).anyMatch(v -> Math.abs(v) > 1e-3), "a non-trivial second derivative");
    }

    @Test
    void outOfMemoryIsAnExceptionAndTheDeviceStaysUsable() {
        Tensor keep = Tensor.ones(DType.FLOAT32, D, 1000);
        OutOfMemoryException e = assertThrows(OutOfMemoryException.class, () -> Tensor.zeros(DType.FLOAT32, D, 1L << 48));
        assertTrue(e.getMessage().contains("out of memory") && e.getMessage().contains("free"), e.getMessage());
        assertEquals(D, e.device());
        assertEquals(4L << 48, e.requestedBytes());
        assertTrue(e.getMessage().contains("in use by tensors"), e.getMessage());
        assertEquals(1000.0, keep.cpu().sum().item(), 0.0);
    }

    @Test
    void theAllocatorReusesBlocks() {
        Tensor.ones(DType.FLOAT32, D, 1 << 20).close();
        long reserved = Cuda.memoryReserved(D), allocated = Cuda.memoryAllocated(D);
        for (int i = 0; i < 100; i++) Tensor.ones(DType.FLOAT32, D, 1 << 20).close();
        assertEquals(reserved, Cuda.memoryReserved(D), "no new device memory for same-sized tensors");
        assertEquals(allocated, Cuda.memoryAllocated(D));
        assertTrue(Cuda.maxMemoryAllocated(D) >= 4L << 20);
        Cuda.emptyCache(D);
        assertTrue(Cuda.memoryReserved(D) <= reserved);
    }

    @Test
    void seededRandomNumbersAreTheSameOnEveryDevice() {
        Tensor.manualSeed(5);
        float[] cpu = Tensor.randn(1000).toFloatArray();
        Tensor.manualSeed(5);
        float[] gpu = Tensor.randn(DType.FLOAT32, D, 1000).toFloatArray();
        assertArrayEquals(cpu, gpu);
    }

    @Test
    void matmulThroughCublasMatchesTheCpuWithoutTf32() {
        Tensor.manualSeed(9);
        Tensor a = Tensor.randn(256, 512), b = Tensor.randn(512, 128);
        float[] cpu = a.matmul(b).toFloatArray();
        float[] gpu = a.to(D).matmul(b.to(D)).toFloatArray();
        for (int i = 0; i < cpu.length; i++) assertEquals(cpu[i], gpu[i], 1e-4 * (1 + Math.abs(cpu[i])), "element " + i);
        float[] gpuT = a.to(D).t().contiguous().t().matmul(b.to(D).t().contiguous().t()).toFloatArray();  // column-major operands
        for (int i = 0; i < cpu.length; i++) assertEquals(cpu[i], gpuT[i], 1e-4 * (1 + Math.abs(cpu[i])), "transposed element " + i);
        assertFalse(Cuda.allowTf32());
    }

    private static void assertClose(double[] want, double[] got, double rel, String what) {
        assertEquals(want.length, got.length, what + ": length");
        for (int i = 0; i < want.length; i++) {
            if (Double.isNaN(want[i])) {
                assertTrue(Double.isNaN(got[i]), what + " element " + i + " should be NaN");
                continue;
            }
            assertEquals(want[i], got[i], rel * (1 + Math.abs(want[i])), what + " element " + i);
        }
    }

    /** arange, linspace, eye, full and the random draws are written on the device with the CPU's bits. */
    @Test
    void creationOnTheDeviceHasTheCpuBits() {
        try (Scope s = Scope.open()) {
            assertArrayEquals(Tensor.arange(-3.5, 7, 0.1, DType.FLOAT32, Device.CPU).toFloatArray(),
                    Tensor.arange(-3.5, 7, 0.1, DType.FLOAT32, D).toFloatArray());
            assertArrayEquals(Tensor.arange(1, 2, 1e-3, DType.FLOAT64, Device.CPU).toDoubleArray(),
                    Tensor.arange(1, 2, 1e-3, DType.FLOAT64, D).toDoubleArray());
            assertArrayEquals(Tensor.arange(1000).toLongArray(), Tensor.arange(1000, D).toLongArray());
            assertArrayEquals(Tensor.linspace(-1, 7, 1001).toFloatArray(), Tensor.linspace(-1, 7, 1001, DType.FLOAT32, D).toFloatArray());
            assertArrayEquals(Tensor.eye(5, DType.FLOAT64, Device.CPU).toDoubleArray(), Tensor.eye(5, DType.FLOAT64, D).toDoubleArray());
            assertArrayEquals(new double[] {2.5, 2.5, 2.5}, Tensor.full(2.5, DType.FLOAT64, D, 3).toDoubleArray());
            for (DType dt : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
                Tensor.manualSeed(11);
                double[] u = Tensor.rand(dt, Device.CPU, 3001).toDoubleArray(), n = Tensor.randn(dt, Device.CPU, 77, 13).toDoubleArray();
                Tensor.manualSeed(11);
                assertArrayEquals(u, Tensor.rand(dt, D, 3001).toDoubleArray(), 0.0, "rand " + dt);
                assertArrayEquals(n, Tensor.randn(dt, D, 77, 13).toDoubleArray(), 0.0, "randn " + dt);
            }
        }
    }

    /** Long rows and long columns take the chunked two-pass kernels; ties and NaN keep their rules. */
    @Test
    void largeReductionsMatchTheCpu() {
        try (Scope s = Scope.open()) {
            Tensor.manualSeed(21);
            for (long[] shape : new long[][] {{1 << 21}, {3, 200_000}, {300_000, 3}, {50, 40, 30}}) {
                Tensor x = Tensor.randn(DType.FLOAT64, Device.CPU, shape), xd = x.to(D);
                String sh = java.util.Arrays.toString(shape);
                assertEquals(x.sum().item(), xd.sum().item(), 1e-9 * Math.sqrt(x.numel()), "sum " + sh);
                assertEquals(x.max().item(), xd.max().item(), 0.0, "max " + sh);
                for (int d = 0; d < shape.length; d++) {
                    assertClose(x.sum(d, false).toDoubleArray(), xd.sum(d, false).toDoubleArray(), 1e-12, "sum dim " + d + " " + sh);
                    assertClose(x.mean(d, false).toDoubleArray(), xd.mean(d, false).toDoubleArray(), 1e-12, "mean dim " + d + " " + sh);
                    assertArrayEquals(x.argmax(d, false).toLongArray(), xd.argmax(d, false).toLongArray(), "argmax dim " + d + " " + sh);
                    assertArrayEquals(x.min(d, false).toDoubleArray(), xd.min(d, false).toDoubleArray(), 0.0, "min dim " + d + " " + sh);
                }
            }
            Tensor ties = Tensor.full(3, DType.FLOAT32, D, 1 << 20);
            assertEquals(0.0, ties.argmax(0, false).item(), "the first of equal maxima");
            double[] v = new double[1 << 20];
            v[900_000] = Double.NaN;
            Tensor withNan = Tensor.of(v).to(D);
            assertTrue(Double.isNaN(withNan.max().item()));
            assertTrue(Double.isNaN(withNan.sum().item()));
            assertEquals(900_000.0, withNan.argmax(0, false).item());
        }
    }

    /** Contiguous views at odd offsets are not 16-byte aligned: the scalar path must give the same values. */
    @Test
    void unalignedViewsMatchTheCpu() {
        try (Scope s = Scope.open()) {
            Tensor x = Tensor.linspace(-3, 3, 4099), xd = x.to(D);
            for (int off = 0; off < 4; off++) {
                Tensor v = x.narrow(0, off, 4000), vd = xd.narrow(0, off, 4000);
                assertTrue(vd.isContiguous());
                assertClose(v.exp().toDoubleArray(), vd.exp().toDoubleArray(), 1e-6, "exp at offset " + off);
                assertClose(v.add(x.narrow(0, 99 - off, 4000)).toDoubleArray(), vd.add(xd.narrow(0, 99 - off, 4000)).toDoubleArray(), 0,
                        "add at offsets " + off + " and " + (99 - off));
                assertArrayEquals(v.gt(0.5).toBooleanArray(), vd.gt(0.5).toBooleanArray(), "gt at offset " + off);
            }
        }
    }

    /** Batched and broadcast matmul: one strided-batched call where the batch flattens, a loop where it does not. */
    @Test
    void batchedMatmulMatchesTheCpu() {
        try (Scope s = Scope.open()) {
            Tensor.manualSeed(31);
            Tensor a = Tensor.randn(DType.FLOAT64, Device.CPU, 4, 3, 5, 7), b = Tensor.randn(DType.FLOAT64, Device.CPU, 4, 3, 7, 2);
            assertClose(a.matmul(b).toDoubleArray(), a.to(D).matmul(b.to(D)).toDoubleArray(), 1e-12, "batched");
            Tensor w = Tensor.randn(DType.FLOAT64, Device.CPU, 7, 6);
            assertClose(a.matmul(w).toDoubleArray(), a.to(D).matmul(w.to(D)).toDoubleArray(), 1e-12, "broadcast right");
            Tensor at = a.transpose(0, 1);  // batch dims that do not flatten
            assertClose(at.matmul(b.transpose(0, 1)).toDoubleArray(), at.to(D).matmul(b.transpose(0, 1).to(D)).toDoubleArray(), 1e-12,
                    "transposed batch");
            Tensor ad = a.to(D).transpose(0, 1), bd = b.to(D).transpose(0, 1);
            assertClose(at.matmul(b.transpose(0, 1)).toDoubleArray(), ad.matmul(bd).toDoubleArray(), 1e-12, "device views");
        }
    }

    /** A few SGD steps of a small classifier give the same losses on the device as on the CPU. */
    @Test
    void trainingStepsMatchTheCpu() {
        double[][] losses = new double[2][];
        Device[] devices = {Device.CPU, D};
        for (int k = 0; k < 2; k++) {
            Device dev = devices[k];
            Tensor.manualSeed(41);
            try (Scope s = Scope.open()) {
                Tensor x = Tensor.randn(DType.FLOAT64, dev, 64, 10);
                long[] labels = new long[64];
                for (int i = 0; i < 64; i++) labels[i] = i % 3;
                Tensor y = Tensor.of(labels).to(dev);
                org.jgrad.nn.Linear fc1 = new org.jgrad.nn.Linear(10, 16, true, DType.FLOAT64, dev);
                org.jgrad.nn.Linear fc2 = new org.jgrad.nn.Linear(16, 3, true, DType.FLOAT64, dev);
                List<Tensor> params = new ArrayList<>(fc1.parameters());
                params.addAll(fc2.parameters());
                org.jgrad.optim.SGD opt = new org.jgrad.optim.SGD(params, 0.1, 0.9);
                losses[k] = new double[10];
                for (int step = 0; step < 10; step++) {
                    try (Scope inner = Scope.open()) {
                        Tensor loss = org.jgrad.nn.Functional.crossEntropy(fc2.forward(fc1.forward(x).tanh()), y);
                        opt.zeroGrad();
                        loss.backward();
                        opt.step();
                        assertEquals(dev, loss.device());
                        losses[k][step] = loss.item();
                    }
                }
                assertEquals(dev, fc1.weight().grad().device());
                opt.close();
            }
        }
        assertClose(losses[0], losses[1], 1e-10, "loss per step");
        assertTrue(losses[1][9] < losses[1][0], "the loss went down: " + java.util.Arrays.toString(losses[1]));
    }

    /** Data parallelism by threads: each thread trains on its own device, at the same time, as it would alone. */
    @Test
    void twoThreadsTrainOnTwoDevicesAtOnce() throws Exception {
        Assumptions.assumeTrue(Cuda.deviceCount() > 1, "needs two CUDA devices");
        Tensor.manualSeed(77);
        Tensor x = Tensor.randn(DType.FLOAT64, Device.CPU, 48, 12);
        Tensor w1 = Tensor.randn(DType.FLOAT64, Device.CPU, 12, 16).mul(0.3);
        Tensor w2 = Tensor.randn(DType.FLOAT64, Device.CPU, 16, 4).mul(0.3);
        long[] labels = new long[48];
        for (int i = 0; i < labels.length; i++) labels[i] = (i * 5) % 4;
        Tensor y = Tensor.of(labels);
        Device[] devices = {Device.cuda(0), Device.cuda(1)};
        double[][] alone = new double[2][];
        for (int k = 0; k < 2; k++) alone[k] = train(devices[k], x, y, w1, w2);
        double[][] together = new double[2][];
        Thread[] threads = new Thread[2];
        Throwable[] failed = new Throwable[2];
        for (int k = 0; k < 2; k++) {
            final int kk = k;
            threads[k] = new Thread(() -> {
                try {
                    together[kk] = train(devices[kk], x, y, w1, w2);
                } catch (Throwable t) {
                    failed[kk] = t;
                }
            });
            threads[k].start();
        }
        for (Thread t : threads) t.join();
        for (int k = 0; k < 2; k++) {
            if (failed[k] != null) throw new AssertionError("thread on " + devices[k] + " failed", failed[k]);
            assertClose(alone[k], together[k], 1e-12, "losses on " + devices[k]);
        }
        assertClose(alone[0], alone[1], 1e-12, "the two devices");
        assertTrue(alone[0][19] < alone[0][0], "the loss went down");
    }

    private static double[] train(Device d, Tensor x0, Tensor y0, Tensor w10, Tensor w20) {
        try (Scope s = Scope.open()) {
            Tensor x = x0.to(d), y = y0.to(d);
            Tensor w1 = w10.to(d).requiresGrad(true), w2 = w20.to(d).requiresGrad(true);
            double[] losses = new double[20];
            for (int step = 0; step < losses.length; step++) {
                try (Scope inner = Scope.open()) {
                    Tensor loss = org.jgrad.nn.Functional.crossEntropy(x.matmul(w1).tanh().matmul(w2), y);
                    loss.backward();
                    try (var off = Autograd.noGrad()) {
                        w1.subInPlace(w1.grad().mul(0.5));
                        w2.subInPlace(w2.grad().mul(0.5));
                    }
                    w1.zeroGrad();
                    w2.zeroGrad();
                    losses[step] = loss.item();
                }
            }
            return losses;
        }
    }

    @Test
    void copiesBetweenDevices() {
        Assumptions.assumeTrue(Cuda.deviceCount() > 1, "needs two CUDA devices");
        Device d1 = Device.cuda(1);
        try (Scope s = Scope.open()) {
            Tensor x = Tensor.randn(DType.FLOAT32, D, 1000);
            Tensor y = x.to(d1);
            assertEquals(d1, y.device());
            assertArrayEquals(x.toFloatArray(), y.toFloatArray());
            assertArrayEquals(x.toFloatArray(), y.to(D).toFloatArray());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> x.add(y));
            assertTrue(e.getMessage().contains("cuda:0") && e.getMessage().contains("cuda:1"), e.getMessage());
            assertArrayEquals(x.exp().toFloatArray(), y.exp().toFloatArray());
        }
    }

    /**
     * Bad indices and class targets never stop the device's queue: the kernel skips them and the
     * next call that waits for the device throws, naming the value; then the device is usable.
     */
    @Test
    void badIndicesOnTheDeviceAreExceptions() {
        try (Scope s = Scope.open()) {
            Tensor logits = Tensor.randn(DType.FLOAT32, D, 4, 3);
            Tensor loss = org.jgrad.nn.Functional.crossEntropy(logits, Tensor.of(new long[] {0, 1, 3, 2}).to(D));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, loss::item);
            assertTrue(e.getMessage().contains("crossEntropy: target 3 is out of range for 3 classes; targets must be in 0..2"),
                    e.getMessage());
            Tensor x = Tensor.randn(DType.FLOAT32, D, 4, 3);
            Tensor picked = x.gather(1, Tensor.of(new long[] {0, 5, 1, 2}, 4, 1).to(D));
            e = assertThrows(IllegalArgumentException.class, () -> Cuda.synchronize(D));
            assertTrue(e.getMessage().contains("gather: index 5 is out of bounds for dimension 1 with size 3"), e.getMessage());
            float[] got = picked.toFloatArray();  // reported once; the bad element reads 0
            float[] xs = x.toFloatArray();
            assertArrayEquals(new float[] {xs[0], 0, xs[7], xs[11]}, got);
            Tensor y = Tensor.randn(DType.FLOAT64, D, 3, 4);
            Tensor nll = org.jgrad.nn.Functional.nllLoss(y, Tensor.of(new long[] {0, -1, 2}).to(D), org.jgrad.nn.Reduction.SUM);
            e = assertThrows(IllegalArgumentException.class, () -> nll.cpu());
            assertTrue(e.getMessage().contains("nllLoss: target -1"), e.getMessage());
            // binaryCrossEntropy's input range, checked on the device too (here a transposed view)
            Tensor p = Tensor.of(new double[] {0.25, 0.5, 1.5, 0, 1, 0.75}, 2, 3).to(D).t();
            Tensor bce = org.jgrad.nn.Functional.binaryCrossEntropy(p, Tensor.ones(DType.FLOAT64, D, 3, 2));
            e = assertThrows(IllegalArgumentException.class, bce::item);
            assertTrue(e.getMessage().contains("binaryCrossEntropy: all elements of input must be probabilities in [0, 1], found 1.5"),
                    e.getMessage());
            Tensor ok = org.jgrad.nn.Functional.binaryCrossEntropy(p.clamp(0, 1), Tensor.ones(DType.FLOAT64, D, 3, 2));
            assertEquals(-(Math.log(0.25) + Math.log(0.5) + 0 + Math.log(0.75) - 100 + 0) / 6, ok.item(), 1e-12);
            assertEquals(12, x.cpu().numel(), "the device is still usable");
        }
    }

    @Test
    void launchBlockingReportsAtTheOp() {
        assertFalse(Cuda.isLaunchBlocking());
        Cuda.setLaunchBlocking(true);
        try (Scope s = Scope.open()) {
            assertTrue(Cuda.isLaunchBlocking());
            Tensor logits = Tensor.randn(DType.FLOAT64, D, 2, 3);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> org.jgrad.nn.Functional.crossEntropy(logits, Tensor.of(new long[] {4, 0}).to(D)));
            assertTrue(e.getMessage().contains("target 4"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> logits.gather(1, Tensor.of(new long[] {0, -4}, 2, 1).to(D)));
            assertTrue(e.getMessage().contains("index -4"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> org.jgrad.nn.Functional.binaryCrossEntropy(
                    Tensor.of(new float[] {0.5f, -0.25f}).to(D), Tensor.zeros(DType.FLOAT32, D, 2)));
            assertTrue(e.getMessage().contains("found -0.25"), e.getMessage());
        } finally {
            Cuda.setLaunchBlocking(false);
        }
        Cuda.synchronize(D);
    }

    /** The fused cross-entropy forward and backward on the device against the CPU, short and long rows, with ignored rows. */
    @Test
    void crossEntropyMatchesTheCpu() {
        for (long classes : new long[] {3, 64, 65, 1000}) {
            for (DType dt : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
                try (Scope s = Scope.open()) {
                    Tensor.manualSeed(classes);
                    Tensor x = Tensor.randn(dt, Device.CPU, 33, classes).mul(5.0);
                    long[] t = new long[33];
                    for (int i = 0; i < t.length; i++) t[i] = i % 7 == 3 ? -100 : (i * 31L) % classes;
                    Tensor target = Tensor.of(t);
                    double[][] out = new double[2][], grad = new double[2][];
                    for (int k = 0; k < 2; k++) {
                        Tensor xi = (k == 0 ? x.detach() : x.to(D)).requiresGrad(true);
                        Tensor loss = org.jgrad.nn.Functional.crossEntropy(xi, k == 0 ? target : target.to(D),
                                org.jgrad.nn.Reduction.MEAN, -100);
                        loss.backward();
                        out[k] = loss.toDoubleArray();
                        grad[k] = xi.grad().toDoubleArray();
                    }
                    double tol = dt == DType.FLOAT32 ? 1e-6 : 1e-14;
                    assertClose(out[0], out[1], tol, "crossEntropy " + classes + " " + dt);
                    assertClose(grad[0], grad[1], tol, "crossEntropy grad " + classes + " " + dt);
                }
            }
        }
    }

    /** A Sequential moved to the device trains with Adam as it does on the CPU, from the same seed. */
    @Test
    void moduleMovedToTheDeviceTrainsWithAdamLikeTheCpu() {
        double[][] losses = new double[2][];
        Device[] devices = {Device.CPU, D};
        for (int k = 0; k < 2; k++) {
            Device dev = devices[k];
            Tensor.manualSeed(43);
            org.jgrad.nn.Sequential net = new org.jgrad.nn.Sequential(new org.jgrad.nn.Linear(6, 8), new org.jgrad.nn.Tanh(),
                    new org.jgrad.nn.Linear(8, 3));
            net.to(DType.FLOAT64).to(dev);
            for (Tensor p : net.parameters()) assertEquals(dev, p.device());
            org.jgrad.optim.Adam opt = new org.jgrad.optim.Adam(net.parameters(), org.jgrad.optim.Adam.options(0.01).amsgrad(true));
            Tensor x = Tensor.randn(DType.FLOAT64, Device.CPU, 16, 6).to(dev);
            long[] labels = new long[16];
            for (int i = 0; i < 16; i++) labels[i] = i % 3;
            Tensor y = Tensor.of(labels).to(dev);
            losses[k] = new double[8];
            for (int step = 0; step < 8; step++) {
                try (Scope inner = Scope.open()) {
                    Tensor loss = org.jgrad.nn.Functional.crossEntropy(net.forward(x), y);
                    opt.zeroGrad();
                    loss.backward();
                    opt.step();
                    losses[k][step] = loss.item();
                }
            }
            opt.close();
            net.close();
        }
        assertClose(losses[0], losses[1], 1e-10, "loss per step");
    }

    @Test
    void overlappingSourcesReadTheirOldValues() {
        InPlaceTest.overlappingSourcesReadTheirOldValues(D);
    }

    @Test
    void selfOverlappingDestinationsAreRefused() {
        InPlaceTest.selfOverlappingDestinationsAreRefused(D);
    }

    /**
     * gather, indexSelect and embedding backward with repeated indices: the scatter-adds sum in
     * index order, so the device gives the CPU's bits (float32, where order shows), and again with
     * the atomic path allowed, to the same values within rounding.
     */
    @Test
    void scatterAddsWithRepeatedIndicesGiveTheCpusBits() {
        Tensor.manualSeed(11);
        Tensor x = Tensor.randn(DType.FLOAT32, Device.CPU, 3, 5);
        long[] idx = new long[3 * 4000];
        for (int i = 0; i < idx.length; i++) idx[i] = (i * 7 + i / 13) % 5 - (i % 3 == 0 ? 5 : 0);  // negatives too
        Tensor index = Tensor.of(idx, 3, 4000);
        Tensor g = Tensor.randn(DType.FLOAT32, Device.CPU, 3, 4000).mul(1000).add(0.001);
        long[] rows = new long[5000];
        for (int i = 0; i < rows.length; i++) rows[i] = (i * 3) % 4;
        Tensor ri = Tensor.of(rows, rows.length);
        Tensor gr = Tensor.randn(DType.FLOAT32, Device.CPU, rows.length, 3).mul(1000);
        float[][] cpu = scatterGradients(x, index, g, ri, gr);
        assertTrue(Cuda.isDeterministic());
        float[][] dev = scatterGradients(x.to(D), index.to(D), g.to(D), ri.to(D), gr.to(D));
        for (int i = 0; i < cpu.length; i++) assertArrayEquals(cpu[i], dev[i], "gradient " + i);
        Cuda.setDeterministic(false);
        try {
            float[][] fast = scatterGradients(x.to(D), index.to(D), g.to(D), ri.to(D), gr.to(D));
            for (int i = 0; i < cpu.length; i++)
                for (int j = 0; j < cpu[i].length; j++) assertEquals(cpu[i][j], fast[i][j], 1e-3 * (1 + Math.abs(cpu[i][j])));
        } finally {
            Cuda.setDeterministic(true);
        }
    }

    private static float[][] scatterGradients(Tensor x, Tensor index, Tensor g, Tensor rows, Tensor gr) {
        Tensor a = x.detach().requiresGrad(true);
        a.gather(1, index.narrow(1, 0, 4000)).mul(g).sum().backward();
        Tensor b = x.detach().requiresGrad(true);
        b.t().indexSelect(0, rows).mul(gr).sum().backward();
        return new float[][] {a.grad().toFloatArray(), b.grad().toFloatArray()};
    }

    /**
     * A cuBLAS call that fails for want of memory empties the device's cache and is tried once
     * more; any other failure (or a second one) throws with cuBLAS's status name.
     */
    @Test
    void cublasAllocationFailuresEmptyTheCacheAndRetryOnce() {
        java.util.function.IntFunction<String> realNamer = CudaBlas.namer;
        CudaBlas.namer = st -> "FAKE_STATUS_" + st;
        try {
            Tensor t = Tensor.zeros(DType.FLOAT32, D, 1 << 20);
            t.close();
            assertTrue(Cuda.memoryReserved(D) > Cuda.memoryAllocated(D), "the freed block stays cached");
            int[] calls = {0};
            CudaBlas.call(D, "cublasSgemm", () -> calls[0]++ == 0 ? 3 : 0);
            assertEquals(2, calls[0]);
            assertEquals(Cuda.memoryAllocated(D), Cuda.memoryReserved(D), "the retry came after emptying the cache");
            calls[0] = 0;
            CudaException e = assertThrows(CudaException.class, () -> CudaBlas.call(D, "cublasSgemm", () -> { calls[0]++; return 3; }));
            assertEquals(2, calls[0]);
            assertTrue(e.getMessage().contains("matmul: cublasSgemm failed with FAKE_STATUS_3 (cuBLAS status 3)"), e.getMessage());
            calls[0] = 0;
            e = assertThrows(CudaException.class, () -> CudaBlas.call(D, "cublasDgemm", () -> { calls[0]++; return 13; }));
            assertEquals(1, calls[0], "only an allocation failure is retried");
            assertTrue(e.getMessage().contains("FAKE_STATUS_13"), e.getMessage());
        } finally {
            CudaBlas.namer = realNamer;
        }
    }

    /**
     * Host threads that queue bad gathers and wait at once on one device: each finding reaches
     * one waiting call, whole, and none is left behind for later work.
     */
    @Test
    void faultsFoundUnderManyThreadsAreReportedWholeAndOnce() throws Exception {
        Tensor x = Tensor.ones(DType.FLOAT32, D, 4, 3);
        Tensor bad = Tensor.of(new long[] {0, 1, 7, 2}, 4, 1).to(D), good = Tensor.of(new long[] {0, 1, 2, 2}, 4, 1).to(D);
        int threads = 4, rounds = 50;
        java.util.concurrent.atomic.AtomicInteger caught = new java.util.concurrent.atomic.AtomicInteger();
        List<Throwable> wrong = java.util.Collections.synchronizedList(new ArrayList<>());
        List<Thread> ts = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Thread th = new Thread(() -> {
                for (int r = 0; r < rounds; r++) {
                    try (Scope s = Scope.open()) {
                        x.gather(1, r % 2 == 0 ? bad : good);
                        Cuda.synchronize(D);
                    } catch (IllegalArgumentException e) {
                        if (e.getMessage().contains("gather: index 7 is out of bounds for dimension 1 with size 3; valid indices are -3..2 (found on cuda:0"))
                            caught.incrementAndGet();
                        else wrong.add(e);
                    } catch (Throwable e) {
                        wrong.add(e);
                    }
                }
            });
            ts.add(th);
            th.start();
        }
        for (Thread th : ts) th.join();
        assertTrue(wrong.isEmpty(), () -> wrong.size() + " unexpected, the first: " + wrong.get(0));
        int bads = threads * rounds / 2;
        assertTrue(caught.get() >= 1 && caught.get() <= bads, "findings reported: " + caught.get() + " of " + bads + " bad gathers");
        // nothing was left on the record: good work waits cleanly, and one more bad gather is reported once
        x.gather(1, good).close();
        Cuda.synchronize(D);
        x.gather(1, bad).close();
        assertThrows(IllegalArgumentException.class, () -> Cuda.synchronize(D));
        Cuda.synchronize(D);
    }

    /**
     * cuBLAS on every operand layout jgrad hands it (plain, transposed either side, k = 1, a
     * strided batch, a broadcast batch, float64), all queued before anything waits, then compared
     * with the CPU at the end: a missing ordering between cuBLAS and jgrad's kernels would show.
     */
    @Test
    void cublasSmokeTestWithoutWaitsBetweenOps() {
        try (Scope s = Scope.open()) {
            Tensor.manualSeed(41);
            System.out.println("CudaTest: " + Cuda.deviceName(D) + ", memory free/total " + java.util.Arrays.toString(Cuda.memGetInfo(D)));
            Tensor a = Tensor.randn(96, 40), b = Tensor.randn(40, 72), c = Tensor.randn(72, 40);
            Tensor k1a = Tensor.randn(33, 1), k1b = Tensor.randn(1, 17);
            Tensor ba = Tensor.randn(5, 12, 9), bb = Tensor.randn(5, 9, 7), shared = Tensor.randn(9, 4);
            Tensor da = Tensor.randn(DType.FLOAT64, Device.CPU, 31, 29), db = Tensor.randn(DType.FLOAT64, Device.CPU, 29, 23);
            Tensor[] cpu = {a.matmul(b), a.matmul(c.t()), b.t().matmul(a.t()), k1a.matmul(k1b), ba.matmul(bb), ba.matmul(shared),
                            da.matmul(db), da.t().matmul(da)};
            Tensor ad = a.to(D), bd = b.to(D), cd = c.to(D), bad = ba.to(D), dad = da.to(D);
            Tensor[] dev = {ad.matmul(bd), ad.matmul(cd.t()), bd.t().matmul(ad.t()), k1a.to(D).matmul(k1b.to(D)), bad.matmul(bb.to(D)),
                            bad.matmul(shared.to(D)), dad.matmul(db.to(D)), dad.t().matmul(dad)};
            // a kernel of jgrad's reading each cuBLAS result before anything waited
            Tensor[] doubled = new Tensor[dev.length];
            for (int i = 0; i < dev.length; i++) doubled[i] = dev[i].mul(2.0);
            for (int i = 0; i < cpu.length; i++) {
                double tol = cpu[i].dtype() == DType.FLOAT64 ? 1e-12 : 1e-4;
                assertClose(cpu[i].mul(2.0).toDoubleArray(), doubled[i].toDoubleArray(), tol, "matmul case " + i);
            }
        }
    }

    /** A runtime call that failed (an allocation the device cannot hold) is not blamed on the healthy ops after it. */
    @Test
    void aFailedRuntimeCallIsNotReportedByTheNextOp() {
        Tensor x = Tensor.ones(DType.FLOAT32, D, 1000);
        for (int i = 0; i < 3; i++) {
            assertThrows(NativeException.class, () -> Tensor.empty(new long[] {1L << 47}, DType.FLOAT32, D));
            Tensor y = x.add(x).exp();  // launches: their status must be their own
            assertEquals(1000 * Math.exp(2), y.sum().item(), 1e-2);
            y.close();
        }
        Cuda.synchronize(D);
    }

    /** sum and argmax over odd-sized views at unaligned offsets: the same bits on every repeat and with the CPU's argmax. */
    @Test
    void reductionsOverUnalignedOddViewsRepeatBitForBit() {
        try (Scope s = Scope.open()) {
            Tensor.manualSeed(43);
            Tensor base = Tensor.randn(DType.FLOAT32, Device.CPU, 3 * 100_003 + 5);
            Tensor bd = base.to(D);
            for (int off = 1; off < 4; off += 2) {
                Tensor v = bd.narrow(0, off, 3 * 100_003).reshape(3, 100_003), vc = base.narrow(0, off, 3 * 100_003).reshape(3, 100_003);
                float total = (float) v.sum().item();
                float[] rows = v.sum(1, false).toFloatArray(), cols = v.sum(0, false).toFloatArray();
                long[] arg = v.argmax(1, false).toLongArray();
                for (int r = 0; r < 5; r++) {
                    assertEquals(Float.floatToIntBits(total), Float.floatToIntBits((float) v.sum().item()), "sum, offset " + off);
                    assertArrayEquals(rows, v.sum(1, false).toFloatArray(), "row sums, offset " + off);
                    assertArrayEquals(cols, v.sum(0, false).toFloatArray(), "column sums, offset " + off);
                    assertArrayEquals(arg, v.argmax(1, false).toLongArray(), "argmax, offset " + off);
                }
                assertArrayEquals(vc.argmax(1, false).toLongArray(), arg, "argmax against the CPU, offset " + off);
                assertEquals(vc.to(DType.FLOAT64).sum().item(), total, 1e-3 * Math.sqrt(v.numel()), "sum against float64, offset " + off);
            }
        }
    }

    @Test
    void autogradOnManyThreadsEqualsOneThread() throws Exception {
        ConcurrencyTest.autogradOnManyThreadsEqualsOneThread(D);
    }

    @Test
    void closingTensorsUnderRunningOpsIsSafe() throws Exception {
        long[] r = ConcurrencyTest.closingTensorsUnderRunningOps(D, 1500);
        System.out.println("CudaTest: 1.5 s of closing under running ops: " + r[0] + " ops completed, " + r[1] + " refused as closed");
    }
}
