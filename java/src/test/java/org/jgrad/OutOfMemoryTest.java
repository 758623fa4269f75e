package org.jgrad;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.jgrad.nn.Linear;
import org.jgrad.nn.ReLU;
import org.jgrad.nn.Sequential;
import org.jgrad.optim.SGD;
import org.junit.jupiter.api.Test;

/** A CPU memory cap: allocations past it are an OutOfMemoryException that training code can recover from. */
class OutOfMemoryTest {

    @Test
    void allocationsPastTheLimitThrowAndTheLibraryKeepsWorking() {
        long base = Memory.allocatedBytes();
        Memory.setLimit(base + (16L << 20));
        try {
            OutOfMemoryException e = assertThrows(OutOfMemoryException.class, () -> Tensor.zeros(DType.FLOAT32, 8L << 20));
            assertEquals(Device.CPU, e.device());
            assertEquals(32L << 20, e.requestedBytes());
            assertTrue(e.inUseBytes() >= 0 && e.cachedBytes() == 0, "the cache was emptied first");
            for (String m : new String[] {"allocate(33554432 bytes on cpu)", "out of memory", "in use by tensors", "after emptying the cache",
                                          "the limit is", "Memory.setLimit"}) {
                assertTrue(e.getMessage().contains(m), "message should mention '" + m + "': " + e.getMessage());
            }
            assertEquals(6.0, Tensor.ones(2, 3).sum().item(), "small work goes on");
        } finally {
            Memory.setLimit(0);
        }
        assertEquals(0, Memory.limit());
        assertEquals(8L << 20, Tensor.zeros(DType.FLOAT32, 8L << 20).numel(), "no cap, no failure");
        assertThrows(IllegalArgumentException.class, () -> Memory.setLimit(-1));
    }

    /** A training step whose batch does not fit is caught and retried at half the batch until it fits. */
    @Test
    void trainingCodeCatchesItAndRetriesWithASmallerBatch() {
        Tensor.manualSeed(3);
        Sequential model = new Sequential(new Linear(256, 512), new ReLU(), new Linear(512, 10));
        SGD opt = new SGD(model.parameters(), 0.01);
        Memory.emptyCache();
        Memory.setLimit(Memory.allocatedBytes() + (24L << 20));
        int batch = 1 << 14, failures = 0;
        double loss;
        try {
            while (true) {
                try (Scope s = Scope.open()) {
                    Tensor x = Tensor.randn(batch, 256);
                    long[] labels = new long[batch];
                    for (int i = 0; i < batch; i++) labels[i] = i % 10;
                    Tensor y = Tensor.of(labels);
                    opt.zeroGrad();
                    Tensor l = org.jgrad.nn.Functional.crossEntropy(model.forward(x), y);
                    l.backward();
                    opt.step();
                    loss = l.item();
                    break;
                } catch (OutOfMemoryException e) {
                    failures++;
                    batch /= 2;
                    assertTrue(batch >= 64, "a batch of " + batch + " should have fitted: " + e.getMessage());
                }
            }
        } finally {
            Memory.setLimit(0);
        }
        assertTrue(failures >= 2, "the first batches did not fit: " + failures + " failures");
        assertTrue(Double.isFinite(loss) && loss > 0, "the step that fitted trained: loss " + loss);
        model.close();
    }
}
