package org.jgrad.distributed;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jgrad.Autograd;
import org.jgrad.DType;
import org.jgrad.Device;
import org.jgrad.Scope;
import org.jgrad.Tensor;
import org.jgrad.nn.Module;

/**
 * Data-parallel training, as PyTorch's DistributedDataParallel: every rank holds a replica of the
 * module and trains it on its own share of the data; after each {@code backward()} every gradient
 * is the mean over the ranks, so one optimizer step gives every replica the same parameters.
 *
 * <pre>{@code
 * var model = new DistributedDataParallel(new Sequential(new Linear(784, 256), new ReLU(), new Linear(256, 10)), group);
 * var opt = new Adam(model.parameters(), Adam.options(1e-3));
 * for (Tensor[] b : loader) {                        // this rank's batches
 *     Tensor loss = lossFn.forward(model.forward(b[0]), b[1]);
 *     opt.zeroGrad();
 *     loss.backward();                               // returns with the gradients averaged over the ranks
 *     opt.step();
 * }
 * }</pre>
 *
 * <p>At construction the ranks compare their modules (names, shapes and dtypes of parameters
 * and buffers; a difference fails every rank, naming it) and take rank 0's parameters and
 * buffers. The gradients are reduced in buckets of about {@link Options#bucketCapMb} MiB, in
 * reverse order of the parameters (the order backward produces them): a bucket's all-reduce
 * starts, in the background, as soon as the last of its gradients is final, so communication
 * overlaps the rest of the backward. A parameter that got no gradient in a pass on this rank
 * takes part with zeros, and its gradient is then the other ranks' mean, so that every replica
 * stays the same. In training mode, each forward first copies rank 0's buffers (batch norm's
 * running statistics) to every rank.
 *
 * <p>Wrap the module after moving it to its device; the state dict names its entries
 * "module.…", as PyTorch's does ({@link #module()} gives the inner module's).
 */
public final class DistributedDataParallel extends Module {
    /** Options, with PyTorch's defaults. */
    public static final class Options {
        private double bucketCapMb = 25;
        private double firstBucketCapMb = 1;
        private boolean broadcastBuffers = true;

        /** The gradient bytes per bucket, in MiB (default 25). */
        public Options bucketCapMb(double mb) {
            if (!(mb > 0)) throw new IllegalArgumentException("DistributedDataParallel.Options.bucketCapMb: must be positive, got " + mb);
            bucketCapMb = mb;
            return this;
        }

        /** The first (last-produced) bucket's cap, in MiB (default 1, so the first all-reduce starts early). */
        public Options firstBucketCapMb(double mb) {
            if (!(mb > 0)) throw new IllegalArgumentException("DistributedDataParallel.Options.firstBucketCapMb: must be positive, got " + mb);
            firstBucketCapMb = mb;
            return this;
        }

        /** Whether each training-mode forward copies rank 0's buffers to every rank (default true). */
        public Options broadcastBuffers(boolean on) {
            broadcastBuffers = on;
            return this;
        }
    }

    /** Default options. */
    public static Options options() {
        return new Options();
    }

    /** What the gradient synchronisation has cost so far. */
    public static final class Stats {
        /** Backward passes whose gradients were averaged. */
        public final long passes;
        /** All-reduces started (one per bucket per pass). */
        public final long allReduces;
        /** Gradient bytes all-reduced. */
        public final long bytes;
        /** Time the training thread waited, at the end of backward, for all-reduces still running. */
        public final long waitNanos;
        /** Time spent copying rank 0's buffers before forwards. */
        public final long bufferNanos;

        Stats(long passes, long allReduces, long bytes, long waitNanos, long bufferNanos) {
            this.passes = passes;
            this.allReduces = allReduces;
            this.bytes = bytes;
            this.waitNanos = waitNanos;
            this.bufferNanos = bufferNanos;
        }

        @Override
        public String toString() {
            return String.format("%d passes, %d all-reduces of %.1f MB in all, %.1f ms waited at the end of backward, %.1f ms on buffers", passes,
                    allReduces, bytes / 1e6, waitNanos / 1e6, bufferNanos / 1e6);
        }
    }

    /** Gradients of consecutive parameters (in backward order), reduced together. */
    private static final class Bucket {
        final Tensor flat;
        final int[] params;
        final Tensor[] slices;
        final boolean[] got;
        int ready;
        Work work;

        Bucket(Tensor flat, int[] params, Tensor[] slices) {
            this.flat = flat;
            this.params = params;
            this.slices = slices;
            this.got = new boolean[params.length];
        }
    }

    private final Module module;
    private final ProcessGroup group;
    private final Options options;
    private final Tensor[] params;
    private final int[] bucketOf;
    private final int[] slotOf;
    private final Bucket[] buckets;
    private final List<Tensor.HookHandle> hooks = new ArrayList<>();
    private final Map<DType, Tensor> bufferFlats = new LinkedHashMap<>();
    private boolean armed;
    private boolean passActive;
    private boolean syncOff;
    private int nextToLaunch;
    private long passes, allReduces, bytes, waitNanos, bufferNanos;
    private boolean closed;

    /** Wraps {@code module} with default options. */
    public DistributedDataParallel(Module module, ProcessGroup group) {
        this(module, group, options());
    }

    /** Wraps {@code module}; every rank calls this at the same point with the same module structure. */
    public DistributedDataParallel(Module module, ProcessGroup group, Options options) {
        this.module = registerModule("module", Objects.requireNonNull(module, "module"));
        this.group = Objects.requireNonNull(group, "group");
        this.options = Objects.requireNonNull(options, "options");
        List<Tensor> ps = new ArrayList<>();
        for (Tensor p : module.parameters()) if (p.requiresGrad()) ps.add(p);
        params = ps.toArray(new Tensor[0]);
        Device device = checkDevices(module);
        checkSameModule(module, device);
        try (var off = Autograd.noGrad()) {
            for (Tensor p : module.parameters()) group.broadcast(p, 0).await();
            for (Tensor b : module.buffers()) if (b.isContiguous()) group.broadcast(b, 0).await();
        }
        bucketOf = new int[params.length];
        slotOf = new int[params.length];
        buckets = makeBuckets(device);
        for (int i = 0; i < params.length; i++) {
            final int index = i;
            hooks.add(params[i].registerPostAccumulateGradHook(p -> onGradient(index)));
        }
    }

    private Device checkDevices(Module m) {
        Device device = null;
        for (Map.Entry<String, Tensor> e : m.namedParameters().entrySet()) {
            Device d = e.getValue().device();
            if (device == null) device = d;
            else if (!device.equals(d)) {
                throw new IllegalArgumentException("DistributedDataParallel: the module's parameters are on " + device + " and " + d + " (\"" + e.getKey()
                        + "\"); put the whole module on one device");
            }
        }
        if (device == null) device = Device.CPU;
        boolean cpuGroup = !(group instanceof NcclProcessGroup);
        if (device.isCpu() != cpuGroup) {
            throw new IllegalArgumentException("DistributedDataParallel: the module is on " + device + " but the process group is " + group.backend()
                    + (device.isCpu() ? ", which reduces CUDA tensors; use GlooProcessGroup for a CPU model"
                            : ", which reduces CPU tensors; a CUDA model needs NcclProcessGroup (NCCL's libnccl.so.2 on every GPU machine)"));
        }
        return device;
    }

    /** Every rank checks its parameters and buffers against rank 0's; all fail together on a difference. */
    private void checkSameModule(Module m, Device device) {
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, Tensor> e : m.namedParameters().entrySet()) describe(sb, "parameter", e.getKey(), e.getValue());
        for (Map.Entry<String, Tensor> e : m.namedBuffers().entrySet()) describe(sb, "buffer", e.getKey(), e.getValue());
        String mine = sb.toString();
        try (Scope s = Scope.open(); var off = Autograd.noGrad()) {
            String reference = broadcastText(mine, 0, device);
            String difference = reference.equals(mine) ? null : firstDifference(reference, mine);
            long[] flags = new long[group.size()];
            flags[group.rank()] = difference == null ? 0 : 1;
            Tensor all = Tensor.of(flags, flags.length).to(device);
            group.allReduce(all, ReduceOp.SUM).await();
            long[] differ = all.toLongArray();
            List<Integer> ranks = new ArrayList<>();
            for (int r = 0; r < differ.length; r++) if (differ[r] != 0) ranks.add(r);
            if (ranks.isEmpty()) return;
            // Every rank throws the same message, naming the first differing rank and how: a cluster
            // manager reports whichever rank's failure arrives first.
            int first = ranks.get(0);
            String how = broadcastText(difference == null ? "" : difference, first, device);
            throw new IllegalArgumentException("DistributedDataParallel: rank " + first + "'s module differs from rank 0's: " + how
                    + (ranks.size() > 1 ? " (ranks " + ranks + " all differ)" : "")
                    + "; every rank must build the same module (same layers, shapes and dtypes)");
        }
    }

    /** The root's text on every rank (two broadcasts: the length, then the UTF-8 bytes one per long). */
    private String broadcastText(String text, int root, Device device) {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        Tensor len = Tensor.of(new long[] {b.length}, 1).to(device);
        group.broadcast(len, root).await();
        int n = (int) len.toLongArray()[0];
        long[] packed = new long[n];
        if (group.rank() == root) for (int i = 0; i < n; i++) packed[i] = b[i];
        Tensor bytes = Tensor.of(packed, n).to(device);
        group.broadcast(bytes, root).await();
        long[] got = bytes.toLongArray();
        byte[] out = new byte[n];
        for (int i = 0; i < n; i++) out[i] = (byte) got[i];
        return new String(out, StandardCharsets.UTF_8);
    }

    private static void describe(StringBuilder sb, String kind, String name, Tensor t) {
        sb.append(kind).append(' ').append(name).append(": ").append(t.dtype()).append(' ').append(Arrays.toString(t.shape())).append('\n');
    }

    private static String firstDifference(String reference, String mine) {
        String[] a = reference.split("\n"), b = mine.split("\n");
        for (int i = 0; i < Math.max(a.length, b.length); i++) {
            String x = i < a.length ? a[i] : null, y = i < b.length ? b[i] : null;
            if (!Objects.equals(x, y)) {
                if (x == null) return "it has the extra " + y + " (rank 0 has " + a.length + " entries)";
                if (y == null) return "it lacks rank 0's " + x;
                return "rank 0 has " + x + ", this rank " + y;
            }
        }
        return "the descriptions differ";
    }

    private Bucket[] makeBuckets(Device device) {
        List<Bucket> out = new ArrayList<>();
        long cap = (long) (options.firstBucketCapMb * (1 << 20));
        int i = params.length - 1;
        while (i >= 0) {
            DType dtype = params[i].dtype();
            List<Integer> members = new ArrayList<>();
            long used = 0;
            while (i >= 0 && params[i].dtype() == dtype && (members.isEmpty() || used + params[i].numel() * dtype.byteSize() <= cap)) {
                members.add(i);
                used += params[i].numel() * dtype.byteSize();
                i--;
            }
            long total = 0;
            for (int p : members) total += params[p].numel();
            Tensor flat = Scope.untrack(Tensor.zeros(dtype, device, total));
            Tensor[] slices = new Tensor[members.size()];
            int[] idx = new int[members.size()];
            long at = 0;
            for (int k = 0; k < idx.length; k++) {
                int p = members.get(k);
                idx[k] = p;
                slices[k] = Scope.untrack(flat.narrow(0, at, params[p].numel()).reshape(params[p].shape()));
                at += params[p].numel();
                bucketOf[p] = out.size();
                slotOf[p] = k;
            }
            out.add(new Bucket(flat, idx, slices));
            cap = (long) (options.bucketCapMb * (1 << 20));
        }
        return out.toArray(new Bucket[0]);
    }

    /** The wrapped module. */
    public Module module() {
        return module;
    }

    /** The process group the gradients are averaged over. */
    public ProcessGroup group() {
        return group;
    }

    /** The number of gradient buckets (each one all-reduce per backward). */
    public int bucketCount() {
        return buckets.length;
    }

    /** The synchronisation's costs so far. */
    public Stats stats() {
        return new Stats(passes, allReduces, bytes, waitNanos, bufferNanos);
    }

    /** A {@link #noSync()} block; closing it turns gradient averaging back on. */
    public final class NoSync implements AutoCloseable {
        private final boolean before;
        private boolean closed;

        private NoSync(boolean before) {
            this.before = before;
        }

        /** Ends the block. */
        @Override
        public void close() {
            if (closed) return;
            closed = true;
            syncOff = before;
        }
    }

    /**
     * Backward passes inside the block only accumulate this rank's gradients, without
     * communicating, as PyTorch's {@code no_sync()}; the first backward after it averages the
     * accumulated gradients. For gradient accumulation over several batches:
     * <pre>{@code
     * try (var s = ddp.noSync()) { lossFn.forward(ddp.forward(x1), y1).backward(); }
     * lossFn.forward(ddp.forward(x2), y2).backward();   // averages the sum of both batches' gradients
     * }</pre>
     * Every rank must use the same blocks (the all-reduces must match).
     */
    public NoSync noSync() {
        NoSync s = new NoSync(syncOff);
        syncOff = true;
        return s;
    }

    /** In training mode, copies rank 0's buffers to this rank first (unless turned off); then the module's forward. */
    @Override
    public Tensor forward(Tensor x) {
        if (closed) throw new IllegalStateException("DistributedDataParallel.forward: closed");
        // a backward that failed part way left buckets half filled: complete their collectives,
        // which the other ranks are waiting for, before starting another pass
        if (passActive) finishPass();
        if (isTraining() && options.broadcastBuffers && group.size() > 1) syncBuffers();
        armed = true;
        return module.forward(x);
    }

    private void syncBuffers() {
        List<Tensor> bufs = module.buffers();
        if (bufs.isEmpty()) return;
        long t0 = System.nanoTime();
        try (Scope s = Scope.open(); var off = Autograd.noGrad()) {
            Map<DType, List<Tensor>> byType = new LinkedHashMap<>();
            for (Tensor b : bufs) byType.computeIfAbsent(b.dtype(), k -> new ArrayList<>()).add(b);
            for (Map.Entry<DType, List<Tensor>> e : byType.entrySet()) {
                long n = 0;
                for (Tensor b : e.getValue()) n += b.numel();
                Tensor flat = bufferFlats.get(e.getKey());
                if (flat == null || flat.numel() != n) {
                    if (flat != null) flat.close();
                    flat = Scope.untrack(Tensor.zeros(e.getKey(), e.getValue().get(0).device(), n));
                    bufferFlats.put(e.getKey(), flat);
                }
                long at = 0;
                if (group.rank() == 0) {
                    for (Tensor b : e.getValue()) {
                        flat.narrow(0, at, b.numel()).copyInPlace(b.reshape(b.numel()));
                        at += b.numel();
                    }
                }
                group.broadcast(flat, 0).await();
                if (group.rank() != 0) {
                    at = 0;
                    for (Tensor b : e.getValue()) {
                        b.copyInPlace(flat.narrow(0, at, b.numel()).reshape(b.shape()));
                        at += b.numel();
                    }
                }
            }
        }
        bufferNanos += System.nanoTime() - t0;
    }

    private void onGradient(int index) {
        if (syncOff) return;  // accumulating locally
        if (!passActive) {
            if (!armed) {
                throw new IllegalStateException("DistributedDataParallel: a backward reached the parameters without a forward of this wrapper since the "
                        + "last one (backward twice after one forward?); call forward before each backward, so that every rank reduces once per pass");
            }
            armed = false;
            passActive = true;
            Autograd.queueCallback(this::finishPass);
        }
        Bucket b = buckets[bucketOf[index]];
        int k = slotOf[index];
        try (var off = Autograd.noGrad()) {
            b.slices[k].copyInPlace(params[index].grad());
        }
        b.got[k] = true;
        b.ready++;
        launchReady();
    }

    /** Starts, in bucket order (the same on every rank), each bucket whose gradients are all in. */
    private void launchReady() {
        while (nextToLaunch < buckets.length && buckets[nextToLaunch].ready == buckets[nextToLaunch].params.length) {
            Bucket b = buckets[nextToLaunch++];
            b.work = group.allReduce(b.flat, ReduceOp.SUM);
            allReduces++;
            bytes += b.flat.numel() * b.flat.dtype().byteSize();
        }
    }

    /** At the end of backward: zeros for gradients this rank did not produce, wait, average, write back. */
    private void finishPass() {
        if (!passActive) return;
        try (var off = Autograd.noGrad()) {
            for (Bucket b : buckets) {
                for (int k = 0; k < b.params.length; k++) {
                    if (!b.got[k]) {
                        b.slices[k].fillInPlace(0);
                        b.got[k] = true;
                        b.ready++;
                    }
                }
            }
            launchReady();
            double scale = 1.0 / group.size();
            for (Bucket b : buckets) {
                long t0 = System.nanoTime();
                b.work.await();
                waitNanos += System.nanoTime() - t0;
                if (scale != 1.0) b.flat.mulInPlace(scale);
                for (int k = 0; k < b.params.length; k++) {
                    Tensor p = params[b.params[k]];
                    if (p.grad() != null) p.grad().copyInPlace(b.slices[k]);
                    else p.setGrad(b.slices[k].clone());
                }
            }
        } finally {
            for (Bucket b : buckets) {
                Arrays.fill(b.got, false);
                b.ready = 0;
                b.work = null;
            }
            nextToLaunch = 0;
            passActive = false;
        }
        passes++;
    }

    /** Refused: move the module before wrapping it (the gradient buckets live on its device). */
    @Override
    public Module to(Device device) {
        throw new UnsupportedOperationException("DistributedDataParallel.to: move the module to its device before wrapping it");
    }

    /** Refused: convert the module before wrapping it. */
    @Override
    public Module to(DType dtype) {
        throw new UnsupportedOperationException("DistributedDataParallel.to: convert the module before wrapping it");
    }

    @Override
    protected String extraRepr() {
        return "";
    }

    /** Removes the hooks and frees the buckets and the module; the process group stays open (its owner closes it). */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        for (Tensor.HookHandle h : hooks) h.close();
        for (Bucket b : buckets) {
            for (Tensor s : b.slices) s.close();
            b.flat.close();
        }
        for (Tensor f : bufferFlats.values()) f.close();
        super.close();
    }
}
