package org.jgrad.spark;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.rdd.RDD;
import org.jgrad.Cpu;
import org.jgrad.Device;
import org.jgrad.Scope;
import org.jgrad.Tensor;
import org.jgrad.data.DataLoader;
import org.jgrad.data.TensorDataset;
import org.jgrad.distributed.DistributedDataParallel;
import org.jgrad.distributed.GlooProcessGroup;
import org.jgrad.distributed.NcclProcessGroup;
import org.jgrad.distributed.ProcessGroup;
import org.jgrad.distributed.ReduceOp;
import org.jgrad.io.SafeTensors;
import org.jgrad.nn.Loss;
import org.jgrad.nn.Module;
import org.jgrad.optim.LRScheduler;
import org.jgrad.optim.Optimizer;
import scala.jdk.javaapi.CollectionConverters;
import scala.reflect.ClassTag$;
import scala.runtime.AbstractFunction1;

/** The barrier stage's task: one rank's whole training run, on an executor. */
final class RankTask extends AbstractFunction1<scala.collection.Iterator<Sample>, scala.collection.Iterator<byte[]>> implements Serializable {
    private static final long serialVersionUID = 1L;
    private final SparkTrainer cfg;

    private RankTask(SparkTrainer cfg) {
        this.cfg = cfg;
    }

    /** Runs one barrier stage over {@code parts} (one partition per rank); rank 0's result bytes come back. */
    static List<byte[]> run(JavaRDD<Sample> parts, SparkTrainer cfg) {
        RDD<byte[]> out = parts.rdd().barrier().mapPartitions(new RankTask(cfg), false, ClassTag$.MODULE$.apply(byte[].class));
        // a shuffle after the barrier stage makes it a map stage, which Spark retries after a
        // failure (a failed barrier result stage aborts the job)
        return out.toJavaRDD().repartition(1).collect();
    }

    @Override
    public scala.collection.Iterator<byte[]> apply(scala.collection.Iterator<Sample> samples) {
        byte[] result = new Rank(cfg, BarrierTaskContext.get()).train(CollectionConverters.asJava(samples));
        List<byte[]> out = result == null ? Collections.emptyList() : Collections.singletonList(result);
        return CollectionConverters.asScala(out.iterator());
    }

    /** One rank's run. */
    static final class Rank {
        private final SparkTrainer cfg;
        private final BarrierTaskContext ctx;
        private final int rank;
        private final int world;
        private final Device device;

        Rank(SparkTrainer cfg, BarrierTaskContext ctx) {
            this.cfg = cfg;
            this.ctx = ctx;
            this.rank = ctx.partitionId();
            this.world = ctx.getTaskInfos().length;
            this.device = cfg.cuda ? Device.cuda(0) : Device.CPU;
        }

        private String where() {
            return "SparkTrainer rank " + rank + " of " + world + " (stage attempt " + ctx.stageAttemptNumber() + ")";
        }

        byte[] train(Iterator<Sample> samples) {
            List<AutoCloseable> owned = new ArrayList<>();
            ProcessGroup group = null;
            GlooProcessGroup.Store store = null;
            int threadsBefore = Cpu.numThreads();
            try {
                // the CPU ops get the task's cores, not the machine's (executors share machines)
                Cpu.setNumThreads(cfg.threads > 0 ? cfg.threads : Math.max(1, ctx.cpus()));
                Tensor[] data = collect(samples);
                for (Tensor t : data) owned.add(t);
                long n = data[0].size(0);

                // meet: one allGather carries rank 0's store address (or NCCL id), every rank's JVM and sample count
                String host = hostOf(ctx.getTaskInfos()[rank].address());
                String meeting = "";
                if (rank == 0) {
                    if (cfg.cuda) {
                        meeting = "nccl=" + Base64.getEncoder().encodeToString(NcclProcessGroup.uniqueId());
                    } else {
                        store = GlooProcessGroup.Store.listen(host, 0, Duration.ofMillis(cfg.timeoutMs));
                        meeting = "store=" + store.host() + ":" + store.port();
                    }
                }
                if (cfg.cuda && rank != 0) NcclProcessGroup.isAvailable();  // loads NCCL before the wait
                String jvm = ManagementFactory.getRuntimeMXBean().getName();
                String[] all = ctx.allGather(jvm + "|" + n + "|" + meeting);
                int steps = agree(all);
                String[] first = all[0].split("\\|", 3);

                if (cfg.cuda) {
                    byte[] id = Base64.getDecoder().decode(first[2].substring("nccl=".length()));
                    group = NcclProcessGroup.create(id, rank, world, device);
                } else {
                    if (store == null) {
                        String addr = first[2].substring("store=".length());
                        int colon = addr.lastIndexOf(':');
                        store = GlooProcessGroup.Store.connect(addr.substring(0, colon), Integer.parseInt(addr.substring(colon + 1)),
                                Duration.ofMillis(cfg.timeoutMs));
                    }
                    GlooProcessGroup.Options o = GlooProcessGroup.options().timeout(Duration.ofMillis(cfg.timeoutMs));
                    if (cfg.glooInterface != null) o.interfaceName(cfg.glooInterface);
                    else o.hostname(host);
                    group = GlooProcessGroup.create(store, rank, world, o);
                }
                byte[] result = run(group, data, steps, owned);
                group.barrier();  // every rank finished: the stage succeeds as a whole
                return rank == 0 ? result : null;
            } catch (RuntimeException | Error e) {
                // leaving the group now makes the peers' pending collectives fail at once, so Spark
                // can retry the stage instead of waiting for the timeout
                if (group != null) {
                    try {
                        group.close();
                    } catch (RuntimeException suppressed) {
                        e.addSuppressed(suppressed);
                    }
                    group = null;
                }
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException(where() + ": " + e.getMessage(), e);
            } finally {
                for (int i = owned.size() - 1; i >= 0; i--) {
                    try {
                        owned.get(i).close();
                    } catch (Exception ignored) {
                        // freeing what is left; the first failure is what the task reports
                    }
                }
                if (group != null) group.close();
                else if (store != null) store.close();  // the group would have taken it over
                Cpu.setNumThreads(threadsBefore);
            }
        }

        /** The steps per epoch every rank takes; checks the ranks run in separate JVMs and have data. */
        private int agree(String[] all) {
            Map<String, Integer> jvms = new LinkedHashMap<>();
            long fewest = Long.MAX_VALUE;
            StringBuilder sizes = new StringBuilder();
            for (int r = 0; r < all.length; r++) {
                String[] f = all[r].split("\\|", 3);
                Integer other = jvms.put(f[0], r);
                if (other != null) {
                    throw new IllegalStateException(where() + ": ranks " + other + " and " + r + " run in the same executor JVM (" + f[0]
                            + "); jgrad runs one rank per JVM: give each executor one task slot (spark.task.cpus = spark.executor.cores)");
                }
                long n = Long.parseLong(f[1]);
                fewest = Math.min(fewest, n);
                sizes.append(r == 0 ? "" : ", ").append(n);
            }
            long steps = fewest / cfg.batchSize;
            if (steps == 0) {
                throw new IllegalStateException(where() + ": the ranks hold [" + sizes + "] samples; each needs at least one batch of " + cfg.batchSize
                        + " (use a smaller batch, fewer ranks, or more data)");
            }
            return (int) Math.min(steps, Integer.MAX_VALUE);
        }

        private byte[] run(ProcessGroup group, Tensor[] data, int steps, List<AutoCloseable> owned) throws IOException {
            Checkpoint resume = cfg.checkpointDir == null ? null : Checkpoint.latest(Path.of(cfg.checkpointDir), rank);
            Tensor.manualSeed(cfg.seed);
            Module inner = cfg.model.create();
            owned.add(inner);
            if (!device.isCpu()) inner.to(device);
            if (resume != null) {
                owned.add(resume);
                inner.loadStateDict(resume.model, true);
            }
            DistributedDataParallel ddp = new DistributedDataParallel(inner, group, DistributedDataParallel.options().bucketCapMb(cfg.bucketCapMb));
            owned.add(ddp);
            Optimizer<?> opt = cfg.optimizer.create(ddp.parameters());
            owned.add(opt);
            LRScheduler sched = cfg.scheduler == null ? null : cfg.scheduler.create(opt);
            Loss lossFn = cfg.loss.create();
            owned.add(lossFn);
            if (!device.isCpu()) lossFn.to(device);
            DataLoader<Tensor[]> loader = DataLoader.builder(new TensorDataset(data)).batchSize(cfg.batchSize).shuffle(cfg.shuffle)
                    .seed(cfg.seed + 1 + rank).dropLast(true).device(device.isCpu() ? null : device).prefetch(!device.isCpu()).build();
            owned.add(loader);

            long startEpoch = 0, globalStep = 0;
            int startBatch = 0;
            double partial = 0;
            List<Double> epochLosses = new ArrayList<>();
            Tensor.manualSeed(cfg.seed * 1_000_003L + 1 + rank);  // this rank's dropout and other draws
            if (resume != null) {
                opt.loadStateDict(resume.optimizer);
                if (sched != null) sched.loadStateDict(resume.scheduler);
                Tensor.setRngState(resume.rng);
                startEpoch = resume.epoch;
                startBatch = resume.batch;
                globalStep = resume.globalStep;
                partial = resume.partialLoss;
                epochLosses.addAll(resume.epochLosses);
            }
            long resumedFrom = globalStep;

            long trainStart = System.nanoTime(), stepsHere = 0;
            for (long epoch = startEpoch; epoch < cfg.epochs; epoch++) {
                int from = epoch == startEpoch ? startBatch : 0;
                loader.resume(new DataLoader.Position(epoch, from));
                Iterator<Tensor[]> it = loader.iterator();
                double lossSum = epoch == startEpoch ? partial : 0;
                for (int k = from; k < steps; k++) {
                    Tensor[] b = it.next();
                    float value;
                    try (Scope s = Scope.open()) {
                        Tensor loss = lossFn.forward(ddp.forward(b[0]), b[1]);
                        opt.zeroGrad();
                        loss.backward();
                        opt.step();
                        value = loss.toFloatArray()[0];
                    }
                    lossSum += value;
                    globalStep++;
                    stepsHere++;
                    if (cfg.listener != null) {
                        try {
                            cfg.listener.onStep(new SparkTrainer.StepInfo(rank, ctx.stageAttemptNumber(), epoch, k, globalStep, value));
                        } catch (RuntimeException e) {
                            throw e;
                        } catch (Exception e) {
                            throw new IllegalStateException(where() + ": the step listener failed at step " + globalStep, e);
                        }
                    }
                    if (cfg.checkpointDir != null && cfg.checkpointEvery > 0 && globalStep % cfg.checkpointEvery == 0 && k + 1 < steps) {
                        Checkpoint.save(Path.of(cfg.checkpointDir), group, ddp.module(), opt, sched, epoch, k + 1, globalStep, lossSum, epochLosses);
                    }
                }
                epochLosses.add(meanOverRanks(group, lossSum, steps));
                if (sched != null) sched.step();
                if (cfg.checkpointDir != null) Checkpoint.save(Path.of(cfg.checkpointDir), group, ddp.module(), opt, sched, epoch + 1, 0, globalStep, 0, epochLosses);
            }
            long trainNanos = System.nanoTime() - trainStart;
            if (rank != 0) return null;

            DistributedDataParallel.Stats st = ddp.stats();
            Map<String, String> info = new LinkedHashMap<>();
            StringBuilder losses = new StringBuilder();
            for (double l : epochLosses) losses.append(losses.length() == 0 ? "" : ",").append(l);
            info.put("jgrad.epochLosses", losses.toString());
            info.put("jgrad.stepsPerEpoch", Integer.toString(steps));
            info.put("jgrad.ranks", Integer.toString(world));
            double seconds = Math.max(trainNanos, 1) / 1e9;
            info.put("jgrad.samplesPerSecond", Double.toString(stepsHere * (double) cfg.batchSize * world / seconds));
            info.put("jgrad.stepMillis", Double.toString(stepsHere == 0 ? 0 : trainNanos / 1e6 / stepsHere));
            info.put("jgrad.waitFraction", Double.toString(trainNanos == 0 ? 0 : (double) st.waitNanos / trainNanos));
            info.put("jgrad.allReducesPerStep", Double.toString(st.passes == 0 ? 0 : (double) st.allReduces / st.passes));
            info.put("jgrad.bytesPerStep", Double.toString(st.passes == 0 ? 0 : (double) st.bytes / st.passes));
            info.put("jgrad.stageAttempt", Integer.toString(ctx.stageAttemptNumber()));
            info.put("jgrad.resumedFromStep", Long.toString(resumedFrom));
            return SafeTensors.toBytes(ddp.module().stateDict(), info);
        }

        /** The epoch's mean batch loss over all ranks (one small all-reduce). */
        private double meanOverRanks(ProcessGroup group, double lossSum, int steps) {
            try (Scope s = Scope.open()) {
                Tensor t = Tensor.of(new double[] {lossSum}, 1).to(device);
                group.allReduce(t, ReduceOp.SUM).await();
                return t.toDoubleArray()[0] / ((double) steps * world);
            }
        }

        /** The partition as tensors: features FLOAT32 [n, ...], targets INT64 [n] or FLOAT32 [n, k]. */
        private Tensor[] collect(Iterator<Sample> samples) {
            List<Sample> list = new ArrayList<>();
            while (samples.hasNext()) list.add(samples.next());
            int n = list.size();
            int f = n == 0 ? featureCount() : list.get(0).features().length;
            boolean classes = n == 0 || list.get(0).isClass();
            int k = classes ? 0 : list.get(0).target().length;
            float[] xs = new float[Math.multiplyExact(n, f)];
            long[] labels = classes ? new long[n] : null;
            float[] targets = classes ? null : new float[Math.multiplyExact(n, k)];
            for (int i = 0; i < n; i++) {
                Sample s = list.get(i);
                if (s.features().length != f) {
                    throw new IllegalArgumentException(where() + ": sample " + i + " has " + s.features().length + " features, the first has " + f);
                }
                System.arraycopy(s.features(), 0, xs, i * f, f);
                if (s.isClass() != classes || (!classes && s.target().length != k)) {
                    throw new IllegalArgumentException(where() + ": sample " + i + " has " + s + ", the first " + list.get(0) + "; all need the same kind of target");
                }
                if (classes) labels[i] = s.label();
                else System.arraycopy(s.target(), 0, targets, i * k, k);
            }
            long[] shape = new long[1 + (cfg.featureShape == null ? 1 : cfg.featureShape.length)];
            shape[0] = n;
            if (cfg.featureShape == null) {
                shape[1] = f;
            } else {
                long prod = 1;
                for (int i = 0; i < cfg.featureShape.length; i++) {
                    shape[i + 1] = cfg.featureShape[i];
                    prod *= cfg.featureShape[i];
                }
                if (prod != f) {
                    throw new IllegalArgumentException(where() + ": featureShape " + java.util.Arrays.toString(cfg.featureShape) + " holds " + prod
                            + " values, but the samples have " + f + " features");
                }
            }
            Tensor x = Scope.untrack(Tensor.of(xs, shape));
            Tensor y = Scope.untrack(classes ? Tensor.of(labels, n) : Tensor.of(targets, n, k));
            return new Tensor[] {x, y};
        }

        private int featureCount() {
            if (cfg.featureShape == null) return 0;
            long p = 1;
            for (long d : cfg.featureShape) p *= d;
            return (int) p;
        }

        private static String hostOf(String address) {
            if (address.startsWith("[")) return address.substring(1, address.indexOf(']'));
            int colon = address.lastIndexOf(':');
            return colon > 0 && address.indexOf(':') == colon ? address.substring(0, colon) : address;
        }
    }

    /**
     * A checkpoint in {@code dir}: {@code step-N/state.safetensors} (rank 0: the model as
     * "model.*", the optimizer as "optim.*", the scheduler and the epoch losses in the metadata),
     * {@code step-N/rank-R.safetensors} (each rank's generator, loader position and partial loss),
     * and {@code latest}, naming the last complete step, written by rank 0 once every rank has
     * written its part.
     */
    static final class Checkpoint implements AutoCloseable {
        Map<String, Tensor> model = new LinkedHashMap<>();
        Map<String, Tensor> optimizer = new LinkedHashMap<>();
        Map<String, Double> scheduler = new LinkedHashMap<>();
        long[] rng;
        long epoch;
        int batch;
        long globalStep;
        double partialLoss;
        List<Double> epochLosses = new ArrayList<>();

        static void save(Path dir, ProcessGroup group, Module model, Optimizer<?> opt, LRScheduler sched, long epoch, int batch, long globalStep,
                         double partialLoss, List<Double> epochLosses) throws IOException {
            Path step = dir.resolve("step-" + globalStep);
            Files.createDirectories(step);
            int rank = group.rank();
            if (rank == 0) {
                try (Scope s = Scope.open()) {
                    Map<String, Tensor> all = new LinkedHashMap<>();
                    model.stateDict().forEach((k, v) -> all.put("model." + k, v));
                    opt.stateDict().forEach((k, v) -> all.put("optim." + k, v));
                    Map<String, String> meta = new LinkedHashMap<>();
                    if (sched != null) sched.stateDict().forEach((k, v) -> meta.put("sched." + k, Double.toString(v)));
                    StringBuilder l = new StringBuilder();
                    for (double d : epochLosses) l.append(l.length() == 0 ? "" : ",").append(d);
                    meta.put("epochLosses", l.toString());
                    SafeTensors.save(all, step.resolve("state.safetensors"), meta);
                }
            }
            long[] rng = Tensor.getRngState();
            Map<String, String> mine = new LinkedHashMap<>();
            mine.put("rng.seed", Long.toString(rng[0]));
            mine.put("rng.offset", Long.toString(rng[1]));
            mine.put("epoch", Long.toString(epoch));
            mine.put("batch", Integer.toString(batch));
            mine.put("globalStep", Long.toString(globalStep));
            mine.put("partialLoss", Double.toString(partialLoss));
            SafeTensors.save(Collections.emptyMap(), step.resolve("rank-" + rank + ".safetensors"), mine);
            group.barrier();  // every part written
            if (rank == 0) {
                Path tmp = Files.createTempFile(dir, "latest", ".tmp");
                Files.write(tmp, Long.toString(globalStep).getBytes(StandardCharsets.UTF_8));
                Files.move(tmp, dir.resolve("latest"), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                try (Stream<Path> old = Files.list(dir)) {
                    for (Path p : (Iterable<Path>) old::iterator) {
                        String name = p.getFileName().toString();
                        if (name.startsWith("step-") && !name.equals("step-" + globalStep)) deleteTree(p);
                    }
                }
            }
        }

        /** The last complete checkpoint, as this rank restores it; null when there is none. */
        static Checkpoint latest(Path dir, int rank) throws IOException {
            Path latest = dir.resolve("latest");
            if (!Files.exists(latest)) return null;
            long n = Long.parseLong(new String(Files.readAllBytes(latest), StandardCharsets.UTF_8).trim());
            Path step = dir.resolve("step-" + n);
            Checkpoint c = new Checkpoint();
            Map<String, Tensor> all = SafeTensors.load(step.resolve("state.safetensors"));
            all.forEach((k, v) -> {
                Scope.untrack(v);
                if (k.startsWith("model.")) c.model.put(k.substring(6), v);
                else c.optimizer.put(k.substring(6), v);
            });
            Map<String, String> meta = SafeTensors.metadata(step.resolve("state.safetensors"));
            meta.forEach((k, v) -> {
                if (k.startsWith("sched.")) c.scheduler.put(k.substring(6), Double.parseDouble(v));
            });
            String losses = meta.getOrDefault("epochLosses", "");
            if (!losses.isEmpty()) for (String s : losses.split(",")) c.epochLosses.add(Double.parseDouble(s));
            Map<String, String> mine = SafeTensors.metadata(step.resolve("rank-" + rank + ".safetensors"));
            c.rng = new long[] {Long.parseLong(mine.get("rng.seed")), Long.parseLong(mine.get("rng.offset"))};
            c.epoch = Long.parseLong(mine.get("epoch"));
            c.batch = Integer.parseInt(mine.get("batch"));
            c.globalStep = Long.parseLong(mine.get("globalStep"));
            c.partialLoss = Double.parseDouble(mine.get("partialLoss"));
            if (c.globalStep != n) throw new IOException(step + ": rank " + rank + "'s part is of step " + c.globalStep + ", not " + n);
            return c;
        }

        /** Frees the loaded tensors. */
        @Override
        public void close() {
            for (Tensor t : model.values()) t.close();
            for (Tensor t : optimizer.values()) t.close();
        }

        private static void deleteTree(Path p) throws IOException {
            try (Stream<Path> w = Files.walk(p)) {
                List<Path> paths = new ArrayList<>();
                w.forEach(paths::add);
                Collections.reverse(paths);
                for (Path q : paths) Files.deleteIfExists(q);
            } catch (UncheckedIOException e) {
                throw e.getCause();
            }
        }
    }
}
