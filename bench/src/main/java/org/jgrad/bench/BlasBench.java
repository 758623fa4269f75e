package org.jgrad.bench;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.global.torch;
import org.jgrad.Cpu;
import org.jgrad.DType;
import org.jgrad.Device;
import org.jgrad.Scope;
import org.jgrad.Tensor;
import org.jgrad.nn.CrossEntropyLoss;
import org.jgrad.nn.Linear;
import org.jgrad.nn.ReLU;
import org.jgrad.nn.Sequential;
import org.jgrad.optim.SGD;

/**
 * CPU matrix products on OpenBLAS (the org.bytedeco:openblas preset) against jgrad's built-in GEMM
 * (the one -Djgrad.blas=auto picks on AVX-512 CPUs whose OpenBLAS kernels are AVX2, and the one
 * systems older than glibc 2.34 get), with libtorch's matmul beside them: float32 products of
 * 64×784·784×256 (an MNIST MLP's first layer at batch 64), 256³ and 1024³, the two products of that
 * layer at batch 256 in the layouts training uses (x·Wᵀ forward, gᵀ·x for the weight's gradient),
 * and one SGD step of a 784-256-10 MLP at batch 64 and 256 (forward, cross-entropy, backward,
 * update) for the two jgrad kernels. The BLAS is chosen once per JVM, so each jgrad kernel runs in
 * a child JVM ({@code -Djgrad.blas=openblas} or {@code builtin}); the children alternate in rounds
 * and each case reports its median. Each case warms up for half a second and is timed over at least
 * half a second. Arguments: rounds (default 3). Run with OMP_WAIT_POLICY=PASSIVE.
 */
public final class BlasBench {
    private BlasBench() {}

    static final long[][] PRODUCTS = {{64, 784, 256}, {256, 256, 256}, {1024, 1024, 1024}};

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("child")) {
            child();
            return;
        }
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        Map<String, List<Double>> open = new LinkedHashMap<>(), builtin = new LinkedHashMap<>(), lib = new LinkedHashMap<>();
        torch.set_num_threads(2);
        for (int r = 0; r < rounds; r++) {
            runChild(false, open);
            runChild(true, builtin);
            torchRound(lib);
        }
        System.out.printf(Locale.ROOT, "%-28s %12s %12s %12s %10s %10s%n", "case (ms)", "OpenBLAS", "built-in", "libtorch", "bi/OB", "bi/torch");
        for (String k : open.keySet()) {
            double o = median(open.get(k)), b = median(builtin.get(k));
            Double t = lib.containsKey(k) ? median(lib.get(k)) : null;
            System.out.printf(Locale.ROOT, "%-28s %12.3f %12.3f %12s %10.2f %10s%n", k, o, b, t == null ? "-" : String.format(Locale.ROOT, "%.3f", t), b / o,
                    t == null ? "-" : String.format(Locale.ROOT, "%.2f", b / t));
        }
    }

    static double median(List<Double> v) {
        double[] a = v.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
    }

    static String key(long[] mkn) {
        return "sgemm " + mkn[0] + "x" + mkn[1] + "x" + mkn[2];
    }

    static void runChild(boolean useBuiltin, Map<String, List<Double>> into) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(System.getProperty("java.home") + "/bin/java", "-cp", System.getProperty("java.class.path")));
        cmd.add(useBuiltin ? "-Djgrad.blas=builtin" : "-Djgrad.blas=openblas");
        cmd.addAll(List.of(BlasBench.class.getName(), "child"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null; ) {
                if (line.startsWith("RESULT\t")) {
                    String[] f = line.split("\t");
                    into.computeIfAbsent(f[1], k -> new ArrayList<>()).add(Double.parseDouble(f[2]));
                } else {
                    System.out.println("  [" + (useBuiltin ? "built-in" : "OpenBLAS") + "] " + line);
                }
            }
        }
        if (p.waitFor() != 0) throw new IllegalStateException("child JVM failed: " + cmd);
    }

    static void child() {
        System.out.println("BLAS " + Cpu.blas() + ", elementwise " + Cpu.instructionSet());
        for (long[] mkn : PRODUCTS) {
            Tensor a = Tensor.randn(DType.FLOAT32, Device.CPU, mkn[0], mkn[1]), b = Tensor.randn(DType.FLOAT32, Device.CPU, mkn[1], mkn[2]);
            time(key(mkn), () -> a.matmul(b).close());
        }
        // the layouts of an MLP's first layer at batch 256: x·Wᵀ forward, gᵀ·x for the weight's gradient
        Tensor x256 = Tensor.randn(DType.FLOAT32, Device.CPU, 256, 784), w = Tensor.randn(DType.FLOAT32, Device.CPU, 256, 784);
        Tensor g = Tensor.randn(DType.FLOAT32, Device.CPU, 256, 256);
        Tensor wt = w.t(), gt = g.t();
        time("x·Wᵀ 256x784x256", () -> x256.matmul(wt).close());
        time("gᵀ·x 256x256x784", () -> gt.matmul(x256).close());
        step(64);
        step(256);
    }

    /** Reports r's time from {@link #measure}. */
    static void time(String name, Runnable r) {
        System.out.println("RESULT\t" + name + "\t" + measure(r));
    }

    /** Runs r for half a second to warm up (the JIT, the caches, the pool), then returns its mean time in ms over at least half a second. */
    static double measure(Runnable r) {
        long end = System.nanoTime() + 500_000_000L;
        while (System.nanoTime() < end) r.run();
        int reps = 0;
        long t0 = System.nanoTime(), t;
        do {
            r.run();
            reps++;
        } while ((t = System.nanoTime()) - t0 < 500_000_000L || reps < 3);
        return (t - t0) / 1e6 / reps;
    }

    static void step(int batch) {
        Tensor.manualSeed(0);
        Sequential model = new Sequential(new Linear(784, 256), new ReLU(), new Linear(256, 10));
        SGD opt = new SGD(model.parameters(), 0.01, 0.9);
        CrossEntropyLoss lossFn = new CrossEntropyLoss();
        Tensor x = Tensor.rand(DType.FLOAT32, Device.CPU, batch, 784);
        Tensor y = Tensor.of(new long[batch]);
        Runnable step = () -> {
            try (Scope s = Scope.open()) {
                Tensor loss = lossFn.forward(model.forward(x), y);
                opt.zeroGrad();
                loss.backward();
                opt.step();
            }
        };
        time("MLP 784-256-10 SGD step b" + batch, step);
    }

    static void torchRound(Map<String, List<Double>> into) {
        for (long[] mkn : PRODUCTS) {
            try (PointerScope s = new PointerScope()) {
                float[] av = Tensor.randn(DType.FLOAT32, Device.CPU, mkn[0], mkn[1]).toFloatArray();
                float[] bv = Tensor.randn(DType.FLOAT32, Device.CPU, mkn[1], mkn[2]).toFloatArray();
                org.bytedeco.pytorch.Tensor a = EpochBench.fromFloats(av, mkn[0], mkn[1]), b = EpochBench.fromFloats(bv, mkn[1], mkn[2]);
                torchTime(into, key(mkn), () -> a.matmul(b));
            }
        }
        try (PointerScope s = new PointerScope()) {
            org.bytedeco.pytorch.Tensor x = torch.randn(256, 784), w = torch.randn(256, 784), g = torch.randn(256, 256);
            org.bytedeco.pytorch.Tensor wt = w.t(), gt = g.t();
            torchTime(into, "x·Wᵀ 256x784x256", () -> x.matmul(wt));
            torchTime(into, "gᵀ·x 256x256x784", () -> gt.matmul(x));
        }
    }

    /** As {@link #time}, each call's libtorch tensors freed by a PointerScope. */
    static void torchTime(Map<String, List<Double>> into, String name, Runnable r) {
        Runnable scoped = () -> {
            try (PointerScope t = new PointerScope()) {
                r.run();
            }
        };
        into.computeIfAbsent(name, k -> new ArrayList<>()).add(measure(scoped));
    }
}
