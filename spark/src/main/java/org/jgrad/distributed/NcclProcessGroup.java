package org.jgrad.distributed;

import java.util.Arrays;
import java.util.Objects;
import org.bytedeco.cuda.cudart.CUstream_st;
import org.bytedeco.cuda.global.cudart;
import org.bytedeco.cuda.global.nccl;
import org.bytedeco.cuda.nccl.ncclComm;
import org.bytedeco.cuda.nccl.ncclUniqueId;
import org.bytedeco.javacpp.Pointer;
import org.jgrad.Cuda;
import org.jgrad.DType;
import org.jgrad.Device;
import org.jgrad.Tensor;
import org.jgrad.internal.NativeMemory;

/**
 * A {@link ProcessGroup} over NCCL, for CUDA tensors: one GPU per rank, collectives queued on the
 * device's default stream (where jgrad queues its kernels), so they are ordered with the ops
 * before and after them without waiting on the host. NCCL's Java binding comes with the CUDA
 * presets; the library itself ({@code libnccl.so.2}) must be installed on the GPU machines
 * ({@link #isAvailable()} says whether it loads).
 * <pre>{@code
 * byte[] id = NcclProcessGroup.uniqueId();                 // on rank 0, sent to the others
 * var g = NcclProcessGroup.create(id, rank, size, Device.cuda(0));
 * }</pre>
 */
public final class NcclProcessGroup extends RankedGroup {
    private static volatile String loadError;
    private static volatile boolean probed;

    private final Device device;
    private final ncclComm comm;
    private boolean closed;

    private NcclProcessGroup(ncclComm comm, int rank, int size, Device device) {
        super(rank, size);
        this.comm = comm;
        this.device = device;
    }

    /** Whether NCCL's library and a CUDA device are there; {@link #unavailableReason()} says why not. */
    public static boolean isAvailable() {
        return unavailableReason() == null;
    }

    /** Why NCCL cannot be used here, or null when it can. */
    public static synchronized String unavailableReason() {
        if (!probed) {
            probed = true;
            if (!Cuda.isAvailable() || Cuda.isEmulated()) {
                loadError = "no CUDA device (" + (Cuda.isEmulated() ? "jgrad runs on its host emulation of CUDA" : "none found") + ")";
            } else {
                try {
                    int[] v = new int[1];
                    check(nccl.ncclGetVersion(v), "ncclGetVersion");
                } catch (UnsatisfiedLinkError | NoClassDefFoundError | ExceptionInInitializerError e) {
                    loadError = "NCCL's library (libnccl.so.2) did not load: " + e.getMessage()
                            + "; install NCCL for CUDA 13 on every GPU machine and put it on LD_LIBRARY_PATH";
                } catch (RuntimeException e) {
                    loadError = e.getMessage();
                }
            }
        }
        return loadError;
    }

    private static void require(String op) {
        String why = unavailableReason();
        if (why != null) throw new IllegalStateException("NcclProcessGroup." + op + ": NCCL cannot be used: " + why);
    }

    /** NCCL's version as an integer (for example 22703 for 2.27.3); requires {@link #isAvailable()}. */
    public static int version() {
        require("version");
        int[] v = new int[1];
        check(nccl.ncclGetVersion(v), "ncclGetVersion");
        return v[0];
    }

    /** A new meeting id (on rank 0): every rank passes the same bytes to {@link #create}. */
    public static byte[] uniqueId() {
        require("uniqueId");
        try (ncclUniqueId id = new ncclUniqueId()) {
            check(nccl.ncclGetUniqueId(id), "ncclGetUniqueId");
            byte[] out = new byte[nccl.NCCL_UNIQUE_ID_BYTES];
            id.internal().get(out);
            return out;
        }
    }

    /** Joins the group on {@code device}; returns once all ranks have joined. */
    public static NcclProcessGroup create(byte[] uniqueId, int rank, int size, Device device) {
        Objects.requireNonNull(uniqueId, "uniqueId");
        Objects.requireNonNull(device, "device");
        checkRank("NcclProcessGroup.create", rank, size);
        if (device.isCpu()) throw new IllegalArgumentException("NcclProcessGroup.create: device cpu; NCCL works on CUDA devices, use GlooProcessGroup for the CPU");
        require("create");
        if (uniqueId.length != nccl.NCCL_UNIQUE_ID_BYTES) {
            throw new IllegalArgumentException("NcclProcessGroup.create: the unique id has " + uniqueId.length + " bytes, not " + nccl.NCCL_UNIQUE_ID_BYTES
                    + " (pass what uniqueId() returned on rank 0)");
        }
        setDevice(device);
        ncclComm comm = new ncclComm();
        try (ncclUniqueId id = new ncclUniqueId()) {
            id.internal().put(uniqueId);
            check(nccl.ncclCommInitRank(comm, size, id, rank), "ncclCommInitRank (rank " + rank + " of " + size + ")");
        }
        return new NcclProcessGroup(comm, rank, size, device);
    }

    @Override
    public String backend() {
        return "nccl";
    }

    /** The group's device. */
    public Device device() {
        return device;
    }

    @Override
    public Work allReduce(Tensor t, ReduceOp op) {
        Objects.requireNonNull(op, "op");
        int red = op == ReduceOp.SUM ? nccl.ncclSum : op == ReduceOp.MIN ? nccl.ncclMin : nccl.ncclMax;
        return run("allReduce", t, (p, count, type) -> nccl.ncclAllReduce(p, p, count, type, red, comm, (CUstream_st) null));
    }

    @Override
    public Work broadcast(Tensor t, int root) {
        if (root < 0 || root >= size) throw new IllegalArgumentException("NcclProcessGroup.broadcast: root " + root + " is not a rank of 0.." + (size - 1));
        return run("broadcast", t, (p, count, type) -> nccl.ncclBroadcast(p, p, count, type, root, comm, (CUstream_st) null));
    }

    @Override
    public void barrier() {
        try (Tensor one = Tensor.zeros(DType.FLOAT32, device, 1)) {
            allReduce(one, ReduceOp.SUM).await();
            one.toFloatArray();  // waits for the device, as a barrier must
        }
    }

    private interface Call {
        int call(Pointer data, long count, int type);
    }

    private synchronized Work run(String op, Tensor t, Call call) {
        Objects.requireNonNull(t, op + ": tensor");
        if (closed) throw new IllegalStateException("nccl " + op + ": rank " + rank + "'s process group is closed");
        if (!t.device().equals(device)) {
            throw new IllegalArgumentException("NcclProcessGroup." + op + ": the tensor (shape " + Arrays.toString(t.shape()) + ", " + t.dtype() + ") is on "
                    + t.device() + ", the group on " + device + (t.device().isCpu() ? "; use GlooProcessGroup for CPU tensors" : ""));
        }
        int type;
        switch (t.dtype()) {
            case FLOAT32: type = nccl.ncclFloat32; break;
            case FLOAT64: type = nccl.ncclFloat64; break;
            case INT64: type = nccl.ncclInt64; break;
            default: throw new IllegalArgumentException("NcclProcessGroup." + op + ": dtype " + t.dtype() + " is not reduced; use FLOAT32, FLOAT64 or INT64");
        }
        setDevice(device);
        // stream-ordered: a block freed after this call is reused only by work queued after it
        try (NativeMemory.Pinned p = NativeMemory.pin(t, "NcclProcessGroup." + op)) {
            Pointer data = new Pointer() {
                {
                    address = p.address;
                }
            };
            check(call.call(data, t.numel(), type), "nccl " + op + " on rank " + rank);
            p.markWritten();
        }
        return DONE;
    }

    private static final Work DONE = new Work() {
        @Override
        public void await() {}

        @Override
        public boolean isCompleted() {
            return true;
        }
    };

    private static void setDevice(Device d) {
        int st = cudart.cudaSetDevice(d.index());
        if (st != 0) throw new DistributedException("nccl: cudaSetDevice(" + d.index() + ") failed: " + cudart.cudaGetErrorString(st).getString());
    }

    private static void check(int status, String what) {
        if (status != nccl.ncclSuccess) {
            throw new DistributedException(what + " failed: " + nccl.ncclGetErrorString(status).getString());
        }
    }

    /** Destroys the communicator (peers' pending collectives fail). */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        setDevice(device);
        nccl.ncclCommDestroy(comm);
    }
}
