package org.jgrad.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import org.jgrad.Cuda;
import org.jgrad.Device;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The training example on a CUDA device (a GPU, or the host emulation in the build) against the CPU. */
@Tag("cuda")
class CudaExamplesTest {
    @Test
    void mlpTrainsTheSameOnTheDevice() {
        if (!Cuda.isAvailable()) {
            if (Boolean.getBoolean("jgrad.requireCuda")) fail("a CUDA device is required (-Pcuda) but none was found");
            Assumptions.abort("no CUDA device");
        }
        double cpu = MlpClassifier.train(false, Device.CPU);
        double gpu = MlpClassifier.train(false, Device.CUDA);
        // same data and initial weights; float32 matmuls round differently, so allow one point in 300
        assertEquals(cpu, gpu, 1.0 / 300 + 1e-6);
    }
}
