package org.jgrad;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A machine whose CUDA lacks cuBLAS: the first and every later matmul say which library is missing and how to provide it. */
class CudaBlasLoadTest {
    final Runnable real = CudaBlas.loader;

    @AfterEach
    void restore() {
        CudaBlas.loader = real;
        CudaBlas.resetLoad();
    }

    @Test
    void aMissingCublasIsExplainedEveryTime() {
        CudaBlas.loader = () -> {
            throw new UnsatisfiedLinkError("no jnicublas in java.library.path: libcublas.so.13: cannot open shared object file");
        };
        CudaBlas.resetLoad();
        IllegalStateException first = assertThrows(IllegalStateException.class, CudaBlas::requireCublas);
        assertTrue(first.getMessage().contains("libcublas.so.13") && first.getMessage().contains("LD_LIBRARY_PATH")
                && first.getMessage().contains("linux-x86_64-redist"), first.getMessage());
        assertTrue(first.getCause() instanceof UnsatisfiedLinkError);
        IllegalStateException again = assertThrows(IllegalStateException.class, CudaBlas::requireCublas);
        assertTrue(again.getMessage().equals(first.getMessage()), "the same explanation, not a NoClassDefFoundError");
        // once it loads, nothing is thrown
        CudaBlas.resetLoad();
        CudaBlas.loader = () -> { };
        CudaBlas.requireCublas();
    }
}
