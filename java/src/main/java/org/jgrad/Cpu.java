package org.jgrad;

import java.util.Optional;
import org.jgrad.internal.NativeLib;
import org.jgrad.internal.bind.JgradNative;

/**
 * What the CPU backend runs on: the BLAS behind matrix products, the instruction set of the
 * elementwise loops, and the threads of its pool. {@code System.out.println(Cpu.blas() + ", " + Cpu.instructionSet());}
 */
public final class Cpu {
    private Cpu() {}

    /**
     * The BLAS library CPU matrix products call: the path of the OpenBLAS the
     * {@code org.bytedeco:openblas} jar brought, or {@code "builtin"} for jgrad's own kernel.
     * {@code -Djgrad.blas} (read at the first product) chooses: {@code auto}, the default, takes
     * OpenBLAS unless it runs narrower vectors than the CPU has (its AVX2 kernels on an AVX-512 CPU
     * it does not know, such as AMD Zen 5), where the built-in AVX-512 kernel is faster;
     * {@code openblas} takes OpenBLAS whenever it loads; {@code builtin} never loads it. Where
     * OpenBLAS cannot be loaded, the built-in kernel runs (see {@link #blasProblem()}).
     * {@link #blasReason()} says which rule applied. Loads OpenBLAS if no product has yet.
     */
    public static String blas() {
        return LinAlg.blasName();
    }

    /** Why OpenBLAS could not be loaded (the loader's error), if it could not; empty when products use it or builtin was chosen. */
    public static Optional<String> blasProblem() {
        return Optional.ofNullable(LinAlg.blasFailure());
    }

    /** Why {@link #blas()} is what it is: the -Djgrad.blas rule that applied and the OpenBLAS kernels found, or the load failure. */
    public static String blasReason() {
        return LinAlg.blasReason();
    }

    /** The instruction set the elementwise loops and optimizer steps were picked for: "avx512", "avx2" or "default" on x86-64, "asimd" on AArch64. */
    public static String instructionSet() {
        NativeLib.ensureLoaded();
        return JgradNative.jg_cpu_isa().getString();
    }

    /**
     * The threads CPU ops split large tensors and matrix products over (the machine's cores by
     * default), as {@code torch.get_num_threads()}.
     */
    public static int numThreads() {
        NativeLib.ensureLoaded();
        return JgradNative.jg_get_num_threads();
    }

    /**
     * Sets the CPU ops' threads (1 to 1024), as {@code torch.set_num_threads}: for a process that
     * shares the machine (a Spark executor given fewer cores than the machine has) or a benchmark.
     * Waits for a running parallel op to finish. {@code Cpu.setNumThreads(1);}
     */
    public static void setNumThreads(int n) {
        if (n < 1 || n > 1024) throw new IllegalArgumentException("Cpu.setNumThreads: expected 1..1024 threads, got " + n);
        NativeLib.ensureLoaded();
        NativeLib.check(JgradNative.jg_set_num_threads(n), "Cpu.setNumThreads");
    }
}
