package org.jgrad.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.jgrad.DType;
import org.jgrad.Scope;
import org.jgrad.Tensor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class DataLoaderTest {
    static final int N = 10;
    Tensor x, y;
    TensorDataset ds;

    @BeforeEach
    void data() {
        double[] xv = new double[N * 3];
        long[] yv = new long[N];
        for (int i = 0; i < N; i++) {
            for (int j = 0; j < 3; j++) xv[i * 3 + j] = i * 10 + j;
            yv[i] = i;
        }
        x = Scope.untrack(Tensor.of(xv, N, 3));
        y = Scope.untrack(Tensor.of(yv, N));
        ds = new TensorDataset(x, y);
    }

    @AfterEach
    void free() {
        x.close();
        y.close();
    }

    /** The sample ids of an epoch, batch by batch, checking that each batch's rows belong to its labels. */
    static List<long[]> epoch(Iterable<Tensor[]> loader) {
        List<long[]> out = new ArrayList<>();
        for (Tensor[] b : loader) {
            try (Scope s = Scope.open()) {
                double[] rows = b[0].toDoubleArray();
                double[] labels = b[1].toDoubleArray();
                assertEquals(2, b[0].dim());
                assertEquals(DType.INT64, b[1].dtype());
                long[] ids = new long[labels.length];
                for (int i = 0; i < labels.length; i++) {
                    ids[i] = (long) labels[i];
                    for (int j = 0; j < 3; j++) assertEquals(ids[i] * 10 + j, rows[i * 3 + j], "row of sample " + ids[i]);
                }
                out.add(ids);
                b[0].close();
                b[1].close();
            }
        }
        return out;
    }

    static long[] flat(List<long[]> batches) {
        return batches.stream().flatMapToLong(Arrays::stream).toArray();
    }

    @Test
    void batchesInOrderWithTheLastOneShortOrDropped() {
        DataLoader<Tensor[]> loader = DataLoader.builder(ds).batchSize(4).build();
        assertEquals(3, loader.size());
        List<long[]> e = epoch(loader);
        assertArrayEquals(new long[] {0, 1, 2, 3}, e.get(0));
        assertArrayEquals(new long[] {4, 5, 6, 7}, e.get(1));
        assertArrayEquals(new long[] {8, 9}, e.get(2));
        DataLoader<Tensor[]> dropping = DataLoader.builder(ds).batchSize(4).dropLast(true).build();
        assertEquals(2, dropping.size());
        assertEquals(2, epoch(dropping).size());
    }

    @Test
    void shuffleIsAPermutationPerEpochFixedBySeed() {
        DataLoader<Tensor[]> a = DataLoader.builder(ds).batchSize(3).shuffle(true).seed(7).build();
        DataLoader<Tensor[]> b = DataLoader.builder(ds).batchSize(3).shuffle(true).seed(7).build();
        DataLoader<Tensor[]> c = DataLoader.builder(ds).batchSize(3).shuffle(true).seed(8).build();
        long[] a0 = flat(epoch(a)), a1 = flat(epoch(a));
        long[] sorted = a0.clone();
        Arrays.sort(sorted);
        assertArrayEquals(new long[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, sorted);
        assertFalse(Arrays.equals(a0, a1), "a new order each epoch");
        assertArrayEquals(a0, flat(epoch(b)));
        assertArrayEquals(a1, flat(epoch(b)));
        assertFalse(Arrays.equals(a0, flat(epoch(c))), "another seed, another order");
        // the seed is drawn from the global generator when not given
        Tensor.manualSeed(3);
        long s1 = DataLoader.builder(ds).shuffle(true).build().seed();
        Tensor.manualSeed(3);
        assertEquals(s1, DataLoader.builder(ds).shuffle(true).build().seed());
    }

    @Test
    void gatherPathEqualsStackingSamples() {
        // a dataset that is not a TensorDataset goes through get() and the stacking collate
        Dataset<Tensor[]> plain = new Dataset<>() {
            public int size() { return ds.size(); }
            public Tensor[] get(int i) { return ds.get(i); }
        };
        for (boolean prefetch : new boolean[] {false, true}) {
            DataLoader<Tensor[]> fast = DataLoader.builder(ds).batchSize(4).shuffle(true).seed(1).prefetch(prefetch).build();
            DataLoader<Tensor[]> slow = DataLoader.builder(plain).batchSize(4).shuffle(true).seed(1).build();
            List<long[]> f = epoch(fast), s = epoch(slow);
            assertEquals(f.size(), s.size());
            for (int i = 0; i < f.size(); i++) assertArrayEquals(s.get(i), f.get(i));
        }
        // samples that are single tensors stack into one
        Dataset<Tensor> rows = new Dataset<>() {
            public int size() { return 4; }
            public Tensor get(int i) { return x.select(0, i); }
        };
        try (Scope s = Scope.open()) {
            Tensor[] b = DataLoader.builder(rows).batchSize(4).build().iterator().next();
            assertEquals(1, b.length);
            assertArrayEquals(new long[] {4, 3}, b[0].shape());
            assertArrayEquals(x.narrow(0, 0, 4).toDoubleArray(), b[0].toDoubleArray());
        }
    }

    @Test
    void subsetsAndRandomSplit() {
        Subset<Tensor[]> sub = new Subset<>(ds, new int[] {9, 2, 5});
        assertArrayEquals(new long[] {9, 2, 5}, flat(epoch(DataLoader.builder(sub).batchSize(2).build())));
        List<Subset<Tensor[]>> parts = Datasets.randomSplit(ds, new int[] {6, 4}, 11);
        assertEquals(6, parts.get(0).size());
        assertEquals(4, parts.get(1).size());
        Set<Integer> seen = new HashSet<>();
        for (Subset<Tensor[]> p : parts) for (int i : p.indices()) assertTrue(seen.add(i), "disjoint");
        assertEquals(N, seen.size());
        assertArrayEquals(parts.get(0).indices(), Datasets.randomSplit(ds, new int[] {6, 4}, 11).get(0).indices(), "seeded");
        // fractions: floor of each, the remainder one each from the first part on (PyTorch's rule)
        List<Subset<Tensor[]>> thirds = Datasets.randomSplit(ds, new double[] {0.33, 0.33, 0.34}, 1);
        assertArrayEquals(new int[] {4, 3, 3}, thirds.stream().mapToInt(Subset::size).toArray());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Datasets.randomSplit(ds, new int[] {6, 3}, 1));
        assertTrue(e.getMessage().contains("add up to 9") && e.getMessage().contains("10"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Datasets.randomSplit(ds, new double[] {0.5, 0.6}, 1));
        assertThrows(IndexOutOfBoundsException.class, () -> new Subset<>(ds, new int[] {10}));
    }

    @Test
    void resumesMidEpochWithTheSameBatches() {
        DataLoader<Tensor[]> full = DataLoader.builder(ds).batchSize(3).shuffle(true).seed(5).build();
        epoch(full);
        List<long[]> second = epoch(full);
        for (boolean prefetch : new boolean[] {false, true}) {
            DataLoader<Tensor[]> a = DataLoader.builder(ds).batchSize(3).shuffle(true).seed(5).prefetch(prefetch).build();
            epoch(a);
            var it = a.iterator();
            try (Scope s = Scope.open()) {
                it.next();
                it.next();
            }
            DataLoader.Position p = a.position();
            assertEquals(1, p.epoch);
            assertEquals(2, p.batch);
            a.close();
            DataLoader<Tensor[]> b = DataLoader.builder(ds).batchSize(3).shuffle(true).seed(5).prefetch(prefetch).build();
            b.resume(p);
            List<long[]> rest = epoch(b);
            assertEquals(second.size() - 2, rest.size());
            for (int i = 0; i < rest.size(); i++) assertArrayEquals(second.get(i + 2), rest.get(i));
            assertEquals(2, b.position().epoch, "after the resumed epoch, the next one");
            assertEquals(0, b.position().batch);
        }
    }

    @Test
    void batchesBelongToTheTakersScopeAndAbandonedEpochsAreFreed() {
        DataLoader<Tensor[]> loader = DataLoader.builder(ds).batchSize(2).prefetch(true).build();
        Tensor[] kept;
        try (Scope s = Scope.open()) {
            kept = loader.iterator().next();
            assertFalse(kept[0].isClosed());
        }
        assertTrue(kept[0].isClosed() && kept[1].isClosed(), "closed with the scope that took them");
        // break out of an epoch, then start another: the old producer stops
        for (Tensor[] b : loader) {
            b[0].close();
            b[1].close();
            break;
        }
        assertEquals(5, epoch(loader).size());
        loader.close();
        assertThrows(IllegalStateException.class, loader::iterator);
    }

    @Test
    void aBatchLivesUntilTheNextIsTaken() {
        for (boolean prefetch : new boolean[] {false, true}) {
            DataLoader<Tensor[]> loader = DataLoader.builder(ds).batchSize(4).prefetch(prefetch).build();
            var it = loader.iterator();
            Tensor[] first = it.next();
            Tensor keep = first[0].clone();
            Tensor[] second = it.next();
            assertTrue(first[0].isClosed() && first[1].isClosed(), "freed when the next batch is taken");
            assertFalse(second[0].isClosed());
            Tensor[] last = it.next();
            assertFalse(it.hasNext());
            assertTrue(last[0].isClosed(), "the last batch is freed when the epoch ends");
            assertArrayEquals(new double[] {0, 1, 2}, keep.narrow(0, 0, 1).reshape(3).toDoubleArray(), "a clone outlives its batch");
            keep.close();
            loader.close();
        }
    }

    @Test
    void customCollateAndItsErrors() {
        DataLoader<Long> sums = DataLoader.builder(ds).batchSize(5).collate(samples -> {
            long total = 0;
            for (Tensor[] s : samples) total += (long) s[1].item();
            return total;
        }).build();
        List<Long> got = new ArrayList<>();
        for (long v : sums) got.add(v);
        assertEquals(List.of(10L, 35L), got);
        Dataset<String> words = new Dataset<>() {
            public int size() { return 2; }
            public String get(int i) { return "w" + i; }
        };
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DataLoader.builder(words).build().iterator().next());
        assertTrue(e.getMessage().contains("collate") && e.getMessage().contains("java.lang.String"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> DataLoader.builder(ds).batchSize(0));
        IllegalArgumentException shapes = assertThrows(IllegalArgumentException.class, () -> new TensorDataset(x, Tensor.zeros(3)));
        assertTrue(shapes.getMessage().contains("[10, 3], [3]"), shapes.getMessage());
        assertNotEquals(null, ds.get(N - 1));
        assertThrows(IndexOutOfBoundsException.class, () -> ds.get(N));
    }
}
