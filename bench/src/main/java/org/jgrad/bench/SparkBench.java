package org.jgrad.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.jgrad.Cpu;
import org.jgrad.Scope;
import org.jgrad.Tensor;
import org.jgrad.data.DataLoader;
import org.jgrad.data.TensorDataset;
import org.jgrad.distributed.GlooProcessGroup;
import org.jgrad.distributed.ReduceOp;
import org.jgrad.examples.Mnist;
import org.jgrad.nn.CrossEntropyLoss;
import org.jgrad.nn.Linear;
import org.jgrad.nn.Module;
import org.jgrad.nn.ReLU;
import org.jgrad.nn.Sequential;
import org.jgrad.optim.Adam;
import org.jgrad.optim.Optimizer;
import org.jgrad.spark.Sample;
import org.jgrad.spark.SparkTrainer;

/**
 * Data-parallel training on a Spark cluster of this machine ({@code local-cluster[2,1,2048]}: two
 * executor JVMs of one core each): an MNIST MLP 784-256-10 with Adam (lr 1e-3), batch 64 per rank,
 * trained by {@link SparkTrainer} with 1 and with 2 ranks; beside it the same loop without Spark
 * or DistributedDataParallel on one thread, in one process alone and in both executors at once
 * (what the cores give two ranks before any communication); then the time of one all-reduce of
 * the model's gradients (203 530 floats) between the two executors, alone.
 *
 * <p>Arguments: epochs per fit (default 2). Needs SPARK_HOME (a folder with an empty {@code jars/}),
 * SPARK_SCALA_VERSION=2.13 and SPARK_LOCAL_IP=127.0.0.1, and Spark's Java module flags: see
 * bench/README.md.
 */
public final class SparkBench {
    private SparkBench() {}

    static Module mlp() {
        return new Sequential(new Linear(784, 256), new ReLU(), new Linear(256, 10));
    }

    static Optimizer<?> adam(List<Tensor> params) {
        return new Adam(params, Adam.options(1e-3));
    }

    /** Rank r's share of the MNIST training images (every ranks-th), read on the executor. */
    static JavaRDD<Sample> mnist(JavaSparkContext jsc, int ranks) {
        List<Integer> ids = new ArrayList<>();
        for (int r = 0; r < ranks; r++) ids.add(r);
        return jsc.parallelize(ids, ranks).mapPartitions(it -> {
            int r = it.next();
            Mnist m = Mnist.train();
            int d = m.rows * m.cols;
            List<Sample> out = new ArrayList<>();
            for (int i = r; i < m.count; i += ranks) out.add(Sample.of(Arrays.copyOfRange(m.images, i * d, (i + 1) * d), m.labels[i]));
            return out.iterator();
        });
    }

    public static void main(String[] args) throws Exception {
        int epochs = args.length > 0 ? Integer.parseInt(args[0]) : 2;
        String home = System.getenv("SPARK_HOME");
        if (home == null) throw new IllegalStateException("set SPARK_HOME to a folder with an empty jars/ (see bench/README.md)");
        Files.createDirectories(Path.of(home, "jars"));
        System.out.println("CPU: " + cpuName() + "; jgrad's products: " + Cpu.blasReason());
        // before Spark starts its executors, which would share the cores
        double alone = plainMsPerStep(0, 1, epochs);
        System.out.printf(Locale.ROOT, "one process, one thread, no Spark: %.3f ms a step (%.0f samples/s)%n", alone, 64e3 / alone);

        SparkConf conf = new SparkConf().setMaster("local-cluster[2,1,2048]").setAppName("jgrad-SparkBench")
                .set("spark.driver.host", "127.0.0.1").set("spark.driver.bindAddress", "127.0.0.1")
                .set("spark.executor.extraClassPath", absoluteClassPath())
                .set("spark.ui.enabled", "false").set("spark.ui.showConsoleProgress", "false");
        JavaSparkContext jsc = new JavaSparkContext(conf);
        jsc.setLogLevel("WARN");
        double together = jsc.parallelize(List.of(0, 1), 2).rdd().barrier().mapPartitions(new PlainTask(epochs), false,
                scala.reflect.ClassTag$.MODULE$.apply(Double.class)).toJavaRDD().collect().stream().mapToDouble(Double::doubleValue).max().getAsDouble();
        System.out.printf(Locale.ROOT, "two executors each training alone at the same time (no communication): %.3f ms a step%n", together);
        double[] step = new double[3], waited = new double[3];
        for (int ranks = 1; ranks <= 2; ranks++) {
            SparkTrainer t = SparkTrainer.builder().ranks(ranks).model(SparkBench::mlp).optimizer(SparkBench::adam).loss(CrossEntropyLoss::new)
                    .epochs(epochs).batchSize(64).seed(1).build();
            long t0 = System.nanoTime();
            try (SparkTrainer.FitResult r = t.fit(mnist(jsc, ranks))) {
                double wall = (System.nanoTime() - t0) / 1e9;
                step[ranks] = r.stepMillis();
                waited[ranks] = r.stepMillis() * r.communicationFraction();
                System.out.printf(Locale.ROOT,
                        "SparkTrainer, %d rank(s): %.0f samples/s in the training loop, %.3f ms a step, %.3f ms (%.1f%%) of it waiting for all-reduces "
                                + "(%.0f of %.0f kB a step); fit %.1f s in all; epoch losses %s%n",
                        ranks, r.samplesPerSecond(), r.stepMillis(), waited[ranks], 100 * r.communicationFraction(), r.allReducesPerStep(),
                        Double.parseDouble(r.info().get("jgrad.bytesPerStep")) / 1e3, wall, Arrays.toString(r.epochLosses()));
            }
        }
        double allReduce = allReduceMillis(jsc);
        System.out.printf(Locale.ROOT, "one all-reduce of 203 530 floats between the two executors, nothing else running: %.3f ms (median of 200)%n", allReduce);
        System.out.printf(Locale.ROOT, "2 ranks' step over the two lone trainings' step: %.3f ms, of which waiting for the all-reduce %.3f ms%n",
                step[2] - together, waited[2]);
        jsc.stop();
    }

    /** Trains alone on this executor's half of MNIST; returns its ms a step. */
    static final class PlainTask extends scala.runtime.AbstractFunction1<scala.collection.Iterator<Integer>, scala.collection.Iterator<Double>>
            implements java.io.Serializable {
        private static final long serialVersionUID = 1L;
        private final int epochs;

        PlainTask(int epochs) {
            this.epochs = epochs;
        }

        @Override
        public scala.collection.Iterator<Double> apply(scala.collection.Iterator<Integer> ignored) {
            BarrierTaskContext ctx = BarrierTaskContext.get();
            ctx.barrier();  // start together
            double ms = plainMsPerStep(ctx.partitionId(), 2, epochs);
            return scala.jdk.javaapi.CollectionConverters.asScala(List.of(ms).iterator());
        }
    }

    /** The training loop without Spark or DistributedDataParallel, one thread, on share {@code part} of {@code parts} of MNIST: ms a step. */
    static double plainMsPerStep(int part, int parts, int epochs) {
        int threads = Cpu.numThreads();
        Cpu.setNumThreads(1);
        try (Scope scope = Scope.open()) {
            Mnist m = Mnist.train();
            int d = m.rows * m.cols, n = m.count / parts;
            Tensor x = Tensor.of(Arrays.copyOfRange(m.images, part * n * d, (part + 1) * n * d), n, d);
            Tensor y = Tensor.of(Arrays.copyOfRange(m.labels, part * n, (part + 1) * n), n);
            Tensor.manualSeed(1);
            Module model = mlp();
            Optimizer<?> opt = adam(model.parameters());
            CrossEntropyLoss loss = new CrossEntropyLoss();
            DataLoader<Tensor[]> loader = DataLoader.builder(new TensorDataset(x, y)).batchSize(64).shuffle(true).seed(2).dropLast(true).build();
            long steps = 0, t0 = System.nanoTime();
            for (int e = 0; e < epochs; e++) {
                for (Tensor[] b : loader) {
                    try (Scope s = Scope.open()) {
                        Tensor l = loss.forward(model.forward(b[0]), b[1]);
                        opt.zeroGrad();
                        l.backward();
                        opt.step();
                        l.toFloatArray();
                    }
                    steps++;
                }
            }
            double ms = (System.nanoTime() - t0) / 1e6 / steps;
            opt.close();
            model.close();
            loader.close();
            return ms;
        } finally {
            Cpu.setNumThreads(threads);
        }
    }

    /** The median time of an all-reduce of the MLP's gradient size between two executors, in ms. */
    static double allReduceMillis(JavaSparkContext jsc) {
        List<Integer> ids = List.of(0, 1);
        List<Double> medians = jsc.parallelize(ids, 2).rdd().barrier().mapPartitions(new AllReduceTimer(), false,
                scala.reflect.ClassTag$.MODULE$.apply(Double.class)).toJavaRDD().collect();
        return medians.get(0);
    }

    /** Times 200 all-reduces on a rank (after 20 to warm up); rank 0 returns the median. */
    static final class AllReduceTimer extends scala.runtime.AbstractFunction1<scala.collection.Iterator<Integer>, scala.collection.Iterator<Double>>
            implements java.io.Serializable {
        private static final long serialVersionUID = 1L;

        @Override
        public scala.collection.Iterator<Double> apply(scala.collection.Iterator<Integer> ignored) {
            BarrierTaskContext ctx = BarrierTaskContext.get();
            int rank = ctx.partitionId();
            GlooProcessGroup.Store store = rank == 0 ? GlooProcessGroup.Store.listen("127.0.0.1", 0, Duration.ofMinutes(1)) : null;
            String[] all = ctx.allGather(rank == 0 ? Integer.toString(store.port()) : "");
            if (rank != 0) store = GlooProcessGroup.Store.connect("127.0.0.1", Integer.parseInt(all[0]), Duration.ofMinutes(1));
            List<Double> out = new ArrayList<>();
            try (GlooProcessGroup g = GlooProcessGroup.create(store, rank, 2, GlooProcessGroup.options().hostname("127.0.0.1"));
                 Tensor t = Tensor.zeros(203_530)) {
                double[] times = new double[200];
                for (int i = -20; i < times.length; i++) {
                    long t0 = System.nanoTime();
                    g.allReduce(t, ReduceOp.SUM).await();
                    if (i >= 0) times[i] = (System.nanoTime() - t0) / 1e6;
                }
                Arrays.sort(times);
                if (rank == 0) out.add(times[times.length / 2]);
            }
            Iterator<Double> it = out.iterator();
            return scala.jdk.javaapi.CollectionConverters.asScala(it);
        }
    }

    /** This JVM's class path with absolute entries (executors start in their own work folders). */
    static String absoluteClassPath() {
        StringBuilder sb = new StringBuilder();
        for (String e : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            if (e.isEmpty()) continue;
            sb.append(sb.length() == 0 ? "" : java.io.File.pathSeparator).append(Path.of(e).toAbsolutePath());
        }
        return sb.toString();
    }

    static String cpuName() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) return line.substring(line.indexOf(':') + 1).trim();
            }
        } catch (java.io.IOException ignored) {
            // not Linux
        }
        return System.getProperty("os.arch");
    }
}
