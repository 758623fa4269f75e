package org.jgrad.examples;

import java.util.Locale;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
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
        return epoch(loader, model, lossFn, opt, null);
    }

    /**
     * One epoch as above with a progress bar named {@code task} on the terminal (batches done, the
     * running loss and training accuracy, samples a second, time left), when there is one: the bar
     * stays off when the output is not a terminal (a pipe, a file, a test run) or with
     * -Djgrad.quiet=true, and the epoch then does exactly the work of the quiet overload.
     */
    public static double epoch(DataLoader<Tensor[]> loader, Module model, Loss lossFn, Optimizer<?> opt, String task) {
        model.train();
        double total = 0;
        long steps = 0, seen = 0, right = 0;
        long t0 = System.nanoTime();
        try (ProgressBar bar = task != null && interactive() ? new ProgressBarBuilder().setTaskName(task).setInitialMax(loader.size())
                .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(200).build() : null) {
            for (Tensor[] batch : loader) {
                try (Scope s = Scope.open()) {
                    Tensor out = model.forward(batch[0]);
                    Tensor loss = lossFn.forward(out, batch[1]);
                    opt.zeroGrad();
                    loss.backward();
                    opt.step();
                    total += loss.item();
                    steps++;
                    if (bar != null) {
                        seen += batch[0].size(0);
                        try (Autograd.Guard off = Autograd.noGrad()) {
                            right += (long) out.argmax(1, false).eq(batch[1]).to(DType.FLOAT64).sum().item();
                        }
                        double secs = (System.nanoTime() - t0) / 1e9;
                        bar.step().setExtraMessage(String.format(Locale.ROOT, "loss %.4f acc %.2f%% %.0f img/s", total / steps,
                                100.0 * right / seen, seen / Math.max(secs, 1e-9)));
                    }
                }
            }
        }
        return steps == 0 ? Double.NaN : total / steps;
    }

    /** Whether a progress bar would be seen: a terminal on both ends and no -Djgrad.quiet. */
    static boolean interactive() {
        return System.console() != null && !Boolean.getBoolean("jgrad.quiet");
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
