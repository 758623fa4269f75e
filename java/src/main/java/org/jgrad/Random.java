package org.jgrad;

import java.util.concurrent.atomic.AtomicLong;
import org.jgrad.internal.NativeLib;
import org.jgrad.internal.bind.JgradNative;

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

    static Tensor sample(int kind, DType dtype, Device device, long[] shape, double a, double b) {
        String op = kind == 0 ? "rand" : "randn";
        if (!dtype.isFloatingPoint()) {
            throw new IllegalArgumentException(op + ": dtype " + dtype + " is not supported; expected FLOAT32 or FLOAT64");
        }
        Tensor t = Tensor.empty(Shapes.checkShape(op, shape), dtype, Device.CPU);
        long start = offset.getAndAdd(t.numel);
        NativeLib.check(JgradNative.jg_random(kind, dtype.code, t.numel, t.address(), seed, start, a, b), op);
        if (device.isCpu()) return t;
        // drawn on the host and copied, so a seed gives the same numbers on every device
        Tensor d = Kernels.toDevice(t, device);
        t.close();
        return d;
    }
}
