package org.jgrad.distributed;

import java.time.Duration;
import java.util.Objects;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.chrono.Milliseconds;
import org.bytedeco.pytorch.AllreduceOptions;
import org.bytedeco.pytorch.BarrierOptions;
import org.bytedeco.pytorch.BroadcastOptions;
import org.bytedeco.pytorch.GlooDeviceVector;
import org.bytedeco.pytorch.ProcessGroupGloo;
import org.bytedeco.pytorch.TCPStore;
import org.bytedeco.pytorch.TCPStoreOptions;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.jgrad.DType;
import org.jgrad.Tensor;
import org.jgrad.internal.NativeMemory;

/**
 * A {@link ProcessGroup} over Gloo, the CPU collectives library of PyTorch (through the JavaCPP
 * presets of libtorch): TCP between the ranks, one rank per JVM. The ranks meet through a
 * {@link Store} that rank 0 hosts.
 * <pre>{@code
 * // rank 0                                              // every other rank
 * var store = GlooProcessGroup.Store.listen("10.0.0.1", 0, timeout);   var store = GlooProcessGroup.Store.connect("10.0.0.1", port, timeout);
 * var g = GlooProcessGroup.create(store, 0, 2, GlooProcessGroup.options().hostname("10.0.0.1"));
 * }</pre>
 * CPU tensors of FLOAT32, FLOAT64 or INT64 only. After a collective fails or times out the group
 * is broken: every later call throws, and the failed collective's tensor memory is not released
 * (Gloo may still write it).
 */
public final class GlooProcessGroup extends RankedGroup {
    /** Options: the address this rank listens on for its peers, the collectives' timeout, Gloo's threads. */
    public static final class Options {
        private String hostname;
        private String interfaceName;
        private Duration timeout = Duration.ofMinutes(5);
        private int threads = 2;

        /** The host name or address peers reach this rank at (default: what the local host name resolves to). */
        public Options hostname(String h) {
            hostname = Objects.requireNonNull(h, "hostname");
            interfaceName = null;
            return this;
        }

        /** The network interface to use, such as "eth0", instead of a host name. */
        public Options interfaceName(String name) {
            interfaceName = Objects.requireNonNull(name, "interfaceName");
            hostname = null;
            return this;
        }

        /** How long a collective or the meeting may wait for a peer (default 5 minutes). */
        public Options timeout(Duration d) {
            if (d.isNegative() || d.isZero()) throw new IllegalArgumentException("GlooProcessGroup.Options.timeout: must be positive, got " + d);
            timeout = d;
            return this;
        }

        /** Gloo's worker threads per rank (default 2). */
        public Options threads(int n) {
            if (n < 1) throw new IllegalArgumentException("GlooProcessGroup.Options.threads: must be at least 1, got " + n);
            threads = n;
            return this;
        }
    }

    /** Default options. */
    public static Options options() {
        return new Options();
    }

    /**
     * The key-value store the ranks meet through (PyTorch's TCPStore): rank 0 {@link #listen}s,
     * the others {@link #connect} to its address. {@link GlooProcessGroup#create} takes it over.
     * <pre>{@code var store = GlooProcessGroup.Store.listen("127.0.0.1", 0, Duration.ofMinutes(1)); int port = store.port();}</pre>
     */
    public static final class Store implements AutoCloseable {
        final TCPStore store;
        private final String host;
        private final int port;
        private boolean owned;

        private Store(TCPStore store, String host, int port) {
            this.store = store;
            this.host = host;
            this.port = port;
        }

        /** Hosts the store on {@code host}:{@code port} (0: a free port, see {@link #port()}). */
        public static Store listen(String host, int port, Duration timeout) {
            return open(host, port, true, timeout);
        }

        /** Connects to the store rank 0 hosts. */
        public static Store connect(String host, int port, Duration timeout) {
            if (port < 1 || port > 65535) throw new IllegalArgumentException("GlooProcessGroup.Store.connect: port " + port + " is not in 1..65535");
            return open(host, port, false, timeout);
        }

        private static Store open(String host, int port, boolean server, Duration timeout) {
            Objects.requireNonNull(host, "host");
            if (port < 0 || port > 65535) throw new IllegalArgumentException("GlooProcessGroup.Store: port " + port + " is not in 0..65535");
            TCPStoreOptions o = new TCPStoreOptions();
            o.port((short) port).isServer(server).waitWorkers(false).timeout(new Milliseconds(timeout.toMillis()));
            try {
                TCPStore s = new TCPStore(host, o);
                return new Store(s, host, s.getPort() & 0xffff);
            } catch (RuntimeException e) {
                throw new DistributedException("gloo: cannot " + (server ? "host the store on " : "reach the store at ") + host + ":" + port + ": "
                        + e.getMessage(), e);
            } finally {
                o.close();
            }
        }

        /** The store's host. */
        public String host() {
            return host;
        }

        /** The store's port (the one chosen when listening on port 0). */
        public int port() {
            return port;
        }

        /** Closes the connection (and the server, on rank 0) unless a process group has taken it over. */
        @Override
        public synchronized void close() {
            if (!owned) store.close();
        }

        synchronized void handOver() {
            if (owned) throw new IllegalStateException("GlooProcessGroup.create: this store already belongs to a process group");
            owned = true;
        }
    }

    private final Store store;
    private final ProcessGroupGloo pg;
    private final long timeoutMs;
    private volatile String broken;
    private boolean closed;

    private GlooProcessGroup(Store store, ProcessGroupGloo pg, int rank, int size, long timeoutMs) {
        super(rank, size);
        this.store = store;
        this.pg = pg;
        this.timeoutMs = timeoutMs;
    }

    /**
     * Joins the group: returns once all {@code size} ranks have called it with stores of the same
     * meeting point (or throws after the timeout). Takes over {@code store}.
     */
    public static GlooProcessGroup create(Store store, int rank, int size, Options options) {
        Objects.requireNonNull(store, "store");
        checkRank("GlooProcessGroup.create", rank, size);
        store.handOver();
        ProcessGroupGloo.Options go = ProcessGroupGloo.Options.create(new Milliseconds(options.timeout.toMillis()));
        try {
            org.bytedeco.pytorch.gloo.Device dev = options.interfaceName != null ? ProcessGroupGloo.createDeviceForInterface(options.interfaceName)
                    : options.hostname != null ? ProcessGroupGloo.createDeviceForHostname(options.hostname) : ProcessGroupGloo.createDefaultDevice();
            go.devices(new GlooDeviceVector(dev));
            go.threads(options.threads);
            ProcessGroupGloo pg = new ProcessGroupGloo(store.store, rank, size, go);
            return new GlooProcessGroup(store, pg, rank, size, options.timeout.toMillis());
        } catch (RuntimeException e) {
            store.owned = false;
            store.close();
            throw new DistributedException("gloo: rank " + rank + " of " + size + " could not join the group through the store at "
                    + store.host + ":" + store.port + ": " + e.getMessage(), e);
        }
    }

    @Override
    public String backend() {
        return "gloo";
    }

    @Override
    public Work allReduce(Tensor t, ReduceOp op) {
        Objects.requireNonNull(op, "op");
        return start("allReduce", t, (tv) -> {
            AllreduceOptions o = new AllreduceOptions();
            o.reduceOp(new org.bytedeco.pytorch.ReduceOp(redOp(op))).timeout(new Milliseconds(timeoutMs));
            return pg.allreduce(tv, o);
        });
    }

    @Override
    public Work broadcast(Tensor t, int root) {
        if (root < 0 || root >= size) throw new IllegalArgumentException("GlooProcessGroup.broadcast: root " + root + " is not a rank of 0.." + (size - 1));
        return start("broadcast", t, (tv) -> {
            BroadcastOptions o = new BroadcastOptions();
            o.rootRank(root).rootTensor(0).timeout(new Milliseconds(timeoutMs));
            return pg.broadcast(tv, o);
        });
    }

    @Override
    public void barrier() {
        checkUsable("barrier");
        BarrierOptions o = new BarrierOptions();
        o.timeout(new Milliseconds(timeoutMs));
        org.bytedeco.pytorch.Work w;
        try {
            w = pg.barrier(o);
            w._wait();
        } catch (RuntimeException e) {
            throw fail("barrier", e);
        }
        w.close();
        o.close();
    }

    private static org.bytedeco.pytorch.ReduceOp.RedOpType redOp(ReduceOp op) {
        switch (op) {
            case SUM: return org.bytedeco.pytorch.ReduceOp.RedOpType.SUM;
            case MIN: return org.bytedeco.pytorch.ReduceOp.RedOpType.MIN;
            default: return org.bytedeco.pytorch.ReduceOp.RedOpType.MAX;
        }
    }

    private interface Launch {
        org.bytedeco.pytorch.Work launch(TensorVector tv);
    }

    private synchronized void checkUsable(String op) {
        if (closed) throw new IllegalStateException("gloo " + op + ": rank " + rank + "'s process group is closed");
        if (broken != null) throw new DistributedException("gloo " + op + ": rank " + rank + "'s process group broke earlier: " + broken);
    }

    private DistributedException fail(String op, RuntimeException e) {
        String why = e.getMessage();
        broken = op + ": " + why;
        return new DistributedException("gloo " + op + " failed on rank " + rank + " of " + size + ": " + why
                + " (a peer stopped, left the group, or did not call the same collective within " + timeoutMs + " ms)", e);
    }

    private Work start(String op, Tensor t, Launch launch) {
        Objects.requireNonNull(t, op + ": tensor");
        checkUsable(op);
        if (!t.device().isCpu()) {
            throw new IllegalArgumentException("GlooProcessGroup." + op + ": the tensor (shape " + java.util.Arrays.toString(t.shape()) + ", " + t.dtype()
                    + ") is on " + t.device() + "; Gloo reduces CPU tensors, use NcclProcessGroup for CUDA tensors");
        }
        torch.ScalarType st = scalarType(op, t.dtype());
        NativeMemory.Pinned p = NativeMemory.pin(t, "GlooProcessGroup." + op);
        TensorOptions to = new TensorOptions(st);
        org.bytedeco.pytorch.Tensor tt = null;
        TensorVector tv = null;
        try {
            tt = torch.from_blob(new Raw(p.address, p.bytes), new long[] {t.numel()}, to);
            tv = new TensorVector(tt);
            return new GlooWork(op, launch.launch(tv), p, tt, tv, to);
        } catch (RuntimeException e) {
            p.close();  // nothing was started
            if (tv != null) tv.close();
            if (tt != null) tt.close();
            to.close();
            throw fail(op, e);
        }
    }

    private static torch.ScalarType scalarType(String op, DType d) {
        switch (d) {
            case FLOAT32: return torch.ScalarType.Float;
            case FLOAT64: return torch.ScalarType.Double;
            case INT64: return torch.ScalarType.Long;
            default: throw new IllegalArgumentException("GlooProcessGroup." + op + ": dtype " + d + " is not reduced; use FLOAT32, FLOAT64 or INT64");
        }
    }

    /** A pointer at memory jgrad owns (JavaCPP frees nothing through it). */
    private static final class Raw extends Pointer {
        Raw(long address, long bytes) {
            this.address = address;
            this.limit = bytes;
            this.capacity = bytes;
        }
    }

    private final class GlooWork implements Work {
        private final String op;
        private final org.bytedeco.pytorch.Work work;
        private final NativeMemory.Pinned pinned;
        private final Pointer[] natives;
        private boolean done;
        private DistributedException failure;

        GlooWork(String op, org.bytedeco.pytorch.Work work, NativeMemory.Pinned pinned, Pointer... natives) {
            this.op = op;
            this.work = work;
            this.pinned = pinned;
            this.natives = natives;
        }

        @Override
        public synchronized void await() {
            if (failure != null) throw failure;
            if (done) return;
            try {
                work._wait();
            } catch (RuntimeException e) {
                // the memory stays pinned: Gloo may still write it after a failure
                failure = fail(op, e);
                throw failure;
            }
            done = true;
            pinned.markWritten();
            pinned.close();
            work.close();
            for (Pointer n : natives) n.close();
        }

        @Override
        public synchronized boolean isCompleted() {
            return done || failure != null || work.isCompleted();
        }
    }

    /** Leaves the group (peers' pending collectives fail) and closes the store. */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        pg.close();
        store.store.close();
    }
}
