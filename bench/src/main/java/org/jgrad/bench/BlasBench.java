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
 * CPU matrix products on OpenBLAS (the org.bytedeco:openblas preset) against jgrad's built-in GEMM,
 * the one systems older than glibc 2.34 get, with libtorch's matmul beside them: float32 products
 * of 64×784·784×256 (an MNIST MLP's first layer at batch 64), 256³ and 1024³, and one SGD step of
 * a 784-256-10 MLP at batch 64 (forward, cross-entropy, backward, update) for the two jgrad kernels.
 * The BLAS is chosen once per JVM, so each jgrad kernel runs in a child JVM
 * ({@code -Djgrad.blas=builtin} for the built-in one); the children alternate in rounds and each
 * case reports its median. Arguments: rounds (default 3). Run with OMP_WAIT_POLICY=PASSIVE.
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

    static int reps(long[] mkn) {
        return (int) Math.max(3, Math.min(2000, 2e9 / (2.0 * mkn[0] * mkn[1] * mkn[2])));
    }

    static void runChild(boolean useBuiltin, Map<String, List<Double>> into) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(System.getProperty("java.home") + "/bin/java", "-cp", System.getProperty("java.class.path")));
        if (useBuiltin) cmd.add("-Djgrad.blas=builtin");
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
            int reps = reps(mkn);
            for (int i = 0; i < Math.max(2, reps / 5); i++) a.matmul(b).close();
            long t0 = System.nanoTime();
            for (int i = 0; i < reps; i++) a.matmul(b).close();
            System.out.println("RESULT\t" + key(mkn) + "\t" + (System.nanoTime() - t0) / 1e6 / reps);
        }
        Tensor.manualSeed(0);
        Sequential model = new Sequential(new Linear(784, 256), new ReLU(), new Linear(256, 10));
        SGD opt = new SGD(model.parameters(), 0.01, 0.9);
        CrossEntropyLoss lossFn = new CrossEntropyLoss();
        Tensor x = Tensor.rand(DType.FLOAT32, Device.CPU, 64, 784);
        Tensor y = Tensor.of(new long[64]);
        Runnable step = () -> {
            try (Scope s = Scope.open()) {
                Tensor loss = lossFn.forward(model.forward(x), y);
                opt.zeroGrad();
                loss.backward();
                opt.step();
            }
        };
        for (int i = 0; i < 100; i++) step.run();
        int steps = 400;
        long t0 = System.nanoTime();
        for (int i = 0; i < steps; i++) step.run();
        System.out.println("RESULT\tMLP 784-256-10 SGD step b64\t" + (System.nanoTime() - t0) / 1e6 / steps);
    }

    static void torchRound(Map<String, List<Double>> into) {
        for (long[] mkn : PRODUCTS) {
            try (PointerScope s = new PointerScope()) {
                float[] av = Tensor.randn(DType.FLOAT32, Device.CPU, mkn[0], mkn[1]).toFloatArray();
                float[] bv = Tensor.randn(DType.FLOAT32, Device.CPU, mkn[1], mkn[2]).toFloatArray();
                org.bytedeco.pytorch.Tensor a = EpochBench.fromFloats(av, mkn[0], mkn[1]), b = EpochBench.fromFloats(bv, mkn[1], mkn[2]);
                int reps = reps(mkn);
                for (int i = 0; i < Math.max(2, reps / 5); i++) {
                    try (PointerScope t = new PointerScope()) {
                        a.matmul(b);
                    }
                }
                long t0 = System.nanoTime();
                for (int i = 0; i < reps; i++) {
                    try (PointerScope t = new PointerScope()) {
                        a.matmul(b);
                    }
                }
                into.computeIfAbsent(key(mkn), k -> new ArrayList<>()).add((System.nanoTime() - t0) / 1e6 / reps);
            }
        }
    }
}
