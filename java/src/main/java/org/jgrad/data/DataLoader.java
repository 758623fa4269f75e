package org.jgrad.data;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.jgrad.Device;
import org.jgrad.Scope;
import org.jgrad.Tensor;

/**
 * Batches of a dataset, as torch.utils.data.DataLoader: an {@link Iterable}, one epoch per
 * iteration.
 * <pre>{@code
 * DataLoader<Tensor[]> loader = DataLoader.builder(new TensorDataset(x, y)).batchSize(64).shuffle(true).seed(1).build();
 * for (Tensor[] batch : loader) { ... batch[0], batch[1] ... }
 * }</pre>
 *
 * <p>Order: with shuffle, epoch e visits the samples in a permutation determined by (seed, e)
 * alone, so a run is reproducible and can resume mid-epoch ({@link #position()},
 * {@link #resume}). Without a seed, the seed is drawn from jgrad's global generator when the
 * loader is built (so {@code Tensor.manualSeed} fixes it).
 *
 * <p>Collation: by default samples that are tensors, or arrays of tensors, are stacked along a
 * new first dimension into a {@code Tensor[]} (one tensor per field); a {@link TensorDataset}, or
 * a {@link Subset} of one, is batched with one row gather per tensor instead, with the same
 * result. {@link Builder#collate} takes any other function.
 *
 * <p>Prefetch: with {@link Builder#prefetch}, a background thread prepares the next batch while the
 * current one is used, and, with {@link Builder#device}, copies it to that device ahead of use.
 *
 * <p>Lifetime: a batch's tensors live until the next batch is taken, the epoch ends or the loader
 * is closed, when the loader frees them (or sooner, by a {@link Scope} that was open when the batch
 * was taken). So the usual loop frees every batch deterministically; to keep a batch longer, keep
 * a {@code clone()} of its tensors.
 */
public final class DataLoader<B> implements Iterable<B>, AutoCloseable {
    /** Where an iteration stands: the epoch and the number of batches of it already given out. */
    public static final class Position {
        /** Epochs completed. */
        public final long epoch;
        /** Batches taken in the current epoch. */
        public final int batch;

        /** A position: {@code batch} batches into epoch {@code epoch}. */
        public Position(long epoch, int batch) {
            if (epoch < 0 || batch < 0) throw new IllegalArgumentException("DataLoader.Position: epoch " + epoch + " and batch " + batch + " must be >= 0");
            this.epoch = epoch;
            this.batch = batch;
        }

        @Override
        public String toString() {
            return "Position(epoch " + epoch + ", batch " + batch + ")";
        }
    }

    /** Options for a loader; {@code DataLoader.builder(dataset)} starts one. */
    public static final class Builder<T, B> {
        private final Dataset<T> dataset;
        private final Function<List<T>, B> collate;
        private final boolean defaultCollate;
        private int batchSize = 1;
        private boolean shuffle;
        private Long seed;
        private boolean dropLast;
        private boolean prefetch;
        private Device device;

        private Builder(Dataset<T> dataset, Function<List<T>, B> collate, boolean defaultCollate) {
            this.dataset = dataset;
            this.collate = collate;
            this.defaultCollate = defaultCollate;
        }

        private <C> Builder<T, C> copy(Function<List<T>, C> fn, boolean isDefault) {
            Builder<T, C> b = new Builder<>(dataset, fn, isDefault);
            b.batchSize = batchSize;
            b.shuffle = shuffle;
            b.seed = seed;
            b.dropLast = dropLast;
            b.prefetch = prefetch;
            b.device = device;
            return b;
        }

        /** Samples per batch (1 by default). */
        public Builder<T, B> batchSize(int n) {
            if (n < 1) throw new IllegalArgumentException("DataLoader: batchSize must be at least 1, got " + n);
            batchSize = n;
            return this;
        }

        /** A new order every epoch (false by default). */
        public Builder<T, B> shuffle(boolean on) {
            shuffle = on;
            return this;
        }

        /** The shuffling seed (drawn from the global generator by default). */
        public Builder<T, B> seed(long s) {
            seed = s;
            return this;
        }

        /** Leaves out the last batch when it would be smaller than batchSize (false by default). */
        public Builder<T, B> dropLast(boolean on) {
            dropLast = on;
            return this;
        }

        /** Prepares the next batch on a background thread (false by default). */
        public Builder<T, B> prefetch(boolean on) {
            prefetch = on;
            return this;
        }

        /** Copies each batch (a Tensor or Tensor[]) to this device, on the background thread with prefetch. */
        public Builder<T, B> device(Device d) {
            device = d;
            return this;
        }

        /** Builds batches with {@code fn} from the list of samples instead of stacking them. */
        public <C> Builder<T, C> collate(Function<List<T>, C> fn) {
            return copy(fn, false);
        }

        /** The loader with these settings. */
        public DataLoader<B> build() {
            long s = seed != null ? seed : drawSeed();
            return new DataLoader<>(this, s);
        }

        private static long drawSeed() {
            try (Scope scope = Scope.open()) {
                Tensor u = Tensor.rand(org.jgrad.DType.FLOAT64, Device.CPU, 2);
                double[] v = u.toDoubleArray();
                return ((long) (v[0] * (1L << 32)) << 32) ^ (long) (v[1] * (1L << 32));
            }
        }
    }

    /** A loader over {@code dataset} that stacks samples (tensors, or arrays of tensors) into a Tensor[] per batch. */
    public static <T> Builder<T, Tensor[]> builder(Dataset<T> dataset) {
        return new Builder<T, Tensor[]>(dataset, DataLoader::stack, true);
    }

    private final Dataset<?> dataset;
    private final Function<List<Object>, B> collate;
    private final boolean defaultCollate;
    private final int batchSize;
    private final boolean shuffle;
    private final long seed;
    private final boolean dropLast;
    private final boolean prefetch;
    private final Device device;
    private final Tensor[] gatherFrom;   // the TensorDataset's tensors, for the gather path
    private final int[] gatherIndex;     // a Subset's indices into it, or null
    private long nextEpoch;
    private int resumeBatch;
    private Epoch current;
    private boolean closed;

    @SuppressWarnings("unchecked")
    private <T> DataLoader(Builder<T, B> b, long seed) {
        this.dataset = b.dataset;
        this.collate = (Function<List<Object>, B>) (Function<?, ?>) b.collate;
        this.defaultCollate = b.defaultCollate;
        this.batchSize = b.batchSize;
        this.shuffle = b.shuffle;
        this.seed = seed;
        this.dropLast = b.dropLast;
        this.prefetch = b.prefetch;
        this.device = b.device;
        Tensor[] from = null;
        int[] index = null;
        if (defaultCollate) {
            if (dataset instanceof TensorDataset) {
                from = ((TensorDataset) dataset).tensors();
            } else if (dataset instanceof Subset && ((Subset<?>) dataset).dataset() instanceof TensorDataset) {
                from = ((TensorDataset) ((Subset<?>) dataset).dataset()).tensors();
                index = ((Subset<?>) dataset).indices();
            }
        }
        this.gatherFrom = from;
        this.gatherIndex = index;
    }

    /** The number of batches in an epoch (PyTorch's len(loader)). */
    public int size() {
        int n = dataset.size();
        return dropLast ? n / batchSize : (n + batchSize - 1) / batchSize;
    }

    /** The shuffling seed in use. */
    public long seed() {
        return seed;
    }

    /**
     * Where the loader stands: within the epoch being iterated, or at the start of the next one.
     * Saved with a checkpoint and given to {@link #resume}, the next iteration continues there.
     */
    public synchronized Position position() {
        if (current != null && !current.finished()) return new Position(current.epoch, current.served);
        return new Position(nextEpoch, resumeBatch);
    }

    /** Makes the next iteration start at {@code p}: its epoch's order, from its batch on. */
    public synchronized void resume(Position p) {
        if (p.batch > size()) throw new IllegalArgumentException("DataLoader.resume: batch " + p.batch + " is beyond the " + size() + " batches of an epoch");
        if (current != null) current.cancel();
        current = null;
        nextEpoch = p.epoch;
        resumeBatch = p.batch;
    }

    /** Starts an epoch (and stops an earlier one still being iterated). */
    @Override
    public synchronized Iterator<B> iterator() {
        if (closed) throw new IllegalStateException("DataLoader: closed");
        if (current != null) current.cancel();
        current = new Epoch(nextEpoch, resumeBatch);
        nextEpoch++;
        resumeBatch = 0;
        return current;
    }

    /** Stops the background thread, if any, and frees the batches it prepared and did not give out. */
    @Override
    public synchronized void close() {
        closed = true;
        if (current != null) current.cancel();
    }

    /** The order in which epoch {@code epoch} visits the samples (the identity without shuffle). */
    public int[] order(long epoch) {
        if (epoch < 0) throw new IllegalArgumentException("DataLoader.order: epoch must be >= 0, got " + epoch);
        return orderOf(epoch);
    }

    private int[] orderOf(long epoch) {
        int n = dataset.size();
        if (!shuffle) {
            int[] p = new int[n];
            for (int i = 0; i < n; i++) p[i] = i;
            return p;
        }
        return Permutations.permutation(n, seed, epoch);
    }

    /** Builds batch {@code k} of an epoch's order (on whichever thread runs it). */
    private B make(int[] order, int k) {
        int from = k * batchSize, to = Math.min(order.length, from + batchSize);
        B batch;
        if (gatherFrom != null) {
            long[] rows = new long[to - from];
            for (int i = from; i < to; i++) rows[i - from] = gatherIndex != null ? gatherIndex[order[i]] : order[i];
            Tensor[] out = new Tensor[gatherFrom.length];
            try (Scope scope = Scope.open()) {
                Tensor idx = Tensor.of(rows, rows.length);
                for (int f = 0; f < out.length; f++) {
                    Tensor src = gatherFrom[f];
                    Tensor rowIdx = src.device().equals(idx.device()) ? idx : idx.to(src.device());
                    out[f] = scope.keep(src.indexSelect(0, rowIdx));
                }
            }
            @SuppressWarnings("unchecked")
            B b = (B) out;
            batch = b;
        } else {
            List<Object> samples = new ArrayList<>(to - from);
            try (Scope scope = Scope.open()) {
                for (int i = from; i < to; i++) samples.add(dataset.get(order[i]));
                batch = collate.apply(samples);
                forEachTensor(batch, scope::keep);
            }
        }
        return device == null ? batch : toDevice(batch);
    }

    /** Every tensor of a batch: a Tensor, a Tensor[], or iterables and arrays of them. */
    private static void forEachTensor(Object batch, java.util.function.Consumer<Tensor> f) {
        if (batch instanceof Tensor) f.accept((Tensor) batch);
        else if (batch instanceof Iterable) for (Object o : (Iterable<?>) batch) forEachTensor(o, f);
        else if (batch instanceof Object[]) for (Object o : (Object[]) batch) forEachTensor(o, f);
    }

    @SuppressWarnings("unchecked")
    private B toDevice(B batch) {
        if (batch instanceof Tensor) {
            Tensor t = (Tensor) batch;
            if (t.device().equals(device)) return batch;
            Tensor moved = Scope.untrack(t.to(device));
            t.close();
            return (B) moved;
        }
        if (batch instanceof Tensor[]) {
            Tensor[] ts = (Tensor[]) batch;
            Tensor[] out = new Tensor[ts.length];
            for (int i = 0; i < ts.length; i++) {
                if (ts[i].device().equals(device)) {
                    out[i] = ts[i];
                } else {
                    out[i] = Scope.untrack(ts[i].to(device));
                    ts[i].close();
                }
            }
            return (B) out;
        }
        throw new IllegalStateException("DataLoader: device(" + device + ") needs batches that are a Tensor or Tensor[]; the collate function made a "
                + batch.getClass().getName());
    }

    private static void release(Object batch) {
        forEachTensor(batch, Tensor::close);
    }

    /** The default collate: stacks tensors, or each field of tensor arrays, along a new first dimension. */
    static Tensor[] stack(List<?> samples) {
        Object first = samples.get(0);
        if (first instanceof Tensor) {
            List<Tensor> ts = new ArrayList<>(samples.size());
            for (Object o : samples) ts.add((Tensor) o);
            return new Tensor[] {Tensor.stack(ts, 0)};
        }
        if (first instanceof Tensor[]) {
            int fields = ((Tensor[]) first).length;
            Tensor[] out = new Tensor[fields];
            for (int f = 0; f < fields; f++) {
                List<Tensor> ts = new ArrayList<>(samples.size());
                for (Object o : samples) {
                    Tensor[] s = (Tensor[]) o;
                    if (s.length != fields)
                        throw new IllegalArgumentException("DataLoader: samples have " + fields + " and " + s.length + " tensors; the default collate needs the same number in each");
                    ts.add(s[f]);
                }
                out[f] = Tensor.stack(ts, 0);
            }
            return out;
        }
        throw new IllegalArgumentException("DataLoader: the default collate stacks samples that are a Tensor or a Tensor[]; this dataset's samples are "
                + first.getClass().getName() + ": give the builder a collate function");
    }

    private static final Object END = new Object();

    /** One epoch's iteration, on this thread or fed by a background one. */
    private final class Epoch implements Iterator<B> {
        final long epoch;
        final int[] order;
        final int batches;
        int served;        // batches handed out
        int made;          // batches built (without prefetch: == served)
        volatile boolean cancelled;
        final BlockingQueue<Object> queue;
        final Thread worker;
        Object lastGiven;  // freed when the next batch is taken or the epoch ends

        Epoch(long epoch, int start) {
            this.epoch = epoch;
            this.order = orderOf(epoch);
            this.batches = size();
            this.served = Math.min(start, batches);
            this.made = served;
            if (prefetch && served < batches) {
                queue = new ArrayBlockingQueue<>(2);
                worker = new Thread(this::produce, "jgrad-DataLoader-epoch-" + epoch);
                worker.setDaemon(true);
                worker.start();
            } else {
                queue = null;
                worker = null;
            }
        }

        boolean finished() {
            return served >= batches;
        }

        private void produce() {
            try {
                for (int k = served; k < batches && !cancelled; k++) {
                    Object b = make(order, k);
                    if (!offer(b)) {
                        release(b);
                        return;
                    }
                }
                offer(END);
            } catch (Throwable e) {
                offer(e);
            }
        }

        private boolean offer(Object o) {
            try {
                while (!cancelled) {
                    if (queue.offer(o, 50, TimeUnit.MILLISECONDS)) return true;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return false;
        }

        @Override
        public boolean hasNext() {
            boolean more = !cancelled && served < batches;
            if (!more) releaseLast();
            return more;
        }

        private void releaseLast() {
            if (lastGiven != null) release(lastGiven);
            lastGiven = null;
        }

        @Override
        @SuppressWarnings("unchecked")
        public B next() {
            if (!hasNext()) throw new NoSuchElementException("DataLoader: epoch " + epoch + " has no batch after " + served);
            releaseLast();
            Object b;
            if (queue == null) {
                b = make(order, served);
            } else {
                try {
                    b = queue.take();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("DataLoader: interrupted while waiting for a batch", e);
                }
                if (b instanceof Throwable) {
                    cancelled = true;
                    Throwable t = (Throwable) b;
                    if (t instanceof RuntimeException) throw (RuntimeException) t;
                    if (t instanceof Error) throw (Error) t;
                    throw new IllegalStateException("DataLoader: preparing a batch failed", t);
                }
                if (b == END) throw new NoSuchElementException("DataLoader: epoch " + epoch + " ended early");
            }
            served++;
            forEachTensor(b, Scope::adopt);
            lastGiven = b;
            return (B) b;
        }

        void cancel() {
            cancelled = true;
            releaseLast();
            if (worker == null) return;
            worker.interrupt();
            try {
                worker.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            Object o;
            while ((o = queue.poll()) != null) if (o != END && !(o instanceof Throwable)) release(o);
        }
    }
}
