package org.jgrad.examples;

import java.util.Locale;
import org.jgrad.Device;
import org.jgrad.Tensor;
import org.jgrad.data.DataLoader;
import org.jgrad.data.TensorDataset;
import org.jgrad.nn.CrossEntropyLoss;
import org.jgrad.nn.Linear;
import org.jgrad.nn.ReLU;
import org.jgrad.nn.Sequential;
import org.jgrad.optim.Adam;

/**
 * A multi-layer perceptron (784-256-10, ReLU) on the MNIST digits, trained with Adam on batches
 * from a shuffling DataLoader and evaluated on the 10 000 test images in eval mode under noGrad.
 * Its last line is {@code test accuracy: NN.NN%}. {@code MnistMlp.main(new String[] {"5"})}
 */
public final class MnistMlp {
    private MnistMlp() {}

    public static void main(String[] args) {
        int epochs = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        Console.title("MLP 784-256-10 on MNIST: Adam, batch 64, " + epochs + " epochs");
        Device device = Console.device();
        double acc = train(epochs, device, true);
        System.out.printf(Locale.ROOT, "test accuracy: %.2f%%%n", 100 * acc);
    }

    /** Trains from seed 0 and returns the test accuracy. */
    static double train(int epochs, Device device, boolean print) {
        Mnist train = Mnist.train(), test = Mnist.test();
        Tensor.manualSeed(0);
        Tensor images = Tensor.of(train.images, train.count, 784), labels = Tensor.of(train.labels);
        DataLoader<Tensor[]> loader = DataLoader.builder(new TensorDataset(images, labels)).batchSize(64).shuffle(true).seed(1)
                .device(device).build();
        Sequential model = new Sequential(new Linear(784, 256), new ReLU(), new Linear(256, 10));
        model.to(device);
        Adam opt = new Adam(model.parameters(), Adam.options(1e-3));
        CrossEntropyLoss lossFn = new CrossEntropyLoss();
        Tensor testImages = Tensor.of(test.images, test.count, 784).to(device), testLabels = Tensor.of(test.labels).to(device);
        double acc = 0;
        java.util.List<Double> losses = new java.util.ArrayList<>(), accs = new java.util.ArrayList<>();
        for (int epoch = 1; epoch <= epochs; epoch++) {
            long t0 = System.nanoTime();
            double loss = Training.epoch(loader, model, lossFn, opt, print ? "MLP epoch " + epoch : null);
            acc = Training.accuracy(model, testImages, testLabels, 10000);
            losses.add(loss);
            accs.add(acc);
            if (print) {
                System.out.printf(Locale.ROOT, "epoch %d  mean loss %.4f  test accuracy %.2f%%  (%.1f s)%n", epoch, loss, 100 * acc,
                        (System.nanoTime() - t0) / 1e9);
            }
        }
        if (print) {
            System.out.println("picture: " + Pictures.history("MLP 784-256-10 on MNIST (Adam, batch 64)", losses, accs, "mnist_mlp_training"));
        }
        model.close();
        opt.close();
        return acc;
    }
}
