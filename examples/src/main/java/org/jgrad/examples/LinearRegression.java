package org.jgrad.examples;

import java.util.Locale;
import org.jgrad.Autograd;
import org.jgrad.Scope;
import org.jgrad.Tensor;
import org.jgrad.nn.Functional;

/** Fits y = w·x + b to noisy points by gradient descent on the mean squared error (the series' part 2). */
public final class LinearRegression {
    private LinearRegression() {}

    public static void main(String[] args) {
        Console.title("linear regression by gradient descent: y = 1.477 x + 0.089 + noise");
        double[] wb = fit(true);
        System.out.printf(Locale.ROOT, "fitted w = %.4f, b = %.4f%n", wb[0], wb[1]);
    }

    /** Returns {w, b, final loss}. */
    static double[] fit(boolean print) {
        Tensor.manualSeed(1);
        Tensor x = Tensor.rand(100, 1).mul(10.0);
        Tensor y = x.mul(1.477).add(0.089).add(Tensor.randn(100, 1).mul(0.1));
        Tensor w = Tensor.zeros(1, 1).requiresGrad(true);
        Tensor b = Tensor.zeros(1).requiresGrad(true);
        double lr = 0.01, loss = 0;
        for (int epoch = 0; epoch <= 1000; epoch++) {
            try (Scope scope = Scope.open()) {
                Tensor l = Functional.mseLoss(x.matmul(w).add(b), y);
                l.backward();
                loss = l.item();
                try (var off = Autograd.noGrad()) {
                    w.subInPlace(w.grad().mul(lr));
                    b.subInPlace(b.grad().mul(lr));
                }
                w.zeroGrad();
                b.zeroGrad();
            }
            if (print && epoch % 200 == 0) {
                System.out.printf(Locale.ROOT, "epoch %4d  loss %.6f  w %.4f  b %.4f%n", epoch, loss, w.item(), b.item());
            }
        }
        return new double[] {w.item(), b.item(), loss};
    }
}
