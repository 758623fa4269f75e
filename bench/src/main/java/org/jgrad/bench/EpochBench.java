package org.jgrad.bench;

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
 * CrossEntropyLoss module and the optimizer; libtorch's picks each batch by index_select in the
 * loader's order. The two libraries' epochs alternate so that both see the same machine state.
 *
 * <p>Arguments: measured epochs (default 3) after one warm-up epoch each; "sgd" (default) or "adam"; the batch size. Run it once as it is and
 * once with OMP_WAIT_POLICY=PASSIVE in the environment (libtorch's OpenMP reads it at start-up):
 * see bench/README.md.
 */
public final class EpochBench {
    private static int BATCH = 64;
    private static final double LR = 0.01, MOMENTUM = 0.9, ADAM_LR = 1e-3;

    private EpochBench() {}

    public static void main(String[] args) {
        int epochs = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        boolean adam = args.length > 1 && args[1].equalsIgnoreCase("adam");
        if (args.length > 2) BATCH = Integer.parseInt(args[2]);
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
        for (int e = -1; e < epochs; e++) {
            // libtorch visits the samples in the order jgrad's loader gives this epoch
            int[] order = loader.order(e + 1);
            long[] perm = new long[order.length];
            for (int i = 0; i < perm.length; i++) perm[i] = order[i];
            quiet();
            long s0 = System.nanoTime();
            double lj = jgradEpoch(loader, model, opt);
            double msj = (System.nanoTime() - s0) / 1e6;
            quiet();
            long s1 = System.nanoTime();
            double lt = torchEpoch(timages, tlabels, perm, t1, t2, topt);
            double mst = (System.nanoTime() - s1) / 1e6;
            String tag = e < 0 ? "warm-up" : "epoch " + (e + 1);
            System.out.printf(Locale.ROOT, "%-8s jgrad %7.1f ms (mean loss %.5f)   libtorch %7.1f ms (mean loss %.5f)   ratio %.2f%n", tag, msj, lj,
                    mst, lt, msj / mst);
            if (e >= 0) {
                tj[e] = msj;
                tt[e] = mst;
            }
        }
        double mj = median(tj), mt = median(tt);
        double[] pairs = new double[epochs];
        for (int e = 0; e < epochs; e++) pairs[e] = tj[e] / tt[e];
        // each epoch's ratio is of two runs half a second apart, so a machine whose speed drifts
        // over seconds moves both: their median is the steadier figure on a shared VM
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

    /** One epoch as a user writes it: a DataLoader, a Module, a loss module and an optimizer (the examples' loop). */
    static double jgradEpoch(DataLoader<Tensor[]> loader, Module model, Optimizer<?> opt) {
        return org.jgrad.examples.Training.epoch(loader, model, new CrossEntropyLoss(), opt);
    }

    static double torchEpoch(org.bytedeco.pytorch.Tensor images, org.bytedeco.pytorch.Tensor labels, long[] perm, LinearImpl t1, LinearImpl t2,
                             org.bytedeco.pytorch.Optimizer opt) {
        double total = 0;
        int steps = 0;
        org.bytedeco.pytorch.Tensor order = fromLongs(perm, perm.length);
        for (int b = 0; b < perm.length; b += BATCH) {
            try (PointerScope s = new PointerScope()) {
                org.bytedeco.pytorch.Tensor idx = order.narrow(0, b, Math.min(BATCH, perm.length - b));
                org.bytedeco.pytorch.Tensor x = images.index_select(0, idx), y = labels.index_select(0, idx);
                org.bytedeco.pytorch.Tensor loss = torch.cross_entropy_loss(t2.forward(t1.forward(x).relu()), y);
                opt.zero_grad();
                loss.backward();
                opt.step();
                total += loss.item_float();
                steps++;
            }
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
