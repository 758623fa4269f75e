package org.jgrad.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.jgrad.DType;
import org.jgrad.Memory;
import org.jgrad.Scope;
import org.jgrad.Tensor;
import org.jgrad.nn.CrossEntropyLoss;
import org.jgrad.nn.Linear;
import org.jgrad.nn.ReLU;
import org.jgrad.nn.Sequential;
import org.jgrad.optim.SGD;

/**
 * Memory over long runs: 10^6 small ops inside scopes, 10^4 training steps of an MLP 784-256-10
 * (batch 64, SGD) inside scopes, then the same steps with nothing closed at all. Prints, at
 * intervals, the process's resident memory (VmRSS), the bytes held by live tensors, the CPU cache
 * and how often jgrad prompted the collector. Arguments: the number of leaky steps (4000).
 * {@code java -cp ... org.jgrad.bench.SoakBench 4000}
 */
public final class SoakBench {
    private SoakBench() {}

    static long rssKiB() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }

    static void report(String phase, long done) {
        System.out.printf(Locale.ROOT, "%-28s %9d   RSS %6d MiB   live %6d MiB   cached %5d MiB   leaked %7d   prompts %4d%n", phase, done,
                rssKiB() >> 10, Memory.liveBytes() >> 20, Memory.cachedBytes() >> 20, Memory.leakedTensors(), Memory.collectorPrompts());
    }

    public static void main(String[] args) {
        int leakySteps = args.length > 0 ? Integer.parseInt(args[0]) : 4000;
        report("start", 0);
        Tensor.manualSeed(1);
        Tensor a = Tensor.randn(16), b = Tensor.randn(16);
        long ops = 0;
        for (int i = 1; i <= 250_000; i++) {
            try (Scope s = Scope.open()) {
                a.add(b).mul(b).relu().sum();
            }
            ops += 4;
            if (i % 50_000 == 0) report("small ops in scopes", ops);
        }
        Sequential model = new Sequential(new Linear(784, 256), new ReLU(), new Linear(256, 10));
        SGD opt = new SGD(model.parameters(), 0.01, 0.9);
        CrossEntropyLoss lossFn = new CrossEntropyLoss();
        Tensor x = Tensor.randn(DType.FLOAT32, org.jgrad.Device.CPU, 64, 784);
        long[] labels = new long[64];
        for (int i = 0; i < 64; i++) labels[i] = i % 10;
        Tensor y = Tensor.of(labels);
        for (int step = 1; step <= 10_000; step++) {
            try (Scope s = Scope.open()) {
                opt.zeroGrad();
                lossFn.forward(model.forward(x), y).backward();
                opt.step();
            }
            if (step % 2_000 == 0) report("training steps in scopes", step);
        }
        for (int step = 1; step <= leakySteps; step++) {
            opt.zeroGrad();
            lossFn.forward(model.forward(x), y).backward();  // nothing closed: the loss, the graph, the activations
            opt.step();
            if (step % 500 == 0) report("training steps, no close", step);
        }
    }
}
