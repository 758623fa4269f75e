package org.jgrad.bench;

import java.util.concurrent.TimeUnit;
import org.bytedeco.pytorch.global.torch;
import org.jgrad.Autograd;
import org.jgrad.Tensor;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * jgrad beside libtorch (CPU, through org.bytedeco:pytorch) on the same inputs in the same run.
 * Every result is closed at once on both sides, so neither relies on the garbage collector.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class OpsBench {

    static {
        torch.set_num_threads(2);
    }

    @State(Scope.Thread)
    public static class Tiny {
        Tensor a, b, ag;
        org.bytedeco.pytorch.Tensor ta, tb, tag;

        @Setup
        public void setup() {
            a = Tensor.of(new float[] {1.5f});
            b = Tensor.of(new float[] {2.5f});
            ag = Tensor.of(new float[] {1.5f}).requiresGrad(true);
            ta = torch.ones(1);
            tb = torch.ones(1);
            tag = torch.ones(1).set_requires_grad(true);
        }
    }

    @Benchmark
    public double jgradTinyAdd(Tiny s) {
        try (Tensor c = s.a.add(s.b)) {
            return c.numel();
        }
    }

    @Benchmark
    public long torchTinyAdd(Tiny s) {
        try (org.bytedeco.pytorch.Tensor c = s.ta.add(s.tb)) {
            return c.numel();
        }
    }

    @Benchmark
    public double jgradTinyAddBackward(Tiny s) {
        try (Tensor c = s.ag.add(s.b)) {
            c.backward();
        }
        s.ag.zeroGrad();
        return 0;
    }

    @Benchmark
    public long torchTinyAddBackward(Tiny s) {
        try (org.bytedeco.pytorch.Tensor c = s.tag.add(s.tb)) {
            c.backward();
        }
        try (org.bytedeco.pytorch.Tensor g = s.tag.mutable_grad()) {
            g.reset();
        }
        return 0;
    }

    @State(Scope.Thread)
    public static class Big {
        @Param({"1000000", "16000000"})
        public long n;
        Tensor a, b, ag, ones;
        org.bytedeco.pytorch.Tensor ta, tb, tag, tones;

        @Setup
        public void setup() {
            a = Tensor.rand(n);
            b = Tensor.rand(n);
            ag = Tensor.rand(n).requiresGrad(true);
            ones = Tensor.ones(n);
            ta = torch.rand(n);
            tb = torch.rand(n);
            tag = torch.rand(n).set_requires_grad(true);
            tones = torch.ones(n);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            a.close();
            b.close();
            ag.close();
            ones.close();
            ta.close();
            tb.close();
            tag.close();
            tones.close();
        }
    }

    @Benchmark
    public long jgradAdd(Big s) {
        try (Tensor c = s.a.add(s.b)) {
            return c.numel();
        }
    }

    @Benchmark
    public long torchAdd(Big s) {
        try (org.bytedeco.pytorch.Tensor c = s.ta.add(s.tb)) {
            return c.numel();
        }
    }

    @Benchmark
    public long jgradSigmoid(Big s) {
        try (Tensor c = s.a.sigmoid()) {
            return c.numel();
        }
    }

    @Benchmark
    public long torchSigmoid(Big s) {
        try (org.bytedeco.pytorch.Tensor c = s.ta.sigmoid()) {
            return c.numel();
        }
    }

    @Benchmark
    public double jgradSum(Big s) {
        try (Tensor c = s.a.sum()) {
            return c.item();
        }
    }

    @Benchmark
    public double torchSum(Big s) {
        try (org.bytedeco.pytorch.Tensor c = s.ta.sum()) {
            return c.item_float();
        }
    }

    @Benchmark
    public double jgradSigmoidForwardBackward(Big s) {
        try (Tensor y = s.ag.sigmoid()) {
            y.backward(s.ones);
        }
        s.ag.zeroGrad();
        return 0;
    }

    @Benchmark
    public double torchSigmoidForwardBackward(Big s) {
        try (org.bytedeco.pytorch.Tensor y = s.tag.sigmoid()) {
            y.backward(s.tones, new org.bytedeco.pytorch.BoolOptional(), false, new org.bytedeco.pytorch.TensorArrayRefOptional());
        }
        try (org.bytedeco.pytorch.Tensor g = s.tag.mutable_grad()) {
            g.reset();
        }
        return 0;
    }

    @State(Scope.Thread)
    public static class Mat {
        @Param({"256", "1024"})
        public long n;
        Tensor a, b;
        org.bytedeco.pytorch.Tensor ta, tb;

        @Setup
        public void setup() {
            a = Tensor.rand(n, n);
            b = Tensor.rand(n, n);
            ta = torch.rand(n, n);
            tb = torch.rand(n, n);
        }
    }

    @Benchmark
    public long jgradMatmul(Mat s) {
        try (Tensor c = s.a.matmul(s.b)) {
            return c.numel();
        }
    }

    @Benchmark
    public long torchMatmul(Mat s) {
        try (org.bytedeco.pytorch.Tensor c = s.ta.matmul(s.tb)) {
            return c.numel();
        }
    }

    /** One SGD step of a 784-256-10 MLP at batch 64 (linear, relu, linear, cross-entropy). */
    @State(Scope.Thread)
    public static class Mlp {
        Tensor x, y, w1, b1, w2, b2;
        org.bytedeco.pytorch.Tensor tx, ty, tw1, tb1, tw2, tb2;

        @Setup
        public void setup() {
            x = Tensor.randn(64, 784);
            long[] labels = new long[64];
            for (int i = 0; i < 64; i++) labels[i] = i % 10;
            y = Tensor.of(labels);
            w1 = Tensor.randn(784, 256).mul(0.03).requiresGrad(true);
            b1 = Tensor.zeros(256).requiresGrad(true);
            w2 = Tensor.randn(256, 10).mul(0.06).requiresGrad(true);
            b2 = Tensor.zeros(10).requiresGrad(true);
            tx = torch.randn(64, 784);
            ty = torch.arange(new org.bytedeco.pytorch.Scalar(64L)).remainder(new org.bytedeco.pytorch.Scalar(10L));
            tw1 = torch.randn(784, 256).mul(new org.bytedeco.pytorch.Scalar(0.03)).set_requires_grad(true);
            tb1 = torch.zeros(256).set_requires_grad(true);
            tw2 = torch.randn(256, 10).mul(new org.bytedeco.pytorch.Scalar(0.06)).set_requires_grad(true);
            tb2 = torch.zeros(10).set_requires_grad(true);
        }
    }

    @Benchmark
    public double jgradMlpStep(Mlp s) {
        try (org.jgrad.Scope scope = org.jgrad.Scope.open()) {
            Tensor loss = org.jgrad.nn.Functional.crossEntropy(s.x.matmul(s.w1).add(s.b1).relu().matmul(s.w2).add(s.b2), s.y);
            loss.backward();
            try (var off = Autograd.noGrad()) {
                for (Tensor p : new Tensor[] {s.w1, s.b1, s.w2, s.b2}) {
                    p.subInPlace(p.grad().mul(0.01));
                    p.zeroGrad();
                }
            }
        }
        return 0;
    }

    @Benchmark
    public double torchMlpStep(Mlp s) {
        try (org.bytedeco.javacpp.PointerScope scope = new org.bytedeco.javacpp.PointerScope()) {
            org.bytedeco.pytorch.Tensor h = s.tx.matmul(s.tw1).add(s.tb1).relu();
            org.bytedeco.pytorch.Tensor loss = torch.cross_entropy_loss(h.matmul(s.tw2).add(s.tb2), s.ty);
            loss.backward();
            try (org.bytedeco.pytorch.NoGradGuard g = new org.bytedeco.pytorch.NoGradGuard()) {
                for (org.bytedeco.pytorch.Tensor p : new org.bytedeco.pytorch.Tensor[] {s.tw1, s.tb1, s.tw2, s.tb2}) {
                    org.bytedeco.pytorch.Tensor gr = p.mutable_grad();
                    p.sub_(gr.mul(new org.bytedeco.pytorch.Scalar(0.01)));
                    gr.reset();
                }
            }
        }
        return 0;
    }

    /** One Adam step (lr 1e-3, PyTorch's defaults) on 10⁶ float32 parameters whose gradient is already there. */
    @State(Scope.Thread)
    public static class AdamStep {
        Tensor p;
        org.jgrad.optim.Adam opt;
        org.bytedeco.pytorch.Tensor tp;
        org.bytedeco.pytorch.Adam topt;

        @Setup
        public void setup() {
            p = Tensor.randn(1_000_000).requiresGrad(true);
            p.sum().backward();
            opt = new org.jgrad.optim.Adam(java.util.List.of(p));
            tp = torch.randn(1_000_000).set_requires_grad(true);
            tp.sum().backward();
            org.bytedeco.pytorch.TensorVector v = new org.bytedeco.pytorch.TensorVector();
            v.push_back(tp);
            topt = new org.bytedeco.pytorch.Adam(v, new org.bytedeco.pytorch.AdamOptions(1e-3));
        }
    }

    @Benchmark
    public double jgradAdamStep(AdamStep s) {
        s.opt.step();
        return 0;
    }

    @Benchmark
    public double torchAdamStep(AdamStep s) {
        try (org.bytedeco.pytorch.Tensor r = s.topt.step()) {
            return 0;
        }
    }
}
