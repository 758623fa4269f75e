package org.jgrad;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Threads: separate graphs give the single-thread results; closing a tensor under a running op is safe. */
class ConcurrencyTest {

    /** One small MLP step's gradients and loss from a seed, on whichever thread runs it. */
    static double[][] step(long seed, Device device) {
        try (Scope s = Scope.open()) {
            Tensor x = Tensor.of(series(seed, 32 * 20), 32, 20).to(device);
            Tensor w1 = Tensor.of(series(seed + 1, 20 * 16), 20, 16).to(device).requiresGrad(true);
            Tensor w2 = Tensor.of(series(seed + 2, 16 * 3), 16, 3).to(device).requiresGrad(true);
            Tensor h = x.matmul(w1).tanh();
            Tensor loss = h.matmul(w2).logSoftmax(1).mean();
            // grad mode is per thread: a no-grad block here must not stop another thread's recording
            try (var off = Autograd.noGrad()) {
                assertFalse(h.exp().requiresGrad());
            }
            loss.backward();
            return new double[][] {{loss.item()}, w1.grad().toDoubleArray(), w2.grad().toDoubleArray()};
        }
    }

    static double[] series(long seed, int n) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) v[i] = Math.sin(seed * 7.31 + i * 0.37) * 0.8;
        return v;
    }

    static void autogradOnManyThreadsEqualsOneThread(Device device) throws Exception {
        int threads = 4, steps = 25;
        double[][][] want = new double[threads][][];
        for (int t = 0; t < threads; t++) want[t] = step(100 + t, device);
        List<Throwable> errors = Collections.synchronizedList(new ArrayList<>());
        List<Thread> ts = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            final int id = t;
            Thread th = new Thread(() -> {
                try {
                    for (int r = 0; r < steps; r++) {
                        double[][] got = step(100 + id, device);
                        for (int k = 0; k < got.length; k++) assertArrayEquals(want[id][k], got[k], 0.0, "thread " + id + " part " + k);
                    }
                } catch (Throwable e) {
                    errors.add(e);
                }
            });
            ts.add(th);
            th.start();
        }
        for (Thread th : ts) th.join();
        assertTrue(errors.isEmpty(), () -> errors.size() + " failures, the first: " + errors.get(0));
    }

    /**
     * One thread runs ops on a tensor while another closes it and at once allocates and fills a
     * tensor of the same size (which would land in the freed block): every op either sees the
     * values it was given or is refused with an IllegalStateException, never the new tensor's.
     * Returns {ops completed, ops refused}.
     */
    static long[] closingTensorsUnderRunningOps(Device device, long millis) throws Exception {
        int n = 1 << 18;
        AtomicReference<Tensor> current = new AtomicReference<>(Tensor.full(1.5, DType.FLOAT32, device, n));
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong done = new AtomicLong(), refused = new AtomicLong();
        List<Throwable> errors = Collections.synchronizedList(new ArrayList<>());
        Thread worker = new Thread(() -> {
            while (!stop.get()) {
                try (Scope s = Scope.open()) {
                    Tensor t = current.get();
                    Tensor r = t.mul(2.0).add(t);  // 4.5 everywhere, if t was 1.5 throughout
                    double lo = r.min().item(), hi = r.max().item();
                    if (lo != 4.5 || hi != 4.5) errors.add(new AssertionError("an op saw other memory: min " + lo + ", max " + hi));
                    done.incrementAndGet();
                } catch (IllegalStateException e) {
                    if (e.getMessage().contains("closed")) refused.incrementAndGet();
                    else errors.add(e);
                } catch (Throwable e) {
                    errors.add(e);
                }
            }
        });
        Thread closer = new Thread(() -> {
            try {
                while (!stop.get()) {
                    Tensor old = current.getAndSet(Tensor.full(1.5, DType.FLOAT32, device, n));
                    old.close();
                    Tensor garbage = Tensor.full(-7, DType.FLOAT32, device, n);
                    Thread.onSpinWait();
                    garbage.close();
                }
            } catch (Throwable e) {
                errors.add(e);
            }
        });
        worker.start();
        closer.start();
        Thread.sleep(millis);
        stop.set(true);
        worker.join();
        closer.join();
        current.get().close();
        assertTrue(errors.isEmpty(), () -> errors.size() + " failures, the first: " + errors.get(0));
        assertTrue(done.get() > 0, "some ops completed");
        return new long[] {done.get(), refused.get()};
    }

    @Test
    void autogradOnManyThreadsEqualsOneThreadOnTheCpu() throws Exception {
        autogradOnManyThreadsEqualsOneThread(Device.CPU);
    }

    @Test
    void closingTensorsUnderRunningOpsIsSafeOnTheCpu() throws Exception {
        long[] r = closingTensorsUnderRunningOps(Device.CPU, 1500);
        System.out.println("ConcurrencyTest: CPU, 1.5 s: " + r[0] + " ops completed, " + r[1] + " refused as closed");
    }

    /**
     * A training loop that closes nothing, under a collector running every few milliseconds: the
     * temporary loss of {@code lossFn.forward(...).backward()} (and any tensor only passed on to the
     * next op) may be collected while the op or the backward pass still walks its graph, and its
     * Cleaner must not release that graph under it.
     */
    @Test
    void theCleanerNeverReleasesAGraphInUse() throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        Thread collector = new Thread(() -> {
            while (!stop.get()) {
                System.gc();
                try {
                    Thread.sleep(2);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        collector.setDaemon(true);
        collector.start();
        try {
            org.jgrad.nn.Sequential model = new org.jgrad.nn.Sequential(new org.jgrad.nn.Linear(256, 128), new org.jgrad.nn.ReLU(),
                    new org.jgrad.nn.Linear(128, 10));
            org.jgrad.optim.SGD opt = new org.jgrad.optim.SGD(model.parameters(), 0.01, 0.9);
            org.jgrad.nn.CrossEntropyLoss lossFn = new org.jgrad.nn.CrossEntropyLoss();
            Tensor x = Tensor.of(series(5, 64 * 256), 64, 256).to(DType.FLOAT32);
            long[] labels = new long[64];
            for (int i = 0; i < 64; i++) labels[i] = i % 10;
            Tensor y = Tensor.of(labels);
            for (int step = 0; step < 1500; step++) {
                opt.zeroGrad();
                lossFn.forward(model.forward(x), y).backward();  // nothing closed, on purpose
                opt.step();
            }
        } finally {
            stop.set(true);
            collector.join();
        }
    }
}
