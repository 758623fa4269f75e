package org.jgrad.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.jgrad.Autograd;
import org.jgrad.Scope;
import org.jgrad.Tensor;
import org.jgrad.nn.BatchNorm1d;
import org.jgrad.nn.CrossEntropyLoss;
import org.jgrad.nn.Linear;
import org.jgrad.nn.Module;
import org.jgrad.nn.ReLU;
import org.jgrad.nn.Sequential;
import org.jgrad.optim.Adam;
import org.jgrad.optim.Optimizer;
import org.jgrad.optim.SGD;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The trainer on a local cluster of two executor JVMs: data-parallel training equals
 * single-process training on the concatenated batches, a failed stage resumes from its checkpoint
 * to the uninterrupted result bit for bit, and misuse fails with the reason.
 */
class SparkTrainerTest {
    static final int N = 128, F = 10, C = 3, BATCH = 32, STEPS = 20;
    static JavaSparkContext jsc;
    static List<Sample> samples;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        jsc = LocalCluster.start(2);
        samples = data();
    }

    @AfterAll
    static void stop() {
        if (jsc != null) jsc.stop();
    }

    /** Three classes from a fixed random linear teacher, 128 samples; partition 0 holds the first 64. */
    static List<Sample> data() {
        Random r = new Random(11);
        double[][] teacher = new double[C][F];
        for (double[] row : teacher) for (int j = 0; j < F; j++) row[j] = r.nextGaussian();
        List<Sample> out = new ArrayList<>();
        for (int i = 0; i < N; i++) {
            float[] x = new float[F];
            for (int j = 0; j < F; j++) x[j] = (float) r.nextGaussian();
            int best = 0;
            double bestV = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < C; c++) {
                double v = 0;
                for (int j = 0; j < F; j++) v += teacher[c][j] * x[j];
                if (v > bestV) {
                    bestV = v;
                    best = c;
                }
            }
            out.add(Sample.of(x, best));
        }
        return out;
    }

    static Module mlp() {
        return new Sequential(new Linear(F, 16), new ReLU(), new Linear(16, C));
    }

    static Module mlpWithBatchNorm() {
        return new Sequential(new Linear(F, 16), new BatchNorm1d(16), new ReLU(), new Linear(16, C));
    }

    static SparkTrainer.Builder trainer(SparkTrainer.ModelFactory model, SparkTrainer.OptimizerFactory opt) {
        return SparkTrainer.builder().ranks(2).model(model).optimizer(opt).loss(CrossEntropyLoss::new)
                .epochs(STEPS / (N / 2 / BATCH)).batchSize(BATCH).shuffle(false).seed(5);
    }

    /**
     * One process, batch 64: step k's batch is rank 0's k-th batch of 32 followed by rank 1's. With
     * {@code perHalf}, the loss is the mean of the two halves' losses, each half through the model
     * on its own (batch norm's statistics per rank), and the running statistics are those of rank
     * 0's halves, as DistributedDataParallel gives them.
     */
    static Map<String, Tensor> reference(SparkTrainer.ModelFactory model, SparkTrainer.OptimizerFactory opt, boolean perHalf) {
        Tensor.manualSeed(5);
        Module m = model.create();
        Optimizer<?> o = opt.create(m.parameters());
        CrossEntropyLoss lossFn = new CrossEntropyLoss();
        int half = N / 2, perEpoch = half / BATCH;
        for (int step = 0; step < STEPS; step++) {
            int k = step % perEpoch;
            try (Scope s = Scope.open()) {
                Tensor[] a = batch(k * BATCH, BATCH), b = batch(half + k * BATCH, BATCH);
                Tensor loss;
                if (!perHalf) {
                    loss = lossFn.forward(m.forward(Tensor.cat(List.of(a[0], b[0]), 0)), Tensor.cat(List.of(a[1], b[1]), 0));
                } else {
                    Tensor l0 = lossFn.forward(m.forward(a[0]), a[1]);
                    Map<String, Tensor> saved = new LinkedHashMap<>();
                    m.namedBuffers().forEach((name, t) -> saved.put(name, t.clone()));
                    Tensor l1 = lossFn.forward(m.forward(b[0]), b[1]);
                    try (var off = Autograd.noGrad()) {
                        m.namedBuffers().forEach((name, t) -> t.copyInPlace(saved.get(name)));
                    }
                    loss = l0.add(l1).mul(0.5);
                }
                o.zeroGrad();
                loss.backward();
                o.step();
            }
        }
        Map<String, Tensor> out = new LinkedHashMap<>(m.stateDict());
        o.close();
        return out;
    }

    static Tensor[] batch(int from, int n) {
        float[] x = new float[n * F];
        long[] y = new long[n];
        for (int i = 0; i < n; i++) {
            System.arraycopy(samples.get(from + i).features(), 0, x, i * F, F);
            y[i] = samples.get(from + i).label();
        }
        return new Tensor[] {Tensor.of(x, n, F), Tensor.of(y, n)};
    }

    static void assertClose(Map<String, Tensor> expected, Map<String, Tensor> actual, double tol) {
        assertEquals(expected.keySet(), actual.keySet());
        for (String k : expected.keySet()) {
            double[] e = expected.get(k).toDoubleArray(), a = actual.get(k).toDoubleArray();
            assertEquals(e.length, a.length, k);
            for (int i = 0; i < e.length; i++) {
                assertEquals(e[i], a[i], tol * Math.max(1, Math.abs(e[i])), k + "[" + i + "]");
            }
        }
    }

    JavaRDD<Sample> rdd() {
        return jsc.parallelize(samples, 2);
    }

    @Test
    void twoRanksEqualOneProcessWithSgd() {
        SparkTrainer.OptimizerFactory sgd = p -> new SGD(p, 0.1, 0.9);
        try (SparkTrainer.FitResult r = trainer(SparkTrainerTest::mlp, sgd).build().fit(rdd())) {
            assertEquals(2, r.stepsPerEpoch());
            assertEquals(10, r.epochLosses().length);
            assertTrue(r.epochLosses()[9] < r.epochLosses()[0], "it learns: " + java.util.Arrays.toString(r.epochLosses()));
            assertEquals(0, r.stageAttempt());
            assertTrue(r.samplesPerSecond() > 0 && r.communicationFraction() >= 0 && r.communicationFraction() < 1, r.info().toString());
            assertClose(reference(SparkTrainerTest::mlp, sgd, false), r.stateDict(), 1e-5);
        }
    }

    @Test
    void twoRanksEqualOneProcessWithAdam() {
        SparkTrainer.OptimizerFactory adam = p -> new Adam(p, Adam.options(1e-2));
        try (SparkTrainer.FitResult r = trainer(SparkTrainerTest::mlp, adam).build().fit(rdd())) {
            assertClose(reference(SparkTrainerTest::mlp, adam, false), r.stateDict(), 1e-5);
        }
    }

    @Test
    void batchNormBuffersComeFromRankZero() {
        SparkTrainer.OptimizerFactory sgd = p -> new SGD(p, 0.05, 0.9);
        try (SparkTrainer.FitResult r = trainer(SparkTrainerTest::mlpWithBatchNorm, sgd).build().fit(rdd())) {
            assertTrue(r.stateDict().containsKey("1.running_mean") && r.stateDict().containsKey("1.num_batches_tracked"), r.stateDict().keySet().toString());
            assertEquals(STEPS, r.stateDict().get("1.num_batches_tracked").toLongArray()[0]);
            assertClose(reference(SparkTrainerTest::mlpWithBatchNorm, sgd, true), r.stateDict(), 1e-5);
        }
    }

    /** Fails on rank 1 at step 7 of the first attempt only. */
    static void failOnce(SparkTrainer.StepInfo s) {
        if (s.rank == 1 && s.globalStep == 7 && s.stageAttempt == 0) throw new IllegalStateException("injected failure at step 7");
    }

    @Test
    void aFailedStageResumesFromItsCheckpointBitForBit() {
        SparkTrainer.OptimizerFactory adam = p -> new Adam(p, Adam.options(1e-2));
        SparkTrainer.Builder b = trainer(SparkTrainerTest::mlp, adam).shuffle(true).checkpointEvery(3);
        Map<String, Tensor> uninterrupted;
        double[] losses;
        try (SparkTrainer.FitResult r = b.checkpointDir(dir.resolve("a").toString()).build().fit(rdd())) {
            assertEquals(0, r.stageAttempt());
            uninterrupted = new LinkedHashMap<>();
            r.stateDict().forEach((k, v) -> uninterrupted.put(k, v.clone()));
            losses = r.epochLosses();
        }
        try (SparkTrainer.FitResult r = b.checkpointDir(dir.resolve("b").toString()).onStep(SparkTrainerTest::failOnce).build().fit(rdd())) {
            assertEquals(1, r.stageAttempt(), "the stage was retried");
            assertEquals(6, r.resumedFromStep(), "from the checkpoint after step 6");
            for (String k : uninterrupted.keySet()) {
                assertArrayEquals(uninterrupted.get(k).toFloatArray(), r.stateDict().get(k).toFloatArray(), k);
            }
            assertArrayEquals(losses, r.epochLosses());
        }
    }

    @Test
    void dataFrameColumnsBecomeSamples() {
        SparkSession spark = SparkSession.builder().getOrCreate();  // on the running context
        List<Row> rows = new ArrayList<>();
        for (Sample s : samples) {
            Float[] f = new Float[F];
            for (int j = 0; j < F; j++) f[j] = s.features()[j];
            rows.add(RowFactory.create(f, (int) s.label()));
        }
        StructType schema = new StructType().add("pixels", DataTypes.createArrayType(DataTypes.FloatType)).add("digit", DataTypes.IntegerType);
        Dataset<Row> df = spark.createDataFrame(rows, schema).repartition(2);
        SparkTrainer t = trainer(SparkTrainerTest::mlp, p -> new SGD(p, 0.1, 0.9)).shuffle(true).featuresCol("pixels").labelCol("digit").build();
        try (SparkTrainer.FitResult r = t.fit(df)) {
            assertEquals(List.of("0.weight", "0.bias", "2.weight", "2.bias"), new ArrayList<>(r.stateDict().keySet()));
            assertTrue(r.epochLosses()[r.epochLosses().length - 1] < r.epochLosses()[0], java.util.Arrays.toString(r.epochLosses()));
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> trainer(SparkTrainerTest::mlp, p -> new SGD(p, 0.1)).build().fit(df));
        assertTrue(e.getMessage().contains("no column \"features\"") && e.getMessage().contains("pixels"), e.getMessage());
    }

    @Test
    void moreRanksThanSlotsIsRefusedWithTheNumbers() {
        SparkTrainer t = trainer(SparkTrainerTest::mlp, p -> new SGD(p, 0.1)).ranks(3).slotWait(java.time.Duration.ofSeconds(1)).build();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> t.fit(rdd()));
        assertTrue(e.getMessage().contains("3 ranks need 3 task slots") && e.getMessage().contains("the cluster has 2"), e.getMessage());
    }

    static Module differsOnRankOne() {
        int width = TaskContext.getPartitionId() == 1 ? 17 : 16;
        return new Sequential(new Linear(F, width), new ReLU(), new Linear(width, C));
    }

    @Test
    void modelsThatDifferBetweenRanksAreNamed() {
        SparkTrainer t = trainer(SparkTrainerTest::differsOnRankOne, p -> new SGD(p, 0.1)).build();
        Exception e = assertThrows(Exception.class, () -> t.fit(rdd()));
        String all = messages(e);
        assertTrue(all.contains("rank 1's module differs from rank 0's") && all.contains("[16, 10]") && all.contains("[17, 10]"), all);
    }

    @Test
    void aCudaModelWithoutNcclIsRefused() {
        SparkTrainer t = trainer(SparkTrainerTest::mlp, p -> new SGD(p, 0.1)).cuda(true).build();
        Exception e = assertThrows(Exception.class, () -> t.fit(rdd()));
        String all = messages(e);
        assertTrue(all.contains("NCCL cannot be used"), all);
    }

    static String messages(Throwable e) {
        StringBuilder sb = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) sb.append(t.getMessage()).append(" | ");
        return sb.toString();
    }
}
