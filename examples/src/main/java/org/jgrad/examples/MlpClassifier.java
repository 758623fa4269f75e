package org.jgrad.examples;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.jgrad.Cuda;
import org.jgrad.DType;
import org.jgrad.Device;
import org.jgrad.Scope;
import org.jgrad.Tensor;
import org.jgrad.nn.Functional;
import org.jgrad.nn.Linear;
import org.jgrad.optim.SGD;

/** A two-layer perceptron that learns to tell three Gaussian blobs apart, trained with cross-entropy. */
public final class MlpClassifier {
    private MlpClassifier() {}

    public static void main(String[] args) {
        Console.title("multi-layer perceptron: 3 classes of 2-D points, cross-entropy, SGD with momentum");
        Device device = Console.device();
        System.out.println("device: " + device + (device.isCpu() ? "" : " (" + Cuda.deviceName(device) + ")"));
        double acc = train(true, device);
        System.out.printf(Locale.ROOT, "training accuracy %.1f%%%n", 100 * acc);
    }

    /** Returns the final training accuracy. The data and the initial weights are the same on every device. */
    static double train(boolean print, Device device) {
        Tensor.manualSeed(3);
        int perClass = 100;
        float[][] centres = {{0, 2}, {-2, -1}, {2, -1}};
        List<Tensor> parts = new ArrayList<>();
        long[] labels = new long[3 * perClass];
        for (int c = 0; c < 3; c++) {
            parts.add(Tensor.randn(perClass, 2).mul(0.7).add(Tensor.of(centres[c])));
            for (int i = 0; i < perClass; i++) labels[c * perClass + i] = c;
        }
        Tensor x = Tensor.cat(parts, 0).to(device);
        Tensor y = Tensor.of(labels).to(device);
        Linear fc1 = new Linear(2, 16, true, DType.FLOAT32, device), fc2 = new Linear(16, 3, true, DType.FLOAT32, device);
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
            return pred.eq(y).to(DType.FLOAT32).mean().item();
        }
    }
}
