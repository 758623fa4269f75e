package org.jgrad;

import java.util.Optional;
import org.jgrad.internal.NativeLib;
import org.jgrad.internal.bind.JgradNative;

/**
 * What the CPU backend runs on: the BLAS behind matrix products and the instruction set of the
 * elementwise loops. {@code System.out.println(Cpu.blas() + ", " + Cpu.instructionSet());}
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
}
