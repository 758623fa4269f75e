package org.jgrad.spark;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.jgrad.Device;
import org.jgrad.Tensor;
import org.jgrad.io.SafeTensors;
import org.jgrad.nn.Loss;
import org.jgrad.nn.Module;
import org.jgrad.optim.LRScheduler;
import org.jgrad.optim.Optimizer;

/**
 * Trains a jgrad model on data in Spark, data-parallel, as PyTorch's TorchDistributor does for
 * torch: one barrier stage with one task per rank; the ranks meet once (rank 0's Gloo store
 * address, or NCCL id, through the barrier's allGather), each trains a replica on its own
 * partition with a {@link org.jgrad.data.DataLoader}, and {@link org.jgrad.distributed.DistributedDataParallel}
 * averages the gradients over Gloo (CPU) or NCCL (CUDA) after every backward. Rank 0 sends the
 * trained state dict back to the driver as safetensors bytes. No Spark job, barrier or Java
 * serialization happens per step.
 *
 * <pre>{@code
 * SparkTrainer trainer = SparkTrainer.builder()
 *     .ranks(2)
 *     .model(() -> new Sequential(new Linear(784, 256), new ReLU(), new Linear(256, 10)))
 *     .optimizer(params -> new Adam(params, Adam.options(1e-3)))
 *     .loss(CrossEntropyLoss::new)
 *     .epochs(3).batchSize(64)
 *     .build();
 * try (FitResult r = trainer.fit(samples)) {              // a JavaRDD<Sample> or Dataset<Row>
 *     model.loadStateDict(r.stateDict());
 * }
 * }</pre>
 *
 * <p>Every rank takes the same number of steps per epoch: that of the smallest partition
 * (each rank's remainder beyond whole batches of it is left out of that epoch; with shuffling, a
 * different remainder each epoch). A barrier stage needs a task slot for every rank at once, and
 * each rank needs its own executor JVM (set {@code spark.task.cpus} to {@code spark.executor.cores}
 * when executors have several cores). With a {@linkplain Builder#checkpointDir checkpoint
 * directory}, a stage that Spark retries after a failure resumes from the last checkpoint: model,
 * optimizer, scheduler, random generators and loader positions, giving the same result, bit for
 * bit, as a run that did not fail.
 */
public final class SparkTrainer implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Builds the model, the same on every rank (rank 0's parameters are copied to the others anyway). */
    @FunctionalInterface
    public interface ModelFactory extends Serializable {
        /** A new model, on the CPU. */
        Module create();
    }

    /** Builds the optimizer over the model's parameters. */
    @FunctionalInterface
    public interface OptimizerFactory extends Serializable {
        /** A new optimizer over {@code params}. */
        Optimizer<?> create(List<Tensor> params);
    }

    /** Builds a learning-rate scheduler, stepped after every epoch. */
    @FunctionalInterface
    public interface SchedulerFactory extends Serializable {
        /** A new scheduler for {@code optimizer}. */
        LRScheduler create(Optimizer<?> optimizer);
    }

    /** Builds the loss module. */
    @FunctionalInterface
    public interface LossFactory extends Serializable {
        /** A new loss. */
        Loss create();
    }

    /** Told about every step on every rank (on the executors): progress, or a test's fault. */
    @FunctionalInterface
    public interface StepListener extends Serializable {
        /** Called after the optimizer step. */
        void onStep(StepInfo step) throws Exception;
    }

    /** One step of one rank, as a {@link StepListener} sees it. */
    public static final class StepInfo {
        /** The rank. */
        public final int rank;
        /** Spark's attempt number of the training stage (0, then 1, 2... after failures). */
        public final int stageAttempt;
        /** The epoch, from 0. */
        public final long epoch;
        /** The batch within the epoch, from 0. */
        public final int batch;
        /** Steps taken in all, this one included (the same on every rank). */
        public final long globalStep;
        /** This rank's loss on its batch. */
        public final float loss;

        StepInfo(int rank, int stageAttempt, long epoch, int batch, long globalStep, float loss) {
            this.rank = rank;
            this.stageAttempt = stageAttempt;
            this.epoch = epoch;
            this.batch = batch;
            this.globalStep = globalStep;
            this.loss = loss;
        }
    }

    // the settings, sent to the executors with the task
    final int ranks;
    final ModelFactory model;
    final OptimizerFactory optimizer;
    final SchedulerFactory scheduler;
    final LossFactory loss;
    final int epochs;
    final int batchSize;
    final boolean shuffle;
    final long seed;
    final long[] featureShape;
    final boolean cuda;
    final String checkpointDir;
    final int checkpointEvery;
    final long timeoutMs;
    final String glooInterface;
    final StepListener listener;
    final double bucketCapMb;
    final String featuresCol;
    final String labelCol;
    final long slotWaitMs;
    final int threads;

    private SparkTrainer(Builder b) {
        ranks = b.ranks;
        model = b.model;
        optimizer = b.optimizer;
        scheduler = b.scheduler;
        loss = b.loss;
        epochs = b.epochs;
        batchSize = b.batchSize;
        shuffle = b.shuffle;
        seed = b.seed;
        featureShape = b.featureShape;
        cuda = b.cuda;
        checkpointDir = b.checkpointDir;
        checkpointEvery = b.checkpointEvery;
        timeoutMs = b.timeout.toMillis();
        glooInterface = b.glooInterface;
        listener = b.listener;
        bucketCapMb = b.bucketCapMb;
        featuresCol = b.featuresCol;
        labelCol = b.labelCol;
        slotWaitMs = b.slotWait.toMillis();
        threads = b.threads;
    }

    /** A builder; {@link Builder#model}, {@link Builder#optimizer} and {@link Builder#loss} are required. */
    public static Builder builder() {
        return new Builder();
    }

    /** The settings of a {@link SparkTrainer}. */
    public static final class Builder {
        private int ranks = 2;
        private ModelFactory model;
        private OptimizerFactory optimizer;
        private SchedulerFactory scheduler;
        private LossFactory loss;
        private int epochs = 1;
        private int batchSize = 64;
        private boolean shuffle = true;
        private long seed = 0;
        private long[] featureShape;
        private boolean cuda;
        private String checkpointDir;
        private int checkpointEvery;
        private Duration timeout = Duration.ofMinutes(5);
        private String glooInterface;
        private StepListener listener;
        private double bucketCapMb = 25;
        private String featuresCol = "features";
        private String labelCol = "label";
        private Duration slotWait = Duration.ofSeconds(30);
        private int threads;

        private Builder() {}

        /** CPU threads per rank (default: the task's cores, {@code spark.task.cpus}). */
        public Builder threads(int n) {
            if (n < 1) throw new IllegalArgumentException("SparkTrainer.threads: must be at least 1, got " + n);
            threads = n;
            return this;
        }

        /** The number of ranks (Spark tasks, one per executor JVM); default 2. */
        public Builder ranks(int n) {
            if (n < 1) throw new IllegalArgumentException("SparkTrainer.ranks: must be at least 1, got " + n);
            ranks = n;
            return this;
        }

        /** How each rank builds the model (required). */
        public Builder model(ModelFactory f) {
            model = Objects.requireNonNull(f, "model");
            return this;
        }

        /** How each rank builds the optimizer (required). */
        public Builder optimizer(OptimizerFactory f) {
            optimizer = Objects.requireNonNull(f, "optimizer");
            return this;
        }

        /** A learning-rate scheduler, stepped after every epoch (optional). */
        public Builder scheduler(SchedulerFactory f) {
            scheduler = f;
            return this;
        }

        /** How each rank builds the loss (required). */
        public Builder loss(LossFactory f) {
            loss = Objects.requireNonNull(f, "loss");
            return this;
        }

        /** Passes over the data (default 1). */
        public Builder epochs(int n) {
            if (n < 1) throw new IllegalArgumentException("SparkTrainer.epochs: must be at least 1, got " + n);
            epochs = n;
            return this;
        }

        /** Samples per batch on each rank (default 64): a step sees {@code ranks × batchSize} samples. */
        public Builder batchSize(int n) {
            if (n < 1) throw new IllegalArgumentException("SparkTrainer.batchSize: must be at least 1, got " + n);
            batchSize = n;
            return this;
        }

        /** Whether each rank visits its samples in a new order each epoch (default true). */
        public Builder shuffle(boolean on) {
            shuffle = on;
            return this;
        }

        /** The seed of the model's initialisation and of each rank's order and generator (default 0). */
        public Builder seed(long s) {
            seed = s;
            return this;
        }

        /** The shape of one sample's features, e.g. {@code 1, 28, 28} for a CNN (default: flat). */
        public Builder featureShape(long... shape) {
            featureShape = shape.clone();
            return this;
        }

        /** Trains on each executor's first GPU, NCCL between ranks (default: the CPU, Gloo). */
        public Builder cuda(boolean on) {
            cuda = on;
            return this;
        }

        /**
         * A directory all executors reach as a file system path (NFS, a mounted bucket): checkpoints
         * are written there after every epoch (and every {@link #checkpointEvery} steps), and a
         * retried stage resumes from the last one. Use a new directory per training run.
         */
        public Builder checkpointDir(String dir) {
            checkpointDir = dir;
            return this;
        }

        /** Also checkpoints every {@code steps} steps (0, the default: after epochs only). */
        public Builder checkpointEvery(int steps) {
            if (steps < 0) throw new IllegalArgumentException("SparkTrainer.checkpointEvery: must be >= 0, got " + steps);
            checkpointEvery = steps;
            return this;
        }

        /** How long ranks wait for each other in a collective or at the meeting (default 5 minutes). */
        public Builder timeout(Duration d) {
            if (d.isNegative() || d.isZero()) throw new IllegalArgumentException("SparkTrainer.timeout: must be positive, got " + d);
            timeout = d;
            return this;
        }

        /** The network interface Gloo uses, such as "eth0" (default: the executor's address as Spark knows it). */
        public Builder glooInterface(String name) {
            glooInterface = name;
            return this;
        }

        /** Called on the executors after every step. */
        public Builder onStep(StepListener l) {
            listener = l;
            return this;
        }

        /** DistributedDataParallel's bucket size in MiB (default 25). */
        public Builder bucketCapMb(double mb) {
            if (!(mb > 0)) throw new IllegalArgumentException("SparkTrainer.bucketCapMb: must be positive, got " + mb);
            bucketCapMb = mb;
            return this;
        }

        /** For {@link #fit(Dataset)}: the features column, an array of numbers or an ML vector (default "features"). */
        public Builder featuresCol(String name) {
            featuresCol = Objects.requireNonNull(name, "featuresCol");
            return this;
        }

        /** For {@link #fit(Dataset)}: the label column, an integer class, a real target or an array of them (default "label"). */
        public Builder labelCol(String name) {
            labelCol = Objects.requireNonNull(name, "labelCol");
            return this;
        }

        /** How long fit waits for enough executors to register before it gives up (default 30 s). */
        public Builder slotWait(Duration d) {
            slotWait = Objects.requireNonNull(d, "slotWait");
            return this;
        }

        /** The trainer; throws if the model, optimizer or loss is missing. */
        public SparkTrainer build() {
            List<String> missing = new ArrayList<>();
            if (model == null) missing.add("model");
            if (optimizer == null) missing.add("optimizer");
            if (loss == null) missing.add("loss");
            if (!missing.isEmpty()) throw new IllegalStateException("SparkTrainer.build: set " + String.join(", ", missing));
            return new SparkTrainer(this);
        }
    }

    /**
     * Trains on a DataFrame whose {@link Builder#featuresCol} holds arrays of numbers (or ML
     * vectors) and whose {@link Builder#labelCol} holds integer classes, real targets or arrays.
     */
    public FitResult fit(Dataset<Row> rows) {
        return fit(Rows.toSamples(rows, featuresCol, labelCol));
    }

    /**
     * Trains on the samples and returns what rank 0 trained. An RDD with as many partitions as
     * ranks is used as it is (partition r is rank r's data); any other is repartitioned.
     */
    public FitResult fit(JavaRDD<Sample> samples) {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(samples.context());
        checkSlots(jsc.sc());
        JavaRDD<Sample> parts = samples.getNumPartitions() == ranks ? samples : samples.repartition(ranks);
        List<byte[]> out = RankTask.run(parts, this);
        if (out.size() != 1) {
            throw new IllegalStateException("SparkTrainer.fit: expected rank 0's result, got " + out.size() + " results");
        }
        try {
            return FitResult.of(out.get(0));
        } catch (IOException e) {
            throw new UncheckedIOException("SparkTrainer.fit: rank 0's result does not parse", e);
        }
    }

    /** Fails early, with the numbers, where Spark's own check would retry for minutes. */
    private void checkSlots(SparkContext sc) {
        if (sc.conf().getBoolean("spark.dynamicAllocation.enabled", false)) {
            throw new IllegalStateException("SparkTrainer.fit: spark.dynamicAllocation.enabled is true; barrier stages (one task per rank, all at once) "
                    + "need it off");
        }
        int slots = slots(sc);
        long deadline = System.nanoTime() + slotWaitMs * 1_000_000L;
        while (slots >= 0 && slots < ranks && System.nanoTime() < deadline) {
            try {
                Thread.sleep(200);  // executors still registering
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            slots = slots(sc);
        }
        if (slots >= 0 && slots < ranks) {
            int executors = sc.statusTracker().getExecutorInfos().length - (sc.isLocal() ? 0 : 1);
            throw new IllegalStateException("SparkTrainer.fit: " + ranks + " ranks need " + ranks + " task slots at once (a barrier stage), but the cluster has "
                    + slots + " (" + executors + " executor(s), spark.task.cpus " + sc.conf().get("spark.task.cpus", "1") + ", after waiting "
                    + slotWaitMs / 1000.0 + " s for executors); start more executors or train with at most " + slots + " ranks");
        }
    }

    /** The task slots Spark's scheduler counts for barrier stages, or -1 if this Spark does not say. */
    private static int slots(SparkContext sc) {
        try {
            return sc.maxNumConcurrentTasks(sc.resourceProfileManager().defaultResourceProfile());
        } catch (LinkageError e) {
            return -1;
        }
    }

    @Override
    public String toString() {
        return "SparkTrainer(ranks " + ranks + ", epochs " + epochs + ", batch " + batchSize + (cuda ? ", cuda" : ", cpu")
                + (featureShape != null ? ", features " + Arrays.toString(featureShape) : "") + ")";
    }

    /** The state dict and numbers rank 0 sends back. */
    public static final class FitResult implements AutoCloseable {
        private final Map<String, Tensor> state;
        private final Map<String, String> info;

        private FitResult(Map<String, Tensor> state, Map<String, String> info) {
            this.state = state;
            this.info = info;
        }

        static FitResult of(byte[] bytes) throws IOException {
            Map<String, Tensor> state = SafeTensors.fromBytes(bytes, Device.CPU);
            for (Tensor t : state.values()) org.jgrad.Scope.untrack(t);
            return new FitResult(state, SafeTensors.metadata(bytes));
        }

        /** The trained model's state dict (the inner module's names), on the CPU; closed with this result. */
        public Map<String, Tensor> stateDict() {
            return state;
        }

        /** The mean loss of each epoch over all ranks' batches. */
        public double[] epochLosses() {
            String s = info.getOrDefault("jgrad.epochLosses", "");
            return s.isEmpty() ? new double[0] : Arrays.stream(s.split(",")).mapToDouble(Double::parseDouble).toArray();
        }

        /** Steps per epoch (the same on every rank). */
        public int stepsPerEpoch() {
            return Integer.parseInt(info.get("jgrad.stepsPerEpoch"));
        }

        /** Samples per second over all ranks, during the training loop of the last attempt. */
        public double samplesPerSecond() {
            return Double.parseDouble(info.get("jgrad.samplesPerSecond"));
        }

        /** The mean wall time of one step on rank 0, in milliseconds. */
        public double stepMillis() {
            return Double.parseDouble(info.get("jgrad.stepMillis"));
        }

        /** The part of rank 0's step time spent waiting for gradient all-reduces at the end of backward. */
        public double communicationFraction() {
            return Double.parseDouble(info.get("jgrad.waitFraction"));
        }

        /** All-reduces per step (gradient buckets). */
        public double allReducesPerStep() {
            return Double.parseDouble(info.get("jgrad.allReducesPerStep"));
        }

        /** Spark's attempt number of the stage that finished (0 when nothing failed). */
        public int stageAttempt() {
            return Integer.parseInt(info.get("jgrad.stageAttempt"));
        }

        /** The step the finishing attempt resumed from (0: it started from scratch). */
        public long resumedFromStep() {
            return Long.parseLong(info.get("jgrad.resumedFromStep"));
        }

        /** Everything rank 0 reported, as strings. */
        public Map<String, String> info() {
            return info;
        }

        /** Frees the state dict's tensors. */
        @Override
        public void close() {
            for (Tensor t : state.values()) t.close();
        }
    }
}
