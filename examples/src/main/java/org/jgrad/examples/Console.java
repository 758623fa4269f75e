package org.jgrad.examples;

import org.jgrad.Cuda;
import org.jgrad.Device;

/**
 * What every example's main shares: section titles, and the device it runs on (the CPU unless
 * -Djgrad.device=cuda). {@code Device device = Console.device();}
 */
public final class Console {
    private Console() {}

    /** Prints a blank line and "== s". */
    public static void title(String s) {
        System.out.println();
        System.out.println("== " + s);
    }

    /** The CPU, or the first CUDA device with -Djgrad.device=cuda (an error naming why if there is none). */
    public static Device device() {
        String d = System.getProperty("jgrad.device", "cpu");
        if (d.equalsIgnoreCase("cpu")) return Device.CPU;
        if (!d.equalsIgnoreCase("cuda")) throw new IllegalArgumentException("-Djgrad.device must be cpu or cuda, got " + d);
        if (!Cuda.isAvailable()) {
            throw new IllegalStateException("-Djgrad.device=cuda, but no CUDA device is usable: " + (Cuda.isCompiled() ? "none found" : "this build has no CUDA"));
        }
        return Device.CUDA;
    }
}
