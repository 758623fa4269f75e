package org.jgrad.distributed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.jgrad.DType;
import org.jgrad.Device;
import org.jgrad.Scope;
import org.jgrad.Tensor;
import org.jgrad.nn.Linear;
import org.jgrad.nn.Module;
import org.jgrad.nn.ReLU;
import org.jgrad.nn.Sequential;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Gloo and DistributedDataParallel in one process, as a group of one rank: the collectives'
 * contracts and errors, and DDP's hooks, buckets and refusals (two ranks are tested on a Spark
 * cluster, SparkTrainerTest).
 */
class SingleRankTest {
    static GlooProcessGroup group;

    @BeforeAll
    static void join() {
        GlooProcessGroup.Store store = GlooProcessGroup.Store.listen("127.0.0.1", 0, Duration.ofSeconds(30));
        assertTrue(store.port() > 0);
        group = GlooProcessGroup.create(store, 0, 1, GlooProcessGroup.options().hostname("127.0.0.1").timeout(Duration.ofSeconds(30)));
    }

    @AfterAll
    static void leave() {
        group.close();
        group.close();  // harmless
    }

    @Test
    void collectivesOfOneRankKeepTheValuesAndCheckTheirTensors() {
        assertEquals(0, group.rank());
        assertEquals(1, group.size());
        assertEquals("gloo", group.backend());
        try (Scope s = Scope.open()) {
            Tensor f = Tensor.of(new float[] {1, -2, 3}, 3);
            group.allReduce(f, ReduceOp.SUM).await();
            assertArrayEquals(new float[] {1, -2, 3}, f.toFloatArray());
            Tensor d = Tensor.of(new double[] {4, 5}, 2);
            Work w = group.broadcast(d, 0);
            w.await();
            w.await();  // again: returns at once
            assertTrue(w.isCompleted());
            assertArrayEquals(new double[] {4, 5}, d.toDoubleArray());
            Tensor l = Tensor.of(new long[] {7}, 1);
            group.allReduce(l, ReduceOp.MAX).await();
            assertEquals(7, l.toLongArray()[0]);
            group.barrier();

            IllegalArgumentException bool = assertThrows(IllegalArgumentException.class, () -> group.allReduce(Tensor.of(new boolean[] {true}, 1), ReduceOp.SUM));
            assertTrue(bool.getMessage().contains("BOOL") && bool.getMessage().contains("FLOAT32, FLOAT64 or INT64"), bool.getMessage());
            Tensor m = Tensor.of(new float[] {1, 2, 3, 4}, 2, 2);
            IllegalArgumentException strided = assertThrows(IllegalArgumentException.class, () -> group.allReduce(m.transpose(0, 1), ReduceOp.SUM));
            assertTrue(strided.getMessage().contains("not contiguous"), strided.getMessage());
            IllegalArgumentException root = assertThrows(IllegalArgumentException.class, () -> group.broadcast(f, 1));
            assertTrue(root.getMessage().contains("root 1"), root.getMessage());
            // a tensor closed while its collective runs is held until the collective ends
            Tensor c = Tensor.of(new float[] {9}, 1);
            Work pending = group.allReduce(c, ReduceOp.SUM);
            c.close();
            pending.await();
        }
        IllegalArgumentException rank = assertThrows(IllegalArgumentException.class,
                () -> GlooProcessGroup.create(GlooProcessGroup.Store.listen("127.0.0.1", 0, Duration.ofSeconds(5)), 2, 2, GlooProcessGroup.options()));
        assertTrue(rank.getMessage().contains("rank 2 of 2"), rank.getMessage());
    }

    static Module mlp() {
        return new Sequential(new Linear(6, 32), new ReLU(), new Linear(32, 3));
    }

    @Test
    void withOneRankTrainingIsPlainTraining() {
        try (Scope s = Scope.open()) {
            Tensor.manualSeed(1);
            Tensor x = Tensor.randn(16, 6), y = Tensor.rand(16).mul(3).to(DType.INT64);
            Tensor.manualSeed(2);
            Module plain = mlp();
            Tensor.manualSeed(2);
            DistributedDataParallel ddp = new DistributedDataParallel(mlp(), group, DistributedDataParallel.options().bucketCapMb(0.00045).firstBucketCapMb(0.00045));
            assertEquals(3, ddp.bucketCount(), "buckets of at most 471 bytes: [2.bias, 2.weight], [0.bias], [0.weight]");
            assertEquals(List.of("module.0.weight", "module.0.bias", "module.2.weight", "module.2.bias"), List.copyOf(ddp.namedParameters().keySet()));
            SideBySide.train(plain, ddp, x, y, 5);
            for (int i = 0; i < 4; i++) assertArrayEquals(plain.parameters().get(i).toFloatArray(), ddp.parameters().get(i).toFloatArray());
            assertEquals(5, ddp.stats().passes);
            assertEquals(15, ddp.stats().allReduces);
            ddp.close();
            plain.close();
        }
    }

    /** Two branches, of which the forward uses one. */
    static final class Branches extends Module {
        final Linear used = registerModule("used", new Linear(4, 2));
        final Linear unused = registerModule("unused", new Linear(4, 2));

        @Override
        public Tensor forward(Tensor x) {
            return used.forward(x);
        }
    }

    @Test
    void unusedParametersTakePartAsZerosAndMisuseIsRefused() {
        try (Scope s = Scope.open()) {
            DistributedDataParallel ddp = new DistributedDataParallel(new Branches(), group);
            Tensor x = Tensor.randn(3, 4);
            ddp.forward(x).sum().backward();
            Branches m = (Branches) ddp.module();
            assertArrayEquals(new float[8], m.unused.parameters().get(0).grad().toFloatArray(), "no rank used it: zeros");
            assertTrue(m.used.parameters().get(0).grad() != null);

            Tensor out = ddp.forward(x).sum();
            out.backward(null, true);
            IllegalStateException twice = assertThrows(IllegalStateException.class, () -> out.backward());
            assertTrue(twice.getMessage().contains("call forward before each backward"), twice.getMessage());

            UnsupportedOperationException move = assertThrows(UnsupportedOperationException.class, () -> ddp.to(Device.CPU));
            assertTrue(move.getMessage().contains("before wrapping"), move.getMessage());
            ddp.close();
            IllegalStateException closed = assertThrows(IllegalStateException.class, () -> ddp.forward(x));
            assertTrue(closed.getMessage().contains("closed"), closed.getMessage());
        }
    }

    /** A group of one rank that records the collectives it is asked for. */
    static final class RecordingGroup implements ProcessGroup {
        final List<String> events;

        RecordingGroup(List<String> events) {
            this.events = events;
        }

        @Override
        public int rank() {
            return 0;
        }

        @Override
        public int size() {
            return 1;
        }

        @Override
        public String backend() {
            return "recording";
        }

        @Override
        public Work allReduce(Tensor t, ReduceOp op) {
            events.add("allReduce " + t.numel());
            return done();
        }

        @Override
        public Work broadcast(Tensor t, int root) {
            return done();
        }

        @Override
        public void barrier() {}

        @Override
        public void close() {}

        static Work done() {
            return new Work() {
                @Override
                public void await() {}

                @Override
                public boolean isCompleted() {
                    return true;
                }
            };
        }
    }

    @Test
    void aBucketIsReducedAsSoonAsItsGradientsAreInWhileBackwardGoesOn() {
        try (Scope s = Scope.open()) {
            List<String> events = new java.util.ArrayList<>();
            Tensor.manualSeed(4);
            DistributedDataParallel ddp = new DistributedDataParallel(mlp(), new RecordingGroup(events),
                    DistributedDataParallel.options().bucketCapMb(0.00045).firstBucketCapMb(0.00045));
            events.clear();  // the construction's checks and broadcasts
            for (Tensor p : ddp.module().parameters()) {
                long n = p.numel();
                p.registerPostAccumulateGradHook(q -> events.add("gradient of " + n));
            }
            ddp.forward(Tensor.randn(8, 6)).sum().backward();
            // the last layer's bucket (2.weight and 2.bias, 99 values) is reduced as soon as both are
            // in, before backward reaches the first layer; the buckets go in order, each once
            assertEquals(List.of("allReduce 99", "allReduce 32", "allReduce 192"), events.stream().filter(e -> e.startsWith("allReduce")).toList());
            assertTrue(events.indexOf("allReduce 99") < events.indexOf("gradient of 192") && events.indexOf("allReduce 99") < events.indexOf("gradient of 32"),
                    events.toString());
            ddp.close();
        }
    }

    @Test
    void noSyncAccumulatesLocallyAndTheNextBackwardAveragesTheSum() {
        try (Scope s = Scope.open()) {
            List<String> events = new java.util.ArrayList<>();
            Tensor.manualSeed(5);
            DistributedDataParallel ddp = new DistributedDataParallel(mlp(), new RecordingGroup(events));
            Tensor.manualSeed(5);
            Module plain = mlp();
            events.clear();
            Tensor x1 = Tensor.randn(4, 6), x2 = Tensor.randn(4, 6);
            try (var n = ddp.noSync()) {
                ddp.forward(x1).sum().backward();
                try (var inner = ddp.noSync()) {
                    ddp.forward(x1).sum().backward();
                }
            }
            assertTrue(events.isEmpty(), "no all-reduce inside the blocks: " + events);
            ddp.forward(x2).sum().backward();
            assertEquals(List.of("allReduce 323"), events, "one bucket of all 323 gradients, once");
            plain.forward(x1).sum().backward();
            plain.forward(x1).sum().backward();
            plain.forward(x2).sum().backward();
            for (int i = 0; i < 4; i++) {
                float[] want = plain.parameters().get(i).grad().toFloatArray(), got = ddp.parameters().get(i).grad().toFloatArray();
                for (int j = 0; j < want.length; j++) assertEquals(want[j], got[j], 1e-5 * Math.max(1, Math.abs(want[j])));
            }
            ddp.close();
            plain.close();
        }
    }
}
