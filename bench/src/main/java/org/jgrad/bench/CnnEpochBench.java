package org.jgrad.bench;

import java.util.Locale;
import java.util.Map;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Conv2dImpl;
import org.bytedeco.pytorch.LinearImpl;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.jgrad.Tensor;
import org.jgrad.data.DataLoader;
import org.jgrad.data.TensorDataset;
import org.jgrad.examples.Mnist;
import org.jgrad.examples.MnistCnn;
import org.jgrad.nn.Sequential;
import org.jgrad.optim.Adam;

/**
 * One training epoch of the LeNet-style CNN of the MnistCnn example (conv 1→16 5×5, relu, max
 * pool 2, conv 16→32 5×5, relu, max pool 2, linear 512→128, relu, linear 128→10) on the 60 000
 * MNIST training images, as a user writes it, in jgrad (DataLoader, Sequential, CrossEntropyLoss,
 * Adam lr 1e-3, batch 64) and in libtorch (Conv2d and Linear modules, max_pool2d, cross_entropy,
 * Adam) from the same initial weights and in the same batch order. The libraries' epochs
 * alternate, half a second apart. Arguments: measured epochs (default 2) after one warm-up epoch
 * each. Run it with OMP_WAIT_POLICY=PASSIVE as well as without (bench/README.md).
 */
public final class CnnEpochBench {
    private static final int BATCH = 64;

    private CnnEpochBench() {}

    public static void main(String[] args) {
        int epochs = args.length > 0 ? Integer.parseInt(args[0]) : 2;
        torch.set_num_threads(2);
        Mnist train = Mnist.train();
        int n = train.count;
        Tensor.manualSeed(0);
        Sequential model = MnistCnn.lenet();
        Adam opt = new Adam(model.parameters(), Adam.options(1e-3));
        Tensor images = Tensor.of(train.images, n, 1, 28, 28), labels = Tensor.of(train.labels);
        DataLoader<Tensor[]> loader = DataLoader.builder(new TensorDataset(images, labels)).batchSize(BATCH).shuffle(true).seed(1000).build();

        Map<String, Tensor> p = model.namedParameters();
        Conv2dImpl c1 = new Conv2dImpl(1, 16, new LongPointer(5L, 5L)), c2 = new Conv2dImpl(16, 32, new LongPointer(5L, 5L));
        LinearImpl f1 = new LinearImpl(512, 128), f2 = new LinearImpl(128, 10);
        org.bytedeco.pytorch.Tensor[] tp = {c1.weight(), c1.bias(), c2.weight(), c2.bias(), f1.weight(), f1.bias(), f2.weight(), f2.bias()};
        String[] names = {"0.weight", "0.bias", "3.weight", "3.bias", "7.weight", "7.bias", "9.weight", "9.bias"};
        TensorVector tparams = new TensorVector();
        try (NoGradGuard g = new NoGradGuard()) {
            for (int i = 0; i < tp.length; i++) {
                Tensor src = p.get(names[i]);
                tp[i].copy_(EpochBench.fromFloats(src.toFloatArray(), src.shape()));
                tparams.push_back(tp[i]);
            }
        }
        org.bytedeco.pytorch.Optimizer topt = new org.bytedeco.pytorch.Adam(tparams, new org.bytedeco.pytorch.AdamOptions(1e-3));
        org.bytedeco.pytorch.Tensor timages = EpochBench.fromFloats(train.images, n, 1, 28, 28), tlabels = EpochBench.fromLongs(train.labels, n);

        System.out.printf(Locale.ROOT, "MNIST epoch, LeNet-style CNN, batch %d, Adam(lr 1e-3); OMP_WAIT_POLICY=%s%n", BATCH,
                System.getenv().getOrDefault("OMP_WAIT_POLICY", "(unset)"));
        double[] tj = new double[epochs], tt = new double[epochs];
        for (int e = -1; e < epochs; e++) {
            int[] order = loader.order(e + 1);
            long[] perm = new long[order.length];
            for (int i = 0; i < perm.length; i++) perm[i] = order[i];
            EpochBench.quiet();
            long s0 = System.nanoTime();
            double lj = EpochBench.jgradEpoch(loader, model, opt);
            double msj = (System.nanoTime() - s0) / 1e6;
            EpochBench.quiet();
            long s1 = System.nanoTime();
            double lt = torchEpoch(timages, tlabels, perm, c1, c2, f1, f2, topt);
            double mst = (System.nanoTime() - s1) / 1e6;
            String tag = e < 0 ? "warm-up" : "epoch " + (e + 1);
            System.out.printf(Locale.ROOT, "%-8s jgrad %8.1f ms (mean loss %.5f)   libtorch %8.1f ms (mean loss %.5f)   ratio %.2f%n", tag, msj, lj,
                    mst, lt, msj / mst);
            if (e >= 0) {
                tj[e] = msj;
                tt[e] = mst;
            }
        }
        double mj = EpochBench.median(tj), mt = EpochBench.median(tt);
        System.out.printf(Locale.ROOT, "median   jgrad %8.1f ms   libtorch %8.1f ms   ratio %.2f%n", mj, mt, mj / mt);
    }

    static double torchEpoch(org.bytedeco.pytorch.Tensor images, org.bytedeco.pytorch.Tensor labels, long[] perm, Conv2dImpl c1, Conv2dImpl c2,
                             LinearImpl f1, LinearImpl f2, org.bytedeco.pytorch.Optimizer opt) {
        double total = 0;
        int steps = 0;
        org.bytedeco.pytorch.Tensor order = EpochBench.fromLongs(perm, perm.length);
        long[] two = {2, 2}, zero = {0, 0}, one = {1, 1};
        for (int b = 0; b < perm.length; b += BATCH) {
            try (PointerScope s = new PointerScope()) {
                org.bytedeco.pytorch.Tensor idx = order.narrow(0, b, Math.min(BATCH, perm.length - b));
                org.bytedeco.pytorch.Tensor x = images.index_select(0, idx), y = labels.index_select(0, idx);
                org.bytedeco.pytorch.Tensor h = torch.max_pool2d(c1.forward(x).relu(), two, two, zero, one, false);
                h = torch.max_pool2d(c2.forward(h).relu(), two, two, zero, one, false).flatten(1, -1);
                org.bytedeco.pytorch.Tensor loss = torch.cross_entropy_loss(f2.forward(f1.forward(h).relu()), y);
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
}
