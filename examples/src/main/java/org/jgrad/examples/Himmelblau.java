package org.jgrad.examples;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.knowm.xchart.XYChart;
import org.jgrad.Autograd;
import org.jgrad.Scope;
import org.jgrad.Tensor;

/** 2-D optimisation of Himmelblau's function f(x, y) = (x² + y − 11)² + (x + y² − 7)², which has four minima of value 0. */
public final class Himmelblau {
    private Himmelblau() {}

    public static void main(String[] args) {
        Console.title("Himmelblau's function: gradient descent from four starting points");
        XYChart c = Pictures.chart("Himmelblau's function: level sets and four descents (lr 0.005)", "x", "y");
        c.getStyler().setMarkerSize(2);
        contours(c);
        for (double[] start : new double[][] {{0, 0}, {-1, 0}, {-4, 0}, {4, 0}}) {
            List<double[]> path = new ArrayList<>();
            double[] r = minimise(start, path);
            System.out.printf(Locale.ROOT, "from (%5.1f, %4.1f) -> (%8.5f, %8.5f)  f = %.3e%n", start[0], start[1], r[0], r[1], r[2]);
            Pictures.line(c, String.format(Locale.ROOT, "from (%.0f, %.0f)", start[0], start[1]), path.stream().mapToDouble(q -> q[0]).toArray(),
                    path.stream().mapToDouble(q -> q[1]).toArray());
        }
        System.out.println("picture: " + Pictures.save(c, "himmelblau"));
    }

    /**
     * The level sets f = 1, 10, 50, 150, 400 on [−6, 6]² as dots where they cross the edges of a
     * 240×240 grid (linear interpolation along each edge), one series per level.
     */
    static void contours(XYChart c) {
        int n = 240;
        double lo = -6, step = 12.0 / n;
        double[][] f = new double[n + 1][n + 1];
        for (int i = 0; i <= n; i++)
            for (int j = 0; j <= n; j++) f[i][j] = value(lo + i * step, lo + j * step);
        for (double level : new double[] {1, 10, 50, 150, 400}) {
            List<Double> xs = new ArrayList<>(), ys = new ArrayList<>();
            for (int i = 0; i <= n; i++)
                for (int j = 0; j <= n; j++) {
                    double a = f[i][j] - level;
                    if (i < n && a * (f[i + 1][j] - level) < 0) {
                        xs.add(lo + (i + a / (a - (f[i + 1][j] - level))) * step);
                        ys.add(lo + j * step);
                    }
                    if (j < n && a * (f[i][j + 1] - level) < 0) {
                        xs.add(lo + i * step);
                        ys.add(lo + (j + a / (a - (f[i][j + 1] - level))) * step);
                    }
                }
            Pictures.dots(c, "f = " + (int) level, xs.stream().mapToDouble(Double::doubleValue).toArray(), ys.stream().mapToDouble(Double::doubleValue).toArray());
        }
    }

    static double value(double x, double y) {
        return Math.pow(x * x + y - 11, 2) + Math.pow(x + y * y - 7, 2);
    }

    static Tensor f(Tensor p) {
        Tensor x = p.select(0, 0), y = p.select(0, 1);
        return x.pow(2).add(y).sub(11.0).pow(2).add(x.add(y.pow(2)).sub(7.0).pow(2));
    }

    /** Returns {x, y, f}. */
    static double[] minimise(double[] start) {
        return minimise(start, new ArrayList<>());
    }

    /** As {@link #minimise(double[])}, adding the point every 10 steps to path. */
    static double[] minimise(double[] start, List<double[]> path) {
        Tensor p = Tensor.of(start.clone()).requiresGrad(true);
        for (int i = 0; i < 2000; i++) {
            if (i % 10 == 0) path.add(p.toDoubleArray());
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
