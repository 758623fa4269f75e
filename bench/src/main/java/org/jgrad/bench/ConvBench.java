package org.jgrad.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;
import org.jgrad.DType;
import org.jgrad.Device;
import org.jgrad.Scope;
import org.jgrad.Tensor;
import org.jgrad.nn.Functional;

/**
 * Convolution, pooling and batch norm, forward and backward at batch 64, in jgrad and in libtorch
 * (its CPU build, oneDNN underneath) in one run: (a) 1→32 channels 5×5 on 28×28 (LeNet's first
 * layer, the input without a gradient), (b) 32→64 3×3 padding 1 on 28×28, (c) 64→64 3×3 padding 1
 * on 56×56 (a ResNet block's), maxPool2d 2×2 over 64×32×28×28 and batchNorm2d in training over
 * 64×64×28×28. Each iteration makes fresh leaves from the same data (detach, requiresGrad) on both
 * sides, runs the op, sums and backpropagates. The libraries alternate in rounds; each reports its
 * median. Arguments: rounds (default 5), iterations per round (default 5). Run with
 * OMP_WAIT_POLICY=PASSIVE as well as without (bench/README.md).
 */
public final class ConvBench {
    private ConvBench() {}

    interface Case {
        void jgrad();

        void torch();
    }

    static org.bytedeco.pytorch.Tensor torchOf(Tensor t) {
        return EpochBench.fromFloats(t.toFloatArray(), t.shape());
    }

    static Case conv(long n, long cin, long cout, long k, long hw, long pad, boolean inputGrad) {
        Tensor.manualSeed(1);
        Tensor x = Tensor.randn(DType.FLOAT32, Device.CPU, n, cin, hw, hw), w = Tensor.randn(DType.FLOAT32, Device.CPU, cout, cin, k, k).mul(0.1f),
                b = Tensor.randn(DType.FLOAT32, Device.CPU, cout);
        org.bytedeco.pytorch.Tensor tx = torchOf(x), tw = torchOf(w), tb = torchOf(b);
        int[] one = {1}, p = {(int) pad};
        long[] lone = {1, 1}, lp = {pad, pad};
        return new Case() {
            public void jgrad() {
                try (Scope s = Scope.open()) {
                    Tensor xi = inputGrad ? x.detach().requiresGrad(true) : x, wi = w.detach().requiresGrad(true), bi = b.detach().requiresGrad(true);
                    Functional.conv2d(xi, wi, bi, one, p, one, 1).sum().backward();
                }
            }

            public void torch() {
                try (PointerScope s = new PointerScope()) {
                    org.bytedeco.pytorch.Tensor xi = inputGrad ? tx.detach().requires_grad_(true) : tx, wi = tw.detach().requires_grad_(true),
                            bi = tb.detach().requires_grad_(true);
                    torch.conv2d(xi, wi, new TensorOptional(bi), lone, lp, lone, 1).sum().backward();
                }
            }
        };
    }

    static Case maxPool() {
        Tensor.manualSeed(2);
        Tensor x = Tensor.randn(DType.FLOAT32, Device.CPU, 64, 32, 28, 28);
        org.bytedeco.pytorch.Tensor tx = torchOf(x);
        return new Case() {
            public void jgrad() {
                try (Scope s = Scope.open()) {
                    Functional.maxPool2d(x.detach().requiresGrad(true), 2).sum().backward();
                }
            }

            public void torch() {
                try (PointerScope s = new PointerScope()) {
                    torch.max_pool2d(tx.detach().requires_grad_(true), new long[] {2, 2}, new long[] {2, 2}, new long[] {0, 0}, new long[] {1, 1}, false)
                            .sum().backward();
                }
            }
        };
    }

    static Case batchNorm() {
        Tensor.manualSeed(3);
        Tensor x = Tensor.randn(DType.FLOAT32, Device.CPU, 64, 64, 28, 28), w = Tensor.ones(64), b = Tensor.zeros(64);
        Tensor rm = Tensor.zeros(64), rv = Tensor.ones(64);
        org.bytedeco.pytorch.Tensor tx = torchOf(x), tw = torchOf(w), tb = torchOf(b), trm = torchOf(rm), trv = torchOf(rv);
        return new Case() {
            public void jgrad() {
                try (Scope s = Scope.open()) {
                    // a loss that is not the plain sum: the sum's gradient through batch norm is zero
                    Tensor y = Functional.batchNorm(x.detach().requiresGrad(true), rm, rv, w.detach().requiresGrad(true), b.detach().requiresGrad(true),
                            true, 0.1, 1e-5);
                    y.mul(y).sum().backward();
                }
            }

            public void torch() {
                try (PointerScope s = new PointerScope()) {
                    org.bytedeco.pytorch.Tensor y = torch.batch_norm(tx.detach().requires_grad_(true), new TensorOptional(tw.detach().requires_grad_(true)),
                            new TensorOptional(tb.detach().requires_grad_(true)), new TensorOptional(trm), new TensorOptional(trv), true, 0.1, 1e-5, false);
                    y.mul(y).sum().backward();
                }
            }
        };
    }

    static double median(List<Double> v) {
        double[] a = v.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(a);
        return a[a.length / 2];
    }

    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5, iters = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        torch.set_num_threads(2);
        String[] names = {"conv2d 1->32 5x5 28x28 (LeNet conv1)", "conv2d 32->64 3x3 28x28", "conv2d 64->64 3x3 56x56 (ResNet block)",
            "maxPool2d 2x2, 64x32x28x28", "batchNorm2d train, 64x64x28x28"};
        Case[] cases = {conv(64, 1, 32, 5, 28, 0, false), conv(64, 32, 64, 3, 28, 1, true), conv(64, 64, 64, 3, 56, 1, true), maxPool(), batchNorm()};
        System.out.printf(Locale.ROOT, "%-42s %12s %12s %8s%n", "forward+backward, batch 64", "jgrad ms", "libtorch ms", "ratio");
        for (int c = 0; c < cases.length; c++) {
            List<Double> j = new ArrayList<>(), t = new ArrayList<>();
            cases[c].jgrad();  // warm-up
            cases[c].torch();
            for (int r = 0; r < rounds; r++) {
                for (int i = 0; i < iters; i++) {
                    long t0 = System.nanoTime();
                    cases[c].jgrad();
                    j.add((System.nanoTime() - t0) / 1e6);
                }
                for (int i = 0; i < iters; i++) {
                    long t0 = System.nanoTime();
                    cases[c].torch();
                    t.add((System.nanoTime() - t0) / 1e6);
                }
            }
            double mj = median(j), mt = median(t);
            System.out.printf(Locale.ROOT, "%-42s %12.2f %12.2f %8.2f%n", names[c], mj, mt, mj / mt);
        }
    }
}
