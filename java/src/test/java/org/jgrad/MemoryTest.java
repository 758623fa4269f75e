package org.jgrad;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.jgrad.nn.Functional;
import org.junit.jupiter.api.Test;

class MemoryTest {

    @Test
    void scopesCloseEverythingNotKept() {
        long before = Memory.liveTensors();
        Tensor kept, inner;
        try (Scope scope = Scope.open()) {
            Tensor a = Tensor.ones(100);
            inner = a.mul(2).add(1);
            kept = scope.keep(inner.sum());
        }
        assertTrue(inner.isClosed());
        assertFalse(kept.isClosed());
        assertEquals(300, kept.item(), 0);
        assertEquals(before + 1, Memory.liveTensors());
        kept.close();
        assertEquals(before, Memory.liveTensors());
    }

    @Test
    void keptTensorsMoveToTheEnclosingScope() {
        Tensor t;
        try (Scope outer = Scope.open()) {
            try (Scope inner = Scope.open()) {
                t = inner.keep(Tensor.ones(2));
            }
            assertFalse(t.isClosed());
        }
        assertTrue(t.isClosed());
    }

    @Test
    void viewsKeepStorageAliveAfterTheBaseCloses() {
        Tensor base = Tensor.of(new float[] {1, 2, 3, 4}, 2, 2);
        Tensor view = base.t();
        base.close();
        assertEquals(3f, view.toFloatArray()[1]);
        view.close();
    }

    /** 100 000 small ops with autograd inside scopes leave live native memory where it started. */
    @Test
    void noLeaksOverManySmallOps() {
        Tensor w = Tensor.randn(8, 4).requiresGrad(true);
        Tensor x = Tensor.randn(16, 8);
        Tensor y = Tensor.of(new long[] {0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3});
        // warm up the allocator's caches so the baseline is steady
        for (int i = 0; i < 10; i++) step(w, x, y);
        settleGarbage();  // tensors other tests dropped are freed by the Cleaner now, not during the count
        long tensors = Memory.liveTensors(), bytes = Memory.liveBytes(), leaked = Memory.leakedTensors();
        int ops = 0;
        while (ops < 100_000) ops += step(w, x, y);
        assertEquals(tensors, Memory.liveTensors(), "live tensors");
        assertEquals(bytes, Memory.liveBytes(), "live bytes");
        assertEquals(leaked, Memory.leakedTensors(), "tensors left to the Cleaner");
    }

    /** Collects until the live-tensor count stops changing (the Cleaner has freed what was unreachable). */
    static void settleGarbage() {
        long before;
        do {
            before = Memory.liveTensors();
            System.gc();
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        } while (Memory.liveTensors() != before);
    }

    private static int step(Tensor w, Tensor x, Tensor y) {
        try (Scope scope = Scope.open()) {
            Tensor logits = x.matmul(w).tanh().mul(2.0);
            Tensor loss = Functional.crossEntropy(logits, y).add(w.pow(2).sum().mul(1e-3));
            loss.backward();
            try (var off = Autograd.noGrad()) {
                w.subInPlace(w.grad().mul(0.01));
            }
            w.zeroGrad();
            return 20;
        }
    }

    @Test
    void closingTheOutputsFreesWhatTheGraphSaved() {
        Tensor x = Tensor.randn(1000).requiresGrad(true);
        long before = Memory.liveBytes();
        Tensor y = x.exp();
        Tensor s = y.sigmoid();
        Tensor z = s.mul(x);
        assertTrue(Memory.liveBytes() > before);
        z.close();
        assertTrue(Memory.liveBytes() > before, "s and y are still open");
        s.close();
        y.close();
        assertEquals(before, Memory.liveBytes());
    }

    @Test
    void theCleanerFreesForgottenTensorsAndCountsThem() throws Exception {
        long leaked = Memory.leakedTensors();
        for (int i = 0; i < 200; i++) Tensor.ones(1000);
        for (int i = 0; i < 50 && Memory.leakedTensors() < leaked + 200; i++) {
            System.gc();
            Thread.sleep(20);
        }
        assertTrue(Memory.leakedTensors() >= leaked + 200, "leaked count " + (Memory.leakedTensors() - leaked));
    }

    @Test
    void leafGradientsSurviveTheScopeOfTheirBackward() {
        Tensor w = Tensor.ones(3).requiresGrad(true);
        try (Scope s = Scope.open()) {
            w.mul(w).sum().backward();
        }
        assertFalse(w.grad().isClosed());
        assertEquals(2f, w.grad().toFloatArray()[0]);
        w.close();
        assertThrows(IllegalStateException.class, w::sum);
    }

    @Test
    void emptyCacheReturnsCachedBlocks() {
        Tensor.ones(1 << 20).close();
        assertTrue(Memory.cachedBytes() > 0);
        Memory.emptyCache();
        assertEquals(0, Memory.cachedBytes());
    }

    /**
     * A loop that never closes its tensors: live native memory levels off, because jgrad runs the
     * collector (and with it the Cleaner) each time live memory grew past the threshold, instead of
     * growing with the loop until the Java heap happens to fill.
     */
    @org.junit.jupiter.api.Test
    void forgottenTensorsDoNotGrowWithoutBound() {
        long prompts = Memory.collectorPrompts(), peak = 0;
        long start = Memory.liveBytes();
        for (int i = 0; i < 1500; i++) {
            Tensor t = Tensor.full(i, DType.FLOAT32, Device.CPU, 1 << 18);  // 1 MiB, never closed
            peak = Math.max(peak, Memory.liveBytes() - start);
            if (t.numel() != 1 << 18) throw new AssertionError();
        }
        System.out.println("MemoryTest: 1500 MiB of tensors never closed: live memory peaked at " + (peak >> 20) + " MiB over the start, "
                + (Memory.collectorPrompts() - prompts) + " collector prompts");
        org.junit.jupiter.api.Assertions.assertTrue(Memory.collectorPrompts() > prompts, "the collector was prompted");
        org.junit.jupiter.api.Assertions.assertTrue(peak < 600L << 20, "live memory levelled off: peak " + (peak >> 20) + " MiB");
    }
}
