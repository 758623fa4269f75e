package org.jgrad.bench;

import java.util.Locale;
import org.jgrad.Autograd;
import org.jgrad.Cuda;
import org.jgrad.DType;
import org.jgrad.Device;
import org.jgrad.Scope;
import org.jgrad.Tensor;
import org.jgrad.nn.Functional;

/**
 * GPU benchmark main, the jgrad half of bench/gpu/run.sh (bench/gpu/torch_bench.py is the PyTorch
 * half, same cases, same output format). Prints one line per case: name, time per op, and GB/s or
 * TFLOP/s where that is the natural unit.
 */
public final class CudaBench {
    private CudaBench() {}

    static final Device D = Device.CUDA;

    interface Op {
        void run();
    }

    /** Mean seconds per call over enough calls to fill ~0.5 s, after a warm-up, synchronising at the ends. */
    static double time(Op op) {
        for (int i = 0; i < 3; i++) op.run();
        Cuda.synchronize();
        int n = 1;
        while (true) {
            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++) op.run();
            Cuda.synchronize();
            double s = (System.nanoTime() - t0) / 1e9;
            if (s > 0.5 || n >= 1 << 20) return s / n;
            n *= 4;
        }
    }

    /** amount per op in the unit's own scale (GB, TFLOP), so amount / seconds is the rate; null unit prints time only. */
    static void report(String name, double sec, String unit, double amount) {
        if (unit == null) System.out.printf(Locale.ROOT, "jgrad  %-28s %12.3f us%n", name, sec * 1e6);
        else System.out.printf(Locale.ROOT, "jgrad  %-28s %12.3f us  %10.1f %s%n", name, sec * 1e6, amount / sec, unit);
    }

    /**
     * Arguments (optional, for a quick smoke run): the log2 element counts of the elementwise cases
     * (default "24,28"), the sgemm size (default 4096) and the batch of the convolution cases
     * (default 64).
     */
    public static void main(String[] args) {
        int[] sizes = args.length > 0 ? java.util.Arrays.stream(args[0].split(",")).mapToInt(Integer::parseInt).toArray() : new int[] {24, 28};
        int g = args.length > 1 ? Integer.parseInt(args[1]) : 4096;
        int nb = args.length > 2 ? Integer.parseInt(args[2]) : 64;
        if (!Cuda.isAvailable()) {
            System.out.println("CudaBench: no CUDA device; nothing to measure");
            return;
        }
        System.out.println("device: " + Cuda.deviceName(D));
        for (int log2 : sizes) {
            long n = 1L << log2;
            try (Tensor a = Tensor.rand(DType.FLOAT32, D, n); Tensor b = Tensor.rand(DType.FLOAT32, D, n)) {
                report("add 2^" + log2, time(() -> a.add(b).close()), "GB/s", 12e-9 * n);
                report("sigmoid 2^" + log2, time(() -> a.sigmoid().close()), "GB/s", 8e-9 * n);
                report("sum 2^" + log2, time(() -> a.sum().close()), "GB/s", 4e-9 * n);
            }
            Cuda.emptyCache(D);
        }
        try (Tensor a = Tensor.randn(DType.FLOAT32, D, g, g); Tensor b = Tensor.randn(DType.FLOAT32, D, g, g)) {
            report("sgemm " + g, time(() -> a.matmul(b).close()), "TFLOP/s", 2.0 * g * g * g * 1e-12);
        }
        try (Tensor a = Tensor.ones(DType.FLOAT32, D, 1); Tensor b = Tensor.ones(DType.FLOAT32, D, 1)) {
            report("tiny add", time(() -> a.add(b).close()), null, 0);
        }
        // convolution, pooling and batch norm, forward and backward at batch nb (fresh leaves each call)
        int[] one = {1};
        for (int[] c : new int[][] {{32, 64, 28}, {64, 64, 56}}) {
            try (Tensor x = Tensor.randn(DType.FLOAT32, D, nb, c[0], c[2], c[2]); Tensor w = Tensor.randn(DType.FLOAT32, D, c[1], c[0], 3, 3)) {
                report("conv " + c[0] + "-" + c[1] + " 3x3 " + c[2] + "^2 f+b", time(() -> {
                    try (Scope s = Scope.open()) {
                        Functional.conv2d(x.detach().requiresGrad(true), w.detach().requiresGrad(true), null, one, one, one, 1).sum().backward();
                    }
                }), null, 0);
            }
        }
        try (Tensor x = Tensor.randn(DType.FLOAT32, D, nb, 32, 28, 28)) {
            report("maxpool 2x2 64x32x28^2 f+b", time(() -> {
                try (Scope s = Scope.open()) {
                    Functional.maxPool2d(x.detach().requiresGrad(true), 2).sum().backward();
                }
            }), null, 0);
        }
        try (Tensor x = Tensor.randn(DType.FLOAT32, D, nb, 64, 28, 28); Tensor w = Tensor.ones(DType.FLOAT32, D, 64);
             Tensor b = Tensor.zeros(DType.FLOAT32, D, 64)) {
            report("batchnorm 64x64x28^2 f+b", time(() -> {
                try (Scope s = Scope.open()) {
                    Tensor y = Functional.batchNorm(x.detach().requiresGrad(true), w.detach().requiresGrad(true), b.detach().requiresGrad(true));
                    y.mul(y).sum().backward();
                }
            }), null, 0);
        }
        Cuda.emptyCache(D);
        for (int batch : new int[] {64, 1024}) {
            Tensor x = Tensor.randn(DType.FLOAT32, D, batch, 784);
            long[] labels = new long[batch];
            for (int i = 0; i < batch; i++) labels[i] = i % 10;
            Tensor y = Tensor.of(labels).to(D);
            Tensor w1 = Tensor.randn(DType.FLOAT32, D, 784, 256).mul(0.03).requiresGrad(true);
            Tensor b1 = Tensor.zeros(DType.FLOAT32, D, 256).requiresGrad(true);
            Tensor w2 = Tensor.randn(DType.FLOAT32, D, 256, 10).mul(0.06).requiresGrad(true);
            Tensor b2 = Tensor.zeros(DType.FLOAT32, D, 10).requiresGrad(true);
            Tensor[] params = {w1, b1, w2, b2};
            report("MLP step batch " + batch, time(() -> {
                try (Scope s = Scope.open()) {
                    Functional.crossEntropy(x.matmul(w1).add(b1).relu().matmul(w2).add(b2), y).backward();
                    try (var off = Autograd.noGrad()) {
                        for (Tensor p : params) {
                            p.subInPlace(p.grad().mul(0.01));
                            p.zeroGrad();
                        }
                    }
                }
            }), null, 0);
        }
    }
}
