package org.jgrad.examples;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.knowm.xchart.XYChart;
import org.jgrad.Autograd;
import org.jgrad.DType;
import org.jgrad.Tensor;

/**
 * The gradients tutorial the project comes from, in Java: the gradient of z = y² − x², gradient
 * descent on x²·sin x, the gradients of five common functions, sigmoid/tanh/relu and their
 * gradients, and turning gradients off.
 */
public final class SeedGradients {
    private SeedGradients() {}

    public static void main(String[] args) {
        gradientOfAFunctionOfTwoVariables();
        gradientDescent();
        commonFunctions();
        activations();
        noGrad();
    }

    static void gradientOfAFunctionOfTwoVariables() {
        Console.title("1. gradient of z = y^2 - x^2");
        for (double[] p : new double[][] {{0, 0}, {1, 1}}) {
            Tensor x = Tensor.scalar(p[0]).requiresGrad(true);
            Tensor y = Tensor.scalar(p[1]).requiresGrad(true);
            Tensor z = y.pow(2).sub(x.pow(2));
            z.backward();
            System.out.printf(Locale.ROOT, "at (%.0f, %.0f): grad z = (%.0f, %.0f)%n", p[0], p[1], x.grad().item() + 0.0, y.grad().item() + 0.0);
        }
    }

    /** Returns the minimiser found from 2.5 with lr 0.005. */
    static double gradientDescent() {
        Console.title("2. gradient descent on f(x) = x^2 sin x, lr = 0.005, from x = 2.5");
        Tensor x = Tensor.scalar(2.5, DType.FLOAT64).requiresGrad(true);
        double lr = 0.005;
        int step = 0;
        double move = Double.MAX_VALUE;
        java.util.List<double[]> path = new java.util.ArrayList<>();
        while (Math.abs(move) >= 1e-7 && step < 10_000) {
            Tensor f = x.pow(2).mul(x.sin());
            f.backward();
            double grad = x.grad().item();
            if (step % 5 == 0) path.add(new double[] {x.item(), f.item()});
            if (step % 15 == 0) System.out.printf(Locale.ROOT, "step %3d  x = %.5f  f(x) = %9.5f  f'(x) = %9.5f%n", step, x.item(), f.item(), grad);
            move = lr * grad;
            try (var off = Autograd.noGrad()) {
                x.subInPlace(x.grad().mul(lr));
            }
            x.zeroGrad();
            f.close();
            step++;
        }
        double xv = x.item();
        System.out.printf(Locale.ROOT, "converged after %d steps: x = %.5f, f(x) = %.5f (local minimum, tan x = -x/2)%n", step, xv,
                xv * xv * Math.sin(xv));
        XYChart c = Pictures.chart("Gradient descent on f(x) = x² sin x (lr 0.005, from 2.5)", "x", "f(x)");
        c.getStyler().setMarkerSize(9);
        double[] gx = new double[300], gy = new double[300];
        for (int i = 0; i < 300; i++) {
            gx[i] = -1 + 8.0 * i / 299;
            gy[i] = gx[i] * gx[i] * Math.sin(gx[i]);
        }
        Pictures.line(c, "f(x)", gx, gy);
        Pictures.dots(c, "every 5th step", path.stream().mapToDouble(q -> q[0]).toArray(), path.stream().mapToDouble(q -> q[1]).toArray());
        System.out.println("picture: " + Pictures.save(c, "descent"));
        return xv;
    }

    static void commonFunctions() {
        Console.title("3. gradients of common functions at x = 1.5, W = 0.7, b = -0.3, y = 2");
        Tensor x = Tensor.scalar(1.5, DType.FLOAT64), y = Tensor.scalar(2.0, DType.FLOAT64);
        String[] names = {"y = xW + b", "y = xW^2 + b^2", "y = x e^W + e^b", "f = (y - (xW + b))^2", "f = y log(xW + b)"};
        for (int i = 0; i < names.length; i++) {
            Tensor w = Tensor.scalar(0.7, DType.FLOAT64).requiresGrad(true);
            Tensor b = Tensor.scalar(-0.3, DType.FLOAT64).requiresGrad(true);
            Tensor out;
            switch (i) {
                case 0: out = x.mul(w).add(b); break;
                case 1: out = x.mul(w.pow(2)).add(b.pow(2)); break;
                case 2: out = x.mul(w.exp()).add(b.exp()); break;
                case 3: out = y.sub(x.mul(w).add(b)).pow(2); break;
                default: out = y.mul(x.mul(w).add(b).log()); break;
            }
            Tensor[] g = Autograd.grad(out, w, b);
            System.out.printf(Locale.ROOT, "%-22s dW = %8.5f  db = %8.5f%n", names[i], g[0].item(), g[1].item());
        }
    }

    static void activations() {
        Console.title("4-6. activations and their gradients");
        Tensor x = Tensor.linspace(-100, 100, 10).requiresGrad(true);
        Tensor s = x.sigmoid();
        System.out.println("x          = " + x.detach());
        System.out.println("sigmoid(x) = " + s.detach());
        s.sum().backward();
        System.out.println("sigmoid'   = " + x.grad() + "   (vanishes for large |x|)");
        Tensor u = Tensor.linspace(-1, 1, 10).requiresGrad(true);
        Tensor t = u.tanh();
        System.out.println("tanh(linspace(-1, 1, 10)) = " + t.detach());
        t.sum().backward();
        System.out.println("tanh' = 1 - tanh^2        = " + u.grad());
        Tensor v = Tensor.linspace(-1, 1, 10).requiresGrad(true);
        Tensor r = v.relu();
        System.out.println("relu(linspace(-1, 1, 10)) = " + r.detach());
        r.sum().backward();
        System.out.println("relu'                     = " + v.grad());
        List<XYChart> charts = new ArrayList<>();
        String[] names = {"sigmoid", "tanh", "relu"};
        double[] range = {6, 3, 2};
        for (int k = 0; k < 3; k++) {
            // the function and its derivative, the derivative from backward()
            Tensor z = Tensor.linspace(-range[k], range[k], 201, DType.FLOAT64).requiresGrad(true);
            Tensor y = k == 0 ? z.sigmoid() : k == 1 ? z.tanh() : z.relu();
            y.sum().backward();
            XYChart c = Pictures.chart(names[k] + " and its gradient", "x", "");
            c.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.InsideNW);
            Pictures.line(c, names[k] + "(x)", z.detach().toDoubleArray(), y.detach().toDoubleArray());
            Pictures.line(c, names[k] + "'(x)", z.detach().toDoubleArray(), z.grad().toDoubleArray());
            charts.add(c);
        }
        System.out.println("picture: " + Pictures.saveRow(charts, "activations"));
    }

    static void noGrad() {
        Console.title("7. turning gradients off");
        Tensor w = Tensor.ones(3).requiresGrad(true);
        Tensor a = w.mul(2);
        System.out.println("w * 2             -> " + a);
        try (var off = Autograd.noGrad()) {
            System.out.println("w * 2 in noGrad() -> " + w.mul(2));
        }
        System.out.println("(w * 2).detach()  -> " + a.detach());
    }
}
