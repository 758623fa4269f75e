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
     * {@code org.bytedeco:openblas} jar brought, or {@code "builtin"} for jgrad's own kernel where
     * that library cannot be loaded (see {@link #blasProblem()}) or where {@code -Djgrad.blas=builtin}
     * chose it (read at the first product). Loads OpenBLAS if no product has yet.
     */
    public static String blas() {
        return LinAlg.blasName();
    }

    /** Why OpenBLAS could not be loaded (the loader's error), if it could not; empty when products use it or builtin was chosen. */
    public static Optional<String> blasProblem() {
        return Optional.ofNullable(LinAlg.blasFailure());
    }

    /** The instruction set the elementwise loops and optimizer steps were picked for: "avx512", "avx2" or "default" on x86-64, "asimd" on AArch64. */
    public static String instructionSet() {
        NativeLib.ensureLoaded();
        return JgradNative.jg_cpu_isa().getString();
    }
}
