package org.jgrad;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The global generator: Philox4x32-10 keyed by the seed, with a counter that advances by the
 * number of elements drawn, so a draw depends only on (seed, elements drawn before it).
 */
final class Random {
    private Random() {}

    /** PyTorch's default seed, so an unseeded program is still reproducible. */
    private static final long DEFAULT_SEED = 67280421310721L;
    private static volatile long seed = DEFAULT_SEED;
    private static final AtomicLong offset = new AtomicLong();

    static synchronized void manualSeed(long s) {
        seed = s;
        offset.set(0);
    }

    static synchronized long[] state() {
        return new long[] {seed, offset.get()};
    }

    static synchronized void setState(long[] s) {
        if (s.length != 2 || s[1] < 0) throw new IllegalArgumentException("setRngState: expected {seed, offset >= 0}, got " + java.util.Arrays.toString(s));
        seed = s[0];
        offset.set(s[1]);
    }

    static Tensor sample(int kind, DType dtype, Device device, long[] shape, double a, double b) {
        String op = kind == 0 ? "rand" : "randn";
        if (!dtype.isFloatingPoint()) {
            throw new IllegalArgumentException(op + ": dtype " + dtype + " is not supported; expected FLOAT32 or FLOAT64");
        }
        Tensor t = Tensor.empty(Shapes.checkShape(op, shape), dtype, device);
        long start = offset.getAndAdd(t.numel);
        // the same counter-based formula on every device: a seed gives the same numbers on CPU and GPU
        Kernels.random(op, t, kind, seed, start, a, b);
        return t;
    }
}
