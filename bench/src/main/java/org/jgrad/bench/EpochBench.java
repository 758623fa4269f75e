package org.jgrad.bench;

import java.util.Iterator;
import java.util.Locale;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.LinearImpl;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.SGDOptions;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.jgrad.DType;
import org.jgrad.examples.Mnist;
import org.jgrad.Scope;
import org.jgrad.Tensor;
import org.jgrad.nn.Functional;
import org.jgrad.data.DataLoader;
import org.jgrad.data.TensorDataset;
import org.jgrad.nn.CrossEntropyLoss;
import org.jgrad.nn.Linear;
import org.jgrad.nn.Module;
import org.jgrad.nn.ReLU;
import org.jgrad.nn.Sequential;
import org.jgrad.optim.Adam;
import org.jgrad.optim.Optimizer;
import org.jgrad.optim.SGD;

/**
 * One training epoch on MNIST as a user writes it, in jgrad and in libtorch from the same initial
 * weights and the same batch order: a 784-256-10 MLP (Linear, relu, Linear), cross-entropy,
 * backward, SGD with momentum 0.9 and lr 0.01 (or, with "adam" as the second argument, Adam with lr
 * 1e-3 and PyTorch's other defaults), batch 64 (or the third argument) from the whole training set
 * held in memory. jgrad's side is a DataLoader (shuffled) over a TensorDataset, a Sequential, a
 * CrossEntropyLoss module and the optimizer, the loop of {@code examples.Training.epoch}; libtorch's
 * picks each batch by index_select in the loader's order.
 *
 * <p>Whole epochs alternate, half a second of quiet before each: by then the worker threads one
 * library left spinning have gone to sleep. libtorch's OpenBLAS threads spin for tens of
 * milliseconds after each of its products (OMP_WAIT_POLICY does not reach them), and libtorch's
 * OpenMP threads do too under its default setting. With a fifth argument N above 0 the libraries
 * instead take turns of N steps through each epoch (the one that goes first alternating), each
 * library's time the sum of its turns: that cancels a machine's drift over seconds, but every
 * jgrad turn then starts against libtorch's spinning threads (measured on 2 cores: turns of 5
 * steps cost jgrad 40-50 % a step, of 25 ~15 %, of a whole epoch nothing; with
 * OPENBLAS_THREAD_TIMEOUT=4 nothing at all), so it is a check, not the figure to report. Warm-up
 * epochs (the fourth argument, 3 by default) run first, also timed and printed but not in the
 * medians: the JIT compiles jgrad's Java code over its first thousand or so steps, and on a
 * 2-core machine the compiler thread takes a core from the kernels meanwhile.
 *
 * <p>Arguments: measured epochs (default 3); "sgd" (default) or "adam"; the batch size; warm-up
 * epochs; steps per turn (0: whole epochs). Run it once as it is and once with OMP_WAIT_POLICY=PASSIVE in the
 * environment (libtorch's OpenMP reads it at start-up): see bench/README.md.
 */
public final class EpochBench {
    private static int BATCH = 64;
    private static final double LR = 0.01, MOMENTUM = 0.9, ADAM_LR = 1e-3;

    private EpochBench() {}

    public static void main(String[] args) {
        int epochs = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        boolean adam = args.length > 1 && args[1].equalsIgnoreCase("adam");
        if (args.length > 2) BATCH = Integer.parseInt(args[2]);
        int warmups = args.length > 3 ? Integer.parseInt(args[3]) : 3;
        int turn = args.length > 4 ? Integer.parseInt(args[4]) : 0;
        torch.set_num_threads(2);
        Mnist train = Mnist.train(), test = Mnist.test();
        int n = train.count, d = train.rows * train.cols;

        Tensor.manualSeed(0);
        Linear fc1 = new Linear(d, 256), fc2 = new Linear(256, 10);
        Sequential model = new Sequential(fc1, new ReLU(), fc2);
        Optimizer<?> opt = adam ? new Adam(model.parameters(), Adam.options(ADAM_LR)) : new SGD(model.parameters(), LR, MOMENTUM);
        Tensor images = Tensor.of(train.images, n, d), labels = Tensor.of(train.labels);
        DataLoader<Tensor[]> loader = DataLoader.builder(new TensorDataset(images, labels)).batchSize(BATCH).shuffle(true).seed(1000).build();

        LinearImpl t1 = new LinearImpl(d, 256), t2 = new LinearImpl(256, 10);
        copyInto(t1, fc1);
        copyInto(t2, fc2);
        TensorVector tparams = new TensorVector();
        for (org.bytedeco.pytorch.Tensor p : new org.bytedeco.pytorch.Tensor[] {t1.weight(), t1.bias(), t2.weight(), t2.bias()}) tparams.push_back(p);
        org.bytedeco.pytorch.Optimizer topt;
        if (adam) {
            topt = new org.bytedeco.pytorch.Adam(tparams, new org.bytedeco.pytorch.AdamOptions(ADAM_LR));
        } else {
            SGDOptions options = new SGDOptions(LR);
            options.momentum().put(MOMENTUM);
            topt = new org.bytedeco.pytorch.SGD(tparams, options);
        }
        org.bytedeco.pytorch.Tensor timages = fromFloats(train.images, n, d), tlabels = fromLongs(train.labels, n);

        String rule = adam ? String.format(Locale.ROOT, "Adam(lr %.0e)", ADAM_LR) : String.format(Locale.ROOT, "SGD(lr %.2f, momentum %.1f)", LR, MOMENTUM);
        System.out.printf(Locale.ROOT, "MNIST epoch, MLP %d-256-10, batch %d, %s; OMP_WAIT_POLICY=%s%n", d, BATCH, rule,
                System.getenv().getOrDefault("OMP_WAIT_POLICY", "(unset)"));
        System.out.println("jgrad's products: " + org.jgrad.Cpu.blasReason());
        double[] tj = new double[epochs], tt = new double[epochs];
        System.out.printf(Locale.ROOT, "%s; %d warm-up epochs%n", turn == 0 ? "whole epochs alternate, half a second apart"
                : "the libraries take turns of " + turn + " steps", warmups);
        for (int e = -warmups; e < epochs; e++) {
            // libtorch visits the samples in the order jgrad's loader gives this epoch
            int[] order = loader.order(e + warmups);
            long[] perm = new long[order.length];
            for (int i = 0; i < perm.length; i++) perm[i] = order[i];
            double[] jt = new double[1], ttime = new double[1];
            double[] losses = turn == 0 ? wholeEpochs(loader, model, opt, timages, tlabels, perm, t1, t2, topt, jt, ttime)
                    : turns(turn, e, loader, model, opt, timages, tlabels, perm, t1, t2, topt, jt, ttime);
            double msj = jt[0], mst = ttime[0];
            String tag = e < 0 ? "warm-up" : "epoch " + (e + 1);
            System.out.printf(Locale.ROOT, "%-8s jgrad %7.1f ms (mean loss %.5f)   libtorch %7.1f ms (mean loss %.5f)   ratio %.2f%n", tag, msj,
                    losses[0], mst, losses[1], msj / mst);
            if (e >= 0) {
                tj[e] = msj;
                tt[e] = mst;
            }
        }
        double mj = median(tj), mt = median(tt);
        double[] pairs = new double[epochs];
        for (int e = 0; e < epochs; e++) pairs[e] = tj[e] / tt[e];
        // each epoch's ratio is of two runs side by side, so a machine whose speed drifts over
        // seconds moves both: their median is the steadier figure on a shared VM
        System.out.printf(Locale.ROOT, "median   jgrad %7.1f ms   libtorch %7.1f ms   ratio %.2f   (median of the epochs' ratios %.2f)%n", mj, mt,
                mj / mt, median(pairs));
        System.out.printf(Locale.ROOT, "test accuracy: jgrad %.2f%%, libtorch %.2f%%%n", 100 * jgradAccuracy(test, fc1, fc2),
                100 * torchAccuracy(test, t1, t2));
    }

    /**
     * Half a second idle before each library's epoch: BLAS and OpenMP worker threads that spin after
     * the other library's last call have gone to sleep by then, so neither epoch runs against them.
     */
    static void quiet() {
        try {
            Thread.sleep(500);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** One epoch of each library, jgrad's first, half a second of quiet before each; their times into jt and tt, their mean losses returned. */
    static double[] wholeEpochs(DataLoader<Tensor[]> loader, Module model, Optimizer<?> opt, org.bytedeco.pytorch.Tensor images,
                                org.bytedeco.pytorch.Tensor labels, long[] perm, LinearImpl t1, LinearImpl t2, org.bytedeco.pytorch.Optimizer topt,
                                double[] jt, double[] tt) {
        quiet();
        long s0 = System.nanoTime();
        double lj = jgradEpoch(loader, model, opt);
        jt[0] = (System.nanoTime() - s0) / 1e6;
        quiet();
        long s1 = System.nanoTime();
        double lt = torchEpoch(images, labels, perm, t1, t2, topt);
        tt[0] = (System.nanoTime() - s1) / 1e6;
        return new double[] {lj, lt};
    }

    /** One epoch as a user writes it: a DataLoader, a Module, a loss module and an optimizer (the examples' loop). */
    static double jgradEpoch(DataLoader<Tensor[]> loader, Module model, Optimizer<?> opt) {
        return org.jgrad.examples.Training.epoch(loader, model, new CrossEntropyLoss(), opt);
    }

    /**
     * One epoch of each library in turns of {@code turn} steps, the library that starts alternating
     * from turn to turn (and from epoch to epoch); each library's time is the sum of its turns.
     * jgrad's steps are those of {@code examples.Training.epoch}: the loader's next batch, forward,
     * loss, zeroGrad, backward, step and the loss's value, each step's tensors freed by a Scope.
     */
    static double[] turns(int turn, int epoch, DataLoader<Tensor[]> loader, Module model, Optimizer<?> opt, org.bytedeco.pytorch.Tensor images,
                          org.bytedeco.pytorch.Tensor labels, long[] perm, LinearImpl t1, LinearImpl t2, org.bytedeco.pytorch.Optimizer topt,
                          double[] jt, double[] tt) {
        CrossEntropyLoss lossFn = new CrossEntropyLoss();
        model.train();
        Iterator<Tensor[]> batches = loader.iterator();
        org.bytedeco.pytorch.Tensor order = fromLongs(perm, perm.length);
        double totalJ = 0, totalT = 0;
        int stepsJ = 0, stepsT = 0, b = 0;
        long nsJ = 0, nsT = 0;
        for (int k = 0; batches.hasNext() || b < perm.length; k++) {
            for (int side = 0; side < 2; side++) {
                if (((k + epoch + side) & 1) == 0) {
                    long s0 = System.nanoTime();
                    for (int i = 0; i < turn && batches.hasNext(); i++) {
                        Tensor[] batch = batches.next();
                        try (Scope s = Scope.open()) {
                            Tensor loss = lossFn.forward(model.forward(batch[0]), batch[1]);
                            opt.zeroGrad();
                            loss.backward();
                            opt.step();
                            totalJ += loss.item();
                            stepsJ++;
                        }
                    }
                    nsJ += System.nanoTime() - s0;
                } else {
                    long s0 = System.nanoTime();
                    for (int i = 0; i < turn && b < perm.length; i++, b += BATCH) {
                        totalT += torchStep(images, labels, order, b, t1, t2, topt);
                        stepsT++;
                    }
                    nsT += System.nanoTime() - s0;
                }
            }
        }
        order.close();
        jt[0] = nsJ / 1e6;
        tt[0] = nsT / 1e6;
        return new double[] {totalJ / stepsJ, totalT / stepsT};
    }

    /** One libtorch step on the batch that starts at {@code b} of the order; returns its loss. */
    static double torchStep(org.bytedeco.pytorch.Tensor images, org.bytedeco.pytorch.Tensor labels, org.bytedeco.pytorch.Tensor order, int b,
                            LinearImpl t1, LinearImpl t2, org.bytedeco.pytorch.Optimizer opt) {
        try (PointerScope s = new PointerScope()) {
            org.bytedeco.pytorch.Tensor idx = order.narrow(0, b, Math.min(BATCH, order.size(0) - b));
            org.bytedeco.pytorch.Tensor x = images.index_select(0, idx), y = labels.index_select(0, idx);
            org.bytedeco.pytorch.Tensor loss = torch.cross_entropy_loss(t2.forward(t1.forward(x).relu()), y);
            opt.zero_grad();
            loss.backward();
            opt.step();
            return loss.item_float();
        }
    }

    static double torchEpoch(org.bytedeco.pytorch.Tensor images, org.bytedeco.pytorch.Tensor labels, long[] perm, LinearImpl t1, LinearImpl t2,
                             org.bytedeco.pytorch.Optimizer opt) {
        double total = 0;
        int steps = 0;
        org.bytedeco.pytorch.Tensor order = fromLongs(perm, perm.length);
        for (int b = 0; b < perm.length; b += BATCH) {
            total += torchStep(images, labels, order, b, t1, t2, opt);
            steps++;
        }
        order.close();
        return total / steps;
    }

    static double jgradAccuracy(Mnist test, Linear fc1, Linear fc2) {
        try (Scope s = Scope.open(); var off = org.jgrad.Autograd.noGrad()) {
            Tensor x = Tensor.of(test.images, test.count, (long) test.rows * test.cols), y = Tensor.of(test.labels);
            return fc2.forward(fc1.forward(x).relu()).argmax(1, false).eq(y).to(DType.FLOAT64).mean().item();
        }
    }

    static double torchAccuracy(Mnist test, LinearImpl t1, LinearImpl t2) {
        try (PointerScope s = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            org.bytedeco.pytorch.Tensor x = fromFloats(test.images, test.count, (long) test.rows * test.cols), y = fromLongs(test.labels, test.count);
            org.bytedeco.pytorch.Tensor pred = t2.forward(t1.forward(x).relu()).argmax(new org.bytedeco.pytorch.LongOptional(1), false);
            return pred.eq(y).sum().item_long() / (double) test.count;
        }
    }

    /** Copies a jgrad layer's initial weight and bias into a libtorch one. */
    static void copyInto(LinearImpl t, Linear l) {
        try (NoGradGuard g = new NoGradGuard()) {
            long[] ws = l.weight().shape();
            t.weight().copy_(fromFloats(l.weight().toFloatArray(), ws));
            t.bias().copy_(fromFloats(l.bias().toFloatArray(), l.bias().shape()));
        }
    }

    static org.bytedeco.pytorch.Tensor fromFloats(float[] data, long... shape) {
        return torch.from_blob(new FloatPointer(data), shape, new org.bytedeco.pytorch.TensorOptions(torch.ScalarType.Float)).clone();
    }

    static org.bytedeco.pytorch.Tensor fromLongs(long[] data, long... shape) {
        return torch.from_blob(new LongPointer(data), shape, new org.bytedeco.pytorch.TensorOptions(torch.ScalarType.Long)).clone();
    }

    static double median(double[] v) {
        double[] s = v.clone();
        java.util.Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
