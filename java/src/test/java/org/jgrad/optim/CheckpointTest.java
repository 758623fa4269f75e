package org.jgrad.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jgrad.Scope;
import org.jgrad.Tensor;
import org.jgrad.data.DataLoader;
import org.jgrad.data.TensorDataset;
import org.jgrad.io.SafeTensors;
import org.jgrad.nn.CrossEntropyLoss;
import org.jgrad.nn.Dropout;
import org.jgrad.nn.Linear;
import org.jgrad.nn.ReLU;
import org.jgrad.nn.Sequential;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A run stopped mid-epoch and resumed from a checkpoint gives the uninterrupted run's losses, bit for bit. */
class CheckpointTest {
    static final int EPOCHS = 3;

    @TempDir
    Path dir;

    /** Everything a training run holds. */
    static final class Run implements AutoCloseable {
        final Tensor x, y;
        final Sequential model;
        final Adam opt;
        final StepLR sched;
        final DataLoader<Tensor[]> loader;
        final CrossEntropyLoss lossFn = new CrossEntropyLoss();

        Run(long modelSeed) {
            Tensor.manualSeed(123);  // the data: the same in every run
            x = Scope.untrack(Tensor.randn(96, 6));
            y = Scope.untrack(Tensor.rand(96).mul(3).to(org.jgrad.DType.INT64));
            Tensor.manualSeed(modelSeed);
            model = new Sequential(new Linear(6, 16), new ReLU(), new Dropout(0.2), new Linear(16, 3));
            opt = new Adam(model.parameters(), Adam.options(1e-2).weightDecay(1e-3));
            sched = new StepLR(opt, 1, 0.9);
            loader = DataLoader.builder(new TensorDataset(x, y)).batchSize(16).shuffle(true).seed(3).build();
        }

        /** Trains until the end, or until {@code stopAt} steps in all have been taken; returns each step's loss. */
        List<Float> train(int stopAt) {
            List<Float> losses = new ArrayList<>();
            int steps = 0;
            for (long epoch = loader.position().epoch; epoch < EPOCHS; epoch++) {
                for (Tensor[] b : loader) {
                    try (Scope s = Scope.open()) {
                        Tensor loss = lossFn.forward(model.forward(b[0]), b[1]);
                        opt.zeroGrad();
                        loss.backward();
                        opt.step();
                        losses.add(loss.toFloatArray()[0]);
                    }
                    if (++steps == stopAt) return losses;
                }
                sched.step();
            }
            return losses;
        }

        void save(Path file) throws IOException {
            try (Scope s = Scope.open()) {
                Map<String, Tensor> all = new LinkedHashMap<>();
                model.stateDict().forEach((k, v) -> all.put("model." + k, v));
                opt.stateDict().forEach((k, v) -> all.put("optim." + k, v));
                Map<String, String> meta = new LinkedHashMap<>();
                sched.stateDict().forEach((k, v) -> meta.put("sched." + k, Double.toString(v)));
                long[] rng = Tensor.getRngState();
                meta.put("rng.seed", Long.toString(rng[0]));
                meta.put("rng.offset", Long.toString(rng[1]));
                meta.put("loader.epoch", Long.toString(loader.position().epoch));
                meta.put("loader.batch", Integer.toString(loader.position().batch));
                SafeTensors.save(all, file, meta);
            }
        }

        void load(Path file) throws IOException {
            try (Scope s = Scope.open()) {
                Map<String, Tensor> all = SafeTensors.load(file);
                Map<String, Tensor> m = new LinkedHashMap<>(), o = new LinkedHashMap<>();
                all.forEach((k, v) -> (k.startsWith("model.") ? m : o).put(k.substring(k.indexOf('.') + 1), v));
                model.loadStateDict(m);
                opt.loadStateDict(o);
                Map<String, String> meta = SafeTensors.metadata(file);
                Map<String, Double> sch = new LinkedHashMap<>();
                meta.forEach((k, v) -> {
                    if (k.startsWith("sched.")) sch.put(k.substring(6), Double.parseDouble(v));
                });
                sched.loadStateDict(sch);
                Tensor.setRngState(new long[] {Long.parseLong(meta.get("rng.seed")), Long.parseLong(meta.get("rng.offset"))});
                loader.resume(new DataLoader.Position(Long.parseLong(meta.get("loader.epoch")), Integer.parseInt(meta.get("loader.batch"))));
            }
        }

        @Override
        public void close() {
            loader.close();
            opt.close();
            model.close();
            x.close();
            y.close();
        }
    }

    @Test
    void resumedRunRepeatsTheUninterruptedLossesBitForBit() throws IOException {
        List<Float> full;
        try (Run r = new Run(7)) {
            full = r.train(-1);
        }
        assertEquals(EPOCHS * 6, full.size());
        Path ckpt = dir.resolve("ckpt.safetensors");
        List<Float> head;
        try (Run r = new Run(7)) {
            head = r.train(8);  // stops after the second batch of the second epoch
            r.save(ckpt);
        }
        List<Float> tail;
        try (Run r = new Run(99)) {  // another initialisation, replaced by the checkpoint
            r.load(ckpt);
            assertEquals(1, r.loader.position().epoch);
            assertEquals(2, r.loader.position().batch);
            tail = r.train(-1);
        }
        List<Float> resumed = new ArrayList<>(head);
        resumed.addAll(tail);
        assertEquals(full.size(), resumed.size());
        for (int i = 0; i < full.size(); i++) {
            assertEquals(Float.floatToIntBits(full.get(i)), Float.floatToIntBits(resumed.get(i)), "step " + i + ": " + full.get(i) + " vs " + resumed.get(i));
        }
        assertTrue(full.get(full.size() - 1) < full.get(0), "it trains: " + full);
    }

    @Test
    void optimizerStateDictNamesAndChecks() {
        try (Scope s = Scope.open()) {
            Tensor p = Tensor.of(new float[] {1, 2, 3}, 3).requiresGrad(true);
            Adam a = new Adam(List.of(p), Adam.options(0.1).amsgrad(true));
            p.mul(p).sum().backward();
            a.step();
            Map<String, Tensor> d = a.stateDict();
            assertTrue(d.keySet().containsAll(List.of("param_groups.0.lr", "param_groups.0.beta1", "param_groups.0.amsgrad", "param_groups.0.params",
                    "state.0.step", "state.0.exp_avg", "state.0.exp_avg_sq", "state.0.max_exp_avg_sq")), d.keySet().toString());
            assertEquals(1.0, d.get("param_groups.0.amsgrad").item());
            assertEquals(1L, d.get("state.0.step").toLongArray()[0]);
            Tensor q = Tensor.of(new float[] {1, 2, 3}, 3).requiresGrad(true);
            Adam b = new Adam(List.of(q), Adam.options(0.5));
            b.loadStateDict(d);
            assertEquals(0.1, b.paramGroups().get(0).options().lr());
            assertEquals(1, b.stepCount(q));
            assertArrayEquals(a.stateBuffer(p, 1).toFloatArray(), b.stateBuffer(q, 1).toFloatArray());
            // wrong shapes or another optimizer's names: an error, and nothing changed
            Tensor r = Tensor.of(new float[] {1, 2}, 2).requiresGrad(true);
            Adam c = new Adam(List.of(r), Adam.options(0.5));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> c.loadStateDict(d));
            assertTrue(e.getMessage().contains("state.0.exp_avg has shape [3]"), e.getMessage());
            assertEquals(0.5, c.paramGroups().get(0).options().lr());
            SGD sgd = new SGD(List.of(q), 0.1, 0.9);
            IllegalArgumentException other = assertThrows(IllegalArgumentException.class, () -> sgd.loadStateDict(d));
            assertTrue(other.getMessage().contains("SGD.loadStateDict") && other.getMessage().contains("momentum_buffer"), other.getMessage());
        }
    }
}
