package org.jgrad.examples;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.jgrad.Scope;
import org.jgrad.Tensor;
import org.jgrad.nn.Functional;
import org.jgrad.nn.Linear;
import org.jgrad.optim.SGD;

/** A two-layer perceptron that learns to tell three Gaussian blobs apart, trained with cross-entropy. */
public final class MlpClassifier {
    private MlpClassifier() {}

    public static void main(String[] args) {
        SeedGradients.title("multi-layer perceptron: 3 classes of 2-D points, cross-entropy, SGD with momentum");
        double acc = train(true);
        System.out.printf(Locale.ROOT, "training accuracy %.1f%%%n", 100 * acc);
    }

    /** Returns the final training accuracy. */
    static double train(boolean print) {
        Tensor.manualSeed(3);
        int perClass = 100;
        float[][] centres = {{0, 2}, {-2, -1}, {2, -1}};
        List<Tensor> parts = new ArrayList<>();
        long[] labels = new long[3 * perClass];
        for (int c = 0; c < 3; c++) {
            parts.add(Tensor.randn(perClass, 2).mul(0.7).add(Tensor.of(centres[c])));
            for (int i = 0; i < perClass; i++) labels[c * perClass + i] = c;
        }
        Tensor x = Tensor.cat(parts, 0);
        Tensor y = Tensor.of(labels);
        Linear fc1 = new Linear(2, 16), fc2 = new Linear(16, 3);
        List<Tensor> params = new ArrayList<>(fc1.parameters());
        params.addAll(fc2.parameters());
        SGD opt = new SGD(params, 0.1, 0.9);
        for (int epoch = 0; epoch <= 200; epoch++) {
            try (Scope s = Scope.open()) {
                Tensor loss = Functional.crossEntropy(fc2.forward(fc1.forward(x).relu()), y);
                opt.zeroGrad();
                loss.backward();
                opt.step();
                if (print && epoch % 50 == 0) System.out.printf(Locale.ROOT, "epoch %3d  loss %.4f%n", epoch, loss.item());
            }
        }
        try (Scope s = Scope.open()) {
            Tensor pred = fc2.forward(fc1.forward(x).relu()).argmax(1, false);
            return pred.eq(y).to(org.jgrad.DType.FLOAT32).mean().item();
        }
    }
}
