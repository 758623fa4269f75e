package org.jgrad;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.jgrad.nn.CrossEntropyLoss;
import org.jgrad.nn.Linear;
import org.jgrad.nn.ReLU;
import org.jgrad.nn.Sequential;
import org.jgrad.optim.SGD;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A short soak (bench's SoakBench runs the long one): small ops and training steps inside scopes
 * leave live native memory where it started and the cache bounded, at every checkpoint.
 */
@Tag("soak")
class SoakTest {

    @Test
    void scopedWorkKeepsNativeMemoryFlat() {
        Tensor.manualSeed(2);
        Tensor a = Tensor.randn(16), b = Tensor.randn(16);
        long base = Memory.liveBytes();
        for (int i = 1; i <= 100_000; i++) {
            try (Scope s = Scope.open()) {
                a.add(b).mul(b).relu().sum();
            }
            // at most the start: the Cleaner may meanwhile free what earlier tests forgot
            if (i % 25_000 == 0) assertTrue(Memory.liveBytes() <= base, "live bytes after " + 4 * i + " small ops in scopes: " + Memory.liveBytes());
        }
        Sequential model = new Sequential(new Linear(784, 256), new ReLU(), new Linear(256, 10));
        SGD opt = new SGD(model.parameters(), 0.01, 0.9);
        CrossEntropyLoss lossFn = new CrossEntropyLoss();
        Tensor x = Tensor.randn(64, 784);
        long[] labels = new long[64];
        for (int i = 0; i < 64; i++) labels[i] = i % 10;
        Tensor y = Tensor.of(labels);
        long afterFirst = -1;
        for (int step = 1; step <= 2_000; step++) {
            try (Scope s = Scope.open()) {
                opt.zeroGrad();
                lossFn.forward(model.forward(x), y).backward();
                opt.step();
            }
            if (step == 10) afterFirst = Memory.liveBytes();  // parameters, gradients, momentum buffers
            if (step % 500 == 0) {
                assertTrue(Memory.liveBytes() <= afterFirst, "live bytes after " + step + " training steps in scopes: " + Memory.liveBytes());
                assertTrue(Memory.cachedBytes() < 64L << 20, "the cache stays small: " + Memory.cachedBytes());
            }
        }
        System.out.println("SoakTest: 400 000 small ops and 2 000 training steps in scopes: live native memory flat at "
                + (afterFirst - base) / 1024 + " KiB of model state, cache " + (Memory.cachedBytes() >> 10) + " KiB");
        model.close();
        opt.close();
    }
}
