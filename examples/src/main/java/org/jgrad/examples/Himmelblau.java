package org.jgrad.examples;

import java.util.Locale;
import org.jgrad.Autograd;
import org.jgrad.Scope;
import org.jgrad.Tensor;

/** 2-D optimisation of Himmelblau's function f(x, y) = (x² + y − 11)² + (x + y² − 7)², which has four minima of value 0. */
public final class Himmelblau {
    private Himmelblau() {}

    public static void main(String[] args) {
        SeedGradients.title("Himmelblau's function: gradient descent from four starting points");
        for (double[] start : new double[][] {{0, 0}, {-1, 0}, {-4, 0}, {4, 0}}) {
            double[] r = minimise(start);
            System.out.printf(Locale.ROOT, "from (%5.1f, %4.1f) -> (%8.5f, %8.5f)  f = %.3e%n", start[0], start[1], r[0], r[1], r[2]);
        }
    }

    static Tensor f(Tensor p) {
        Tensor x = p.select(0, 0), y = p.select(0, 1);
        return x.pow(2).add(y).sub(11.0).pow(2).add(x.add(y.pow(2)).sub(7.0).pow(2));
    }

    /** Returns {x, y, f}. */
    static double[] minimise(double[] start) {
        Tensor p = Tensor.of(start.clone()).requiresGrad(true);
        for (int i = 0; i < 2000; i++) {
            try (Scope s = Scope.open()) {
                f(p).backward();
                try (var off = Autograd.noGrad()) {
                    p.subInPlace(p.grad().mul(0.005));
                }
                p.zeroGrad();
            }
        }
        double[] v = p.toDoubleArray();
        double fv;
        try (Scope s = Scope.open()) {
            fv = f(p).item();
        }
        return new double[] {v[0], v[1], fv};
    }
}
