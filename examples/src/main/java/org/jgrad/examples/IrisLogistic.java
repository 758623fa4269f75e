package org.jgrad.examples;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.jgrad.Autograd;
import org.jgrad.DType;
import org.jgrad.Scope;
import org.jgrad.Tensor;
import org.jgrad.nn.CrossEntropyLoss;
import org.jgrad.nn.Linear;
import org.jgrad.optim.SGD;

/**
 * Logistic regression (softmax over three classes) on Fisher's Iris flowers: four standardised
 * measurements, one nn.Linear, cross-entropy and full-batch SGD; every fifth flower is held out for
 * testing. Its last line is {@code test accuracy: NN.NN%}. {@code IrisLogistic.main(new String[0])}
 */
public final class IrisLogistic {
    private IrisLogistic() {}

    static final String RESOURCE = "rapaio/provider/datasets/iris-r.csv";
    static final List<String> CLASSES = List.of("setosa", "versicolor", "virginica");

    public static void main(String[] args) {
        Console.title("logistic regression on Iris: 4 measurements, 3 species, full-batch SGD");
        double acc = train(true);
        System.out.printf(Locale.ROOT, "test accuracy: %.2f%%%n", 100 * acc);
    }

    /** Reads the 150 flowers: {features [150][4], labels [150]}. */
    static Object[] read() {
        InputStream in = IrisLogistic.class.getClassLoader().getResourceAsStream(RESOURCE);
        if (in == null) throw new IllegalStateException("Iris: classpath resource " + RESOURCE + " not found; add io.github.padreati:rapaio-datasets:8.1.0");
        List<double[]> rows = new ArrayList<>();
        List<Long> labels = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            r.readLine();  // the header
            for (String line; (line = r.readLine()) != null; ) {
                if (line.isBlank()) continue;
                String[] f = line.split(",");
                int c = CLASSES.indexOf(f[4].trim());
                if (f.length != 5 || c < 0) throw new IllegalStateException("Iris: unexpected line '" + line + "'");
                rows.add(new double[] {Double.parseDouble(f[0]), Double.parseDouble(f[1]), Double.parseDouble(f[2]), Double.parseDouble(f[3])});
                labels.add((long) c);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Iris: cannot read " + RESOURCE, e);
        }
        return new Object[] {rows.toArray(new double[0][]), labels.stream().mapToLong(Long::longValue).toArray()};
    }

    /** Returns the accuracy on the held-out fifth. */
    static double train(boolean print) {
        Object[] data = read();
        double[][] x = (double[][]) data[0];
        long[] y = (long[]) data[1];
        int n = x.length, nTest = (n + 4) / 5;
        float[] trainX = new float[(n - nTest) * 4], testX = new float[nTest * 4];
        long[] trainY = new long[n - nTest], testY = new long[nTest];
        double[] mean = new double[4], sd = new double[4];
        for (double[] row : x) for (int j = 0; j < 4; j++) mean[j] += row[j] / n;
        for (double[] row : x) for (int j = 0; j < 4; j++) sd[j] += (row[j] - mean[j]) * (row[j] - mean[j]) / (n - 1);
        for (int i = 0, a = 0, b = 0; i < n; i++) {
            boolean test = i % 5 == 4;
            for (int j = 0; j < 4; j++) {
                float v = (float) ((x[i][j] - mean[j]) / Math.sqrt(sd[j]));
                if (test) testX[b * 4 + j] = v;
                else trainX[a * 4 + j] = v;
            }
            if (test) testY[b++] = y[i];
            else trainY[a++] = y[i];
        }
        Tensor xs = Tensor.of(trainX, n - nTest, 4), ys = Tensor.of(trainY), xt = Tensor.of(testX, nTest, 4), yt = Tensor.of(testY);
        Tensor.manualSeed(0);
        Linear model = new Linear(4, 3);
        SGD opt = new SGD(model.parameters(), 0.5);
        CrossEntropyLoss lossFn = new CrossEntropyLoss();
        for (int step = 0; step <= 300; step++) {
            try (Scope s = Scope.open()) {
                Tensor loss = lossFn.forward(model.forward(xs), ys);
                opt.zeroGrad();
                loss.backward();
                opt.step();
                if (print && step % 100 == 0) System.out.printf(Locale.ROOT, "step %3d  loss %.4f%n", step, loss.item());
            }
        }
        double acc;
        try (Scope s = Scope.open(); Autograd.Guard off = Autograd.noGrad()) {
            acc = model.forward(xt).argmax(1, false).eq(yt).to(DType.FLOAT64).mean().item();
        }
        model.close();
        return acc;
    }
}
