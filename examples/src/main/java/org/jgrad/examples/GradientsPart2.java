package org.jgrad.examples;

import java.util.Locale;
import org.jgrad.Autograd;
import org.jgrad.DType;
import org.jgrad.Device;
import org.jgrad.Scope;
import org.jgrad.Tensor;
import org.jgrad.nn.Functional;

/**
 * Part 2 of the gradients series, each result checked against a formula worked by hand: the MSE
 * loss's gradient by Autograd.grad and by backward(); softmax and its Jacobian, diag(s) − s·sᵀ; a
 * single-layer perceptron (sigmoid and binary cross-entropy) learning a linearly separable rule;
 * a two-layer perceptron whose backward() gradients are the chain rule written out and agree with
 * central finite differences. All in float64. {@code GradientsPart2.main(new String[0])}
 */
public final class GradientsPart2 {
    private GradientsPart2() {}

    public static void main(String[] args) {
        mseGradient();
        softmaxJacobian();
        perceptron();
        chainRule();
    }

    static Tensor f64(double[] v, long... shape) {
        return Tensor.of(v, shape);
    }

    /** The largest difference between the gradients (dL/dw, dL/db) of autograd (both ways) and of the formula 2/n·Σ(wx + b − y)·(x, 1). */
    static double mseGradient() {
        Console.title("1. the MSE loss of y = w·x + b: its gradient by Autograd.grad, by backward() and by hand");
        double[] xs = {-1, 0, 1, 2, 3}, ys = {-2.9, -1.1, 1.2, 2.8, 5.1};
        double w0 = 0.5, b0 = 0.25;
        try (Scope s = Scope.open()) {
            Tensor x = f64(xs, 5), y = f64(ys, 5);
            Tensor w = Tensor.scalar(w0, DType.FLOAT64).requiresGrad(true), b = Tensor.scalar(b0, DType.FLOAT64).requiresGrad(true);
            Tensor[] g = Autograd.grad(Functional.mseLoss(x.mul(w).add(b), y), w, b);
            Functional.mseLoss(x.mul(w).add(b), y).backward();
            double dw = 0, db = 0;
            for (int i = 0; i < 5; i++) {
                double r = w0 * xs[i] + b0 - ys[i];
                dw += 2 * r * xs[i] / 5;
                db += 2 * r / 5;
            }
            System.out.printf(Locale.ROOT, "Autograd.grad: dL/dw = %.6f, dL/db = %.6f%n", g[0].item(), g[1].item());
            System.out.printf(Locale.ROOT, "backward():    dL/dw = %.6f, dL/db = %.6f%n", w.grad().item(), b.grad().item());
            System.out.printf(Locale.ROOT, "by hand:       dL/dw = %.6f, dL/db = %.6f%n", dw, db);
            return Math.max(Math.max(Math.abs(g[0].item() - dw), Math.abs(g[1].item() - db)),
                    Math.max(Math.abs(w.grad().item() - dw), Math.abs(b.grad().item() - db)));
        }
    }

    /** The largest difference between softmax's Jacobian row by row from autograd and diag(s) − s·sᵀ. */
    static double softmaxJacobian() {
        Console.title("2. softmax and its Jacobian: autograd, one row per output, against diag(s) - s s^T");
        double[] zv = {1.0, 2.0, 0.5, -1.0};
        int n = zv.length;
        double worst = 0;
        try (Scope s = Scope.open()) {
            Tensor z = f64(zv, n).requiresGrad(true);
            Tensor sm = z.softmax(0);
            double[] sv = sm.toDoubleArray();
            System.out.println("softmax(z) = " + sm.detach());
            for (int i = 0; i < n; i++) {
                // row i: the gradient of s_i with respect to z, keeping the graph for the next row
                Tensor[] row = Autograd.grad(sm.select(0, i), Tensor.ones(DType.FLOAT64, Device.CPU), new Tensor[] {z}, true, false);
                double[] r = row[0].toDoubleArray();
                StringBuilder line = new StringBuilder();
                for (int j = 0; j < n; j++) {
                    double want = (i == j ? sv[i] : 0) - sv[i] * sv[j];
                    worst = Math.max(worst, Math.abs(r[j] - want));
                    line.append(String.format(Locale.ROOT, "%9.5f", r[j]));
                }
                System.out.println("ds_" + i + "/dz = " + line);
            }
        }
        System.out.printf(Locale.ROOT, "largest difference from diag(s) - s s^T: %.2e%n", worst);
        return worst;
    }

    /** Trains a single-layer perceptron on 2-D points labelled by x + 2y > 1 and returns its training accuracy. */
    static double perceptron() {
        Console.title("3. a single-layer perceptron: sigmoid(w.x + b), binary cross-entropy, gradient descent");
        try (Scope s = Scope.open()) {
            Tensor.manualSeed(5);
            Tensor x = Tensor.rand(DType.FLOAT64, Device.CPU, 200, 2).mul(4).sub(2);
            double[] xv = x.toDoubleArray(), yv = new double[200];
            for (int i = 0; i < 200; i++) yv[i] = xv[2 * i] + 2 * xv[2 * i + 1] > 1 ? 1 : 0;
            Tensor y = f64(yv, 200, 1);
            Tensor w = Tensor.zeros(DType.FLOAT64, Device.CPU, 2, 1).requiresGrad(true), b = Tensor.zeros(DType.FLOAT64, Device.CPU, 1).requiresGrad(true);
            double loss = 0;
            for (int step = 0; step < 500; step++) {
                try (Scope st = Scope.open()) {
                    Tensor l = Functional.binaryCrossEntropyWithLogits(x.matmul(w).add(b), y);
                    l.backward();
                    loss = l.item();
                    try (var off = Autograd.noGrad()) {
                        w.subInPlace(w.grad().mul(1.0));
                        b.subInPlace(b.grad().mul(1.0));
                    }
                    w.zeroGrad();
                    b.zeroGrad();
                }
            }
            double acc;
            try (var off = Autograd.noGrad()) {
                acc = x.matmul(w).add(b).gt(0).to(DType.FLOAT64).eq(y).to(DType.FLOAT64).mean().item();
            }
            double[] wv = w.toDoubleArray();
            System.out.printf(Locale.ROOT, "after 500 steps: loss %.4f, w = (%.3f, %.3f), b = %.3f (the rule's direction is (1, 2)), accuracy %.1f%%%n", loss,
                    wv[0], wv[1], b.item(), 100 * acc);
            return acc;
        }
    }

    /**
     * A 3-4-2 network, h = tanh(x·W1 + b1), out = h·W2 + b2, L = Σ out²/2: the gradients of W1 and W2
     * from backward() against the chain rule written out and against central finite differences.
     * Returns {largest difference from the chain rule, largest difference from finite differences}.
     */
    static double[] chainRule() {
        Console.title("4. a multi-layer perceptron: backward() against the chain rule by hand and finite differences");
        try (Scope s = Scope.open()) {
            Tensor.manualSeed(9);
            Tensor x = Tensor.randn(DType.FLOAT64, Device.CPU, 5, 3);
            Tensor w1 = Tensor.randn(DType.FLOAT64, Device.CPU, 3, 4).requiresGrad(true), b1 = Tensor.randn(DType.FLOAT64, Device.CPU, 4).requiresGrad(true);
            Tensor w2 = Tensor.randn(DType.FLOAT64, Device.CPU, 4, 2).requiresGrad(true), b2 = Tensor.randn(DType.FLOAT64, Device.CPU, 2).requiresGrad(true);
            java.util.function.BiFunction<Tensor, Tensor, Tensor> loss = (a, c) -> {
                Tensor out = x.matmul(a).add(b1).tanh().matmul(c).add(b2);
                return out.mul(out).sum().mul(0.5);
            };
            loss.apply(w1, w2).backward();
            // the chain rule: dL/dout = out; dL/dW2 = hᵀ·out; dL/dh = out·W2ᵀ; dL/da = dL/dh ⊙ (1 − h²); dL/dW1 = xᵀ·dL/da
            Tensor dW1, dW2;
            try (var off = Autograd.noGrad()) {
                Tensor h = x.matmul(w1).add(b1).tanh(), out = h.matmul(w2).add(b2);
                dW2 = h.t().matmul(out);
                Tensor da = out.matmul(w2.t()).mul(h.mul(h).rsub(1));
                dW1 = x.t().matmul(da);
            }
            double byHand = Math.max(maxDiff(w1.grad(), dW1), maxDiff(w2.grad(), dW2));
            double fd = Math.max(maxDiff(w1.grad(), numeric(p -> loss.apply(p, w2.detach()), w1)), maxDiff(w2.grad(), numeric(p -> loss.apply(w1.detach(), p), w2)));
            System.out.printf(Locale.ROOT, "dL/dW1 and dL/dW2: backward() vs the chain rule %.2e, vs central differences (h = 1e-6) %.2e%n", byHand, fd);
            return new double[] {byHand, fd};
        }
    }

    static double maxDiff(Tensor a, Tensor b) {
        double[] x = a.toDoubleArray(), y = b.toDoubleArray();
        double m = 0;
        for (int i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i] - y[i]));
        return m;
    }

    /** Central differences of f at p, one element at a time. */
    static Tensor numeric(java.util.function.Function<Tensor, Tensor> f, Tensor p) {
        double[] v = p.toDoubleArray(), g = new double[v.length];
        double h = 1e-6;
        try (var off = Autograd.noGrad()) {
            for (int i = 0; i < v.length; i++) {
                double keep = v[i];
                v[i] = keep + h;
                double up = f.apply(Tensor.of(v.clone(), p.shape())).item();
                v[i] = keep - h;
                double down = f.apply(Tensor.of(v.clone(), p.shape())).item();
                v[i] = keep;
                g[i] = (up - down) / (2 * h);
            }
        }
        return Tensor.of(g, p.shape());
    }
}
