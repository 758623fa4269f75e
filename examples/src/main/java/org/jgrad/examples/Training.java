package org.jgrad.examples;

import org.jgrad.Autograd;
import org.jgrad.DType;
import org.jgrad.Scope;
import org.jgrad.Tensor;
import org.jgrad.data.DataLoader;
import org.jgrad.nn.Loss;
import org.jgrad.nn.Module;
import org.jgrad.optim.Optimizer;

/**
 * The training loop the examples share, as a user writes it: one epoch over a DataLoader (forward,
 * loss, zeroGrad, backward, step, each step's tensors freed by a Scope), and the accuracy of a
 * classifier in eval mode under noGrad. {@code double loss = Training.epoch(loader, model, new CrossEntropyLoss(), opt);}
 */
public final class Training {
    private Training() {}

    /** One epoch in training mode; returns the mean of the batches' losses. */
    public static double epoch(DataLoader<Tensor[]> loader, Module model, Loss lossFn, Optimizer<?> opt) {
        model.train();
        double total = 0;
        int steps = 0;
        for (Tensor[] batch : loader) {
            try (Scope s = Scope.open()) {
                Tensor loss = lossFn.forward(model.forward(batch[0]), batch[1]);
                opt.zeroGrad();
                loss.backward();
                opt.step();
                total += loss.item();
                steps++;
            }
        }
        return steps == 0 ? Double.NaN : total / steps;
    }

    /** The fraction of rows whose arg-max class is the label, in eval mode under noGrad, {@code batch} rows at a time. */
    public static double accuracy(Module model, Tensor inputs, Tensor labels, int batch) {
        model.eval();
        long n = inputs.size(0), correct = 0;
        try (Autograd.Guard off = Autograd.noGrad()) {
            for (long b = 0; b < n; b += batch) {
                try (Scope s = Scope.open()) {
                    long len = Math.min(batch, n - b);
                    Tensor pred = model.forward(inputs.narrow(0, b, len)).argmax(1, false);
                    correct += (long) pred.eq(labels.narrow(0, b, len)).to(DType.FLOAT64).sum().item();
                }
            }
        }
        return n == 0 ? Double.NaN : correct / (double) n;
    }
}
