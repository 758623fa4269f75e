package org.example.consumer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.jgrad.Cpu;
import org.jgrad.Scope;
import org.jgrad.Tensor;
import org.jgrad.nn.Linear;
import org.jgrad.nn.MSELoss;
import org.jgrad.nn.Sequential;
import org.jgrad.nn.Tanh;
import org.jgrad.optim.SGD;

/** Fits y = x0 - 2·x1 with a small network, then round-trips the weights through safetensors. */
public final class TrainStep {
    public static void main(String[] args) throws Exception {
        String where = args.length > 0 ? args[0] : "class path";
        Tensor.manualSeed(7);
        var model = new Sequential(new Linear(2, 16), new Tanh(), new Linear(16, 1));
        var opt = new SGD(model.parameters(), 0.1, 0.9);
        var lossFn = new MSELoss();
        Tensor x = Tensor.randn(256, 2);
        Tensor y = x.matmul(Tensor.of(new float[] {1, -2}, 2, 1));
        double first = Double.NaN, last = Double.NaN;
        for (int step = 0; step < 100; step++) {
            try (Scope s = Scope.open()) {
                Tensor loss = lossFn.forward(model.forward(x), y);
                opt.zeroGrad();
                loss.backward();
                opt.step();
                last = loss.item();
                if (step == 0) first = last;
            }
        }
        Path file = Files.createTempFile("consumer", ".safetensors");
        model.save(file);
        var copy = new Sequential(new Linear(2, 16), new Tanh(), new Linear(16, 1));
        copy.load(file);
        Files.delete(file);
        boolean same = true;
        for (var e : model.stateDict().entrySet()) {
            same &= Arrays.equals(e.getValue().toFloatArray(), copy.stateDict().get(e.getKey()).toFloatArray());
        }
        System.out.printf("jgrad from %s (%s) on %s/%s, %s kernels, BLAS %s: MSE %.4f -> %.6f after 100 SGD steps; safetensors round trip %s%n",
                where, Tensor.class.getModule(), System.getProperty("os.name"), System.getProperty("os.arch"), Cpu.instructionSet(),
                Cpu.blas().equals("builtin") ? "built-in" : "OpenBLAS", first, last, same ? "exact" : "DIFFERS");
        if (!(last < first / 20) || !same) {
            System.exit(1);
        }
    }
}
