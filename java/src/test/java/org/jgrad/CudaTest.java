package org.jgrad;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
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
                        for (int i = 0; i < cpu.length; i++) gpu[i] = cpu[i].to(D);
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

    /** Central finite differences in float64 on the device, for the unary ops. */
    @Test
    void gradcheckOnTheDevice() {
        String[] names = {"exp", "log", "sqrt", "sin", "cos", "sigmoid", "tanh", "relu", "leakyRelu", "clamp", "abs", "neg",
                "pow(scalar)", "rdiv", "mul", "div", "sub", "add", "where"};
        for (String name : names) {
            OpInfo op = OpRegistry.OPS.stream().filter(o -> o.name.equals(name)).findFirst().orElseThrow();
            double[][] v = ConformanceTest.values(op, 0);
            try (Scope scope = Scope.open()) {
                Tensor[] in = device(ConformanceTest.build(op, 0, v, DType.FLOAT64, false), true, op);
                Tensor y = op.op.apply(in);
                Tensor w = Tensor.randn(DType.FLOAT64, D, y.shape());
                List<Tensor> diff = new ArrayList<>();
                List<Integer> which = new ArrayList<>();
                for (int k = 0; k < in.length; k++) {
                    if (in[k].requiresGrad()) {
                        diff.add(in[k]);
                        which.add(k);
                    }
                }
                Tensor[] g = Autograd.grad(y, w, diff.toArray(new Tensor[0]), false, false);
                double[] wv = w.toDoubleArray();
                for (int j = 0; j < which.size(); j++) {
                    int k = which.get(j);
                    assertEquals(D, g[j].device());
                    double[] analytic = g[j].toDoubleArray();
                    for (int e = 0; e < v[k].length; e++) {
                        double keep = v[k][e];
                        v[k][e] = keep + 1e-6;
                        double up = lossOnDevice(op, v, wv);
                        v[k][e] = keep - 1e-6;
                        double down = lossOnDevice(op, v, wv);
                        v[k][e] = keep;
                        double num = (up - down) / 2e-6;
                        assertEquals(num, analytic[e], 1e-5 + 1e-3 * Math.abs(num), name + " d/dx" + k + "[" + e + "]");
                    }
                }
            }
        }
    }

    private static Tensor[] device(Tensor[] cpu, boolean grad, OpInfo op) {
        Tensor[] out = new Tensor[cpu.length];
        for (int i = 0; i < cpu.length; i++) {
            out[i] = cpu[i].to(D);
            if (grad && op.samples.get(0)[i].differentiable()) out[i].requiresGrad(true);
        }
        return out;
    }

    private static double lossOnDevice(OpInfo op, double[][] v, double[] w) {
        try (Scope s = Scope.open(); var off = Autograd.noGrad()) {
            double[] y = op.op.apply(device(ConformanceTest.build(op, 0, v, DType.FLOAT64, false), false, op)).toDoubleArray();
            double l = 0;
            for (int i = 0; i < y.length; i++) l += y[i] * w[i];
            return l;
        }
    }

    @Test
    void mixingDevicesIsAnError() {
        Tensor a = Tensor.ones(3), b = Tensor.ones(3).to(D);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> a.add(b));
        assertTrue(e.getMessage().contains("cpu") && e.getMessage().contains("cuda:0"), e.getMessage());
    }

    @Test
    void outOfMemoryIsAnExceptionAndTheDeviceStaysUsable() {
        Tensor keep = Tensor.ones(DType.FLOAT32, D, 1000);
        NativeException e = assertThrows(NativeException.class, () -> Tensor.zeros(DType.FLOAT32, D, 1L << 48));
        assertTrue(e.getMessage().contains("out of memory") && e.getMessage().contains("free"), e.getMessage());
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
}
