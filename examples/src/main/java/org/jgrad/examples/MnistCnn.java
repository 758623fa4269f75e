package org.jgrad.examples;

import java.util.Locale;
import org.jgrad.Device;
import org.jgrad.Tensor;
import org.jgrad.data.DataLoader;
import org.jgrad.data.TensorDataset;
import org.jgrad.nn.Conv2d;
import org.jgrad.nn.CrossEntropyLoss;
import org.jgrad.nn.Flatten;
import org.jgrad.nn.Linear;
import org.jgrad.nn.MaxPool2d;
import org.jgrad.nn.ReLU;
import org.jgrad.nn.Sequential;
import org.jgrad.optim.Adam;

/**
 * A LeNet-style convolutional network on the MNIST digits: two 5×5 convolutions (1→16→32
 * channels), each followed by ReLU and 2×2 max pooling, then 512→128→10 fully connected, trained
 * with Adam on batches of 64 from a shuffling DataLoader and evaluated on the 10 000 test images in
 * eval mode under noGrad. Its last line is {@code test accuracy: NN.NN%}.
 * Five epochs (the default) reach 99.00 % on 2 CPU cores in under a minute.
 * {@code MnistCnn.main(new String[] {"5"})}
 */
public final class MnistCnn {
    private MnistCnn() {}

    public static void main(String[] args) {
        int epochs = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        Console.title("LeNet-style CNN on MNIST: Adam, batch 64, " + epochs + " epochs");
        Device device = Console.device();
        double acc = train(epochs, Integer.MAX_VALUE, device, true);
        System.out.printf(Locale.ROOT, "test accuracy: %.2f%%%n", 100 * acc);
    }

    /** The network, from the global generator (seed it first for a reproducible one). */
    public static Sequential lenet() {
        return new Sequential(new Conv2d(1, 16, 5), new ReLU(), new MaxPool2d(2),  // 28 -> 24 -> 12
                new Conv2d(16, 32, 5), new ReLU(), new MaxPool2d(2),                 // 12 -> 8 -> 4
                new Flatten(), new Linear(32 * 4 * 4, 128), new ReLU(), new Linear(128, 10));
    }

    /** The first 40 test digits with the network's predictions (red where wrong), as mnist_cnn_predictions.png. */
    static java.nio.file.Path predictions(Sequential model, Mnist test, Tensor testImages) {
        int n = 40;
        long[] pred;
        model.eval();
        try (org.jgrad.Scope s = org.jgrad.Scope.open(); org.jgrad.Autograd.Guard off = org.jgrad.Autograd.noGrad()) {
            pred = model.forward(testImages.narrow(0, 0, n)).argmax(1, false).cpu().toLongArray();
        }
        String[] captions = new String[n];
        boolean[] ok = new boolean[n];
        for (int i = 0; i < n; i++) {
            ok[i] = pred[i] == test.labels[i];
            captions[i] = "pred " + pred[i] + (ok[i] ? "" : " (" + test.labels[i] + ")");
        }
        return Pictures.digits(java.util.Arrays.copyOf(test.images, n * 784), captions, ok, 10, "mnist_cnn_predictions");
    }

    /** Trains from seed 0 on the first {@code limit} training images and returns the test accuracy. */
    static double train(int epochs, int limit, Device device, boolean print) {
        Mnist train = Mnist.train(), test = Mnist.test();
        int n = Math.min(limit, train.count);
        Tensor.manualSeed(0);
        Tensor images = Tensor.of(java.util.Arrays.copyOf(train.images, n * 784), n, 1, 28, 28);
        Tensor labels = Tensor.of(java.util.Arrays.copyOf(train.labels, n));
        DataLoader<Tensor[]> loader = DataLoader.builder(new TensorDataset(images, labels)).batchSize(64).shuffle(true).seed(1)
                .device(device).build();
        Sequential model = lenet();
        model.to(device);
        Adam opt = new Adam(model.parameters(), Adam.options(1e-3));
        CrossEntropyLoss lossFn = new CrossEntropyLoss();
        Tensor testImages = Tensor.of(test.images, test.count, 1, 28, 28).to(device), testLabels = Tensor.of(test.labels).to(device);
        double acc = 0;
        java.util.List<Double> losses = new java.util.ArrayList<>(), accs = new java.util.ArrayList<>();
        for (int epoch = 1; epoch <= epochs; epoch++) {
            long t0 = System.nanoTime();
            double loss = Training.epoch(loader, model, lossFn, opt, print ? "CNN epoch " + epoch : null);
            acc = Training.accuracy(model, testImages, testLabels, 1000);
            losses.add(loss);
            accs.add(acc);
            if (print) {
                System.out.printf(Locale.ROOT, "epoch %d  mean loss %.4f  test accuracy %.2f%%  (%.1f s)%n", epoch, loss, 100 * acc,
                        (System.nanoTime() - t0) / 1e9);
            }
        }
        if (print) {
            System.out.println("picture: " + Pictures.history("LeNet-style CNN on MNIST (Adam, batch 64)", losses, accs, "mnist_cnn_training"));
            System.out.println("picture: " + predictions(model, test, testImages));
        }
        model.close();
        opt.close();
        return acc;
    }
}
