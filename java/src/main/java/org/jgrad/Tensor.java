package org.jgrad;

import java.lang.ref.Cleaner;
import java.util.Arrays;
import java.util.List;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.Pointer;
import org.jgrad.internal.NativeLib;
import org.jgrad.internal.bind.JgradNative;

/**
 * An n-dimensional array in native memory with reverse-mode automatic differentiation.
 *
 * <pre>{@code
 * Tensor x = Tensor.of(new float[] {1, 2, 3}).requiresGrad(true);
 * x.sigmoid().sum().backward();
 * x.grad();   // sigmoid'(x)
 * }</pre>
 *
 * A tensor is a view (dtype, shape, strides, offset) over reference-counted {@link Storage};
 * {@link #reshape}, {@link #transpose}, {@link #narrow}, {@link #expand} and friends share it.
 * Tensors are {@link AutoCloseable}: close them, or open a {@link Scope}, to free native memory
 * at once; a Cleaner frees what is forgotten. Any use after close throws
 * {@link IllegalStateException}.
 */
public final class Tensor implements AutoCloseable {
    private static final Cleaner CLEANER = Cleaner.create();

    static {
        // jgrad's own modules reach a tensor's memory through org.jgrad.internal, never users
        org.jgrad.internal.NativeMemory.install((t, op) -> {
            t.checkOpen();
            if (!t.contiguous) {
                throw new IllegalArgumentException(op + ": the tensor (shape " + Shapes.str(t.shape) + ", " + t.dtype + ", " + t.device
                        + ") is not contiguous; pass t.contiguous()");
            }
            if (!t.storage.tryRetain()) {
                t.checkOpen();
                throw new IllegalStateException(op + ": the tensor (shape " + Shapes.str(t.shape) + ") was closed while it was being pinned");
            }
            Storage st = t.storage;
            return new org.jgrad.internal.NativeMemory.Pinned(st.address + t.offset * t.dtype.size, t.numel * t.dtype.size,
                    t.device.index(), st::bumpVersion, st::release);
        });
    }

    final DType dtype;
    final Device device;
    final long[] shape;
    final long[] strides;
    final long offset;
    final long numel;
    final boolean contiguous;
    final Storage storage;
    private final Handle handle;
    private final Cleaner.Cleanable cleanable;
    Scope owner;

    // autograd
    boolean requiresGrad;
    Tensor grad;
    Node accumulator;
    java.util.List<java.util.function.Consumer<Tensor>> postAccumulateHooks;

    /** What the Cleaner runs: must not refer to the Tensor itself. */
    private static final class Handle implements Runnable {
        final Storage storage;
        Node gradFn;
        volatile boolean closed;
        volatile boolean explicit;

        Handle(Storage storage) {
            this.storage = storage;
        }

        @Override
        public void run() {
            closed = true;
            storage.release();
            Node fn = gradFn;
            gradFn = null;
            if (fn != null) fn.releaseRef();
            Memory.onClose(!explicit);
        }
    }

    Tensor(Storage storage, DType dtype, long[] shape, long[] strides, long offset) {
        this.storage = storage;
        this.dtype = dtype;
        this.device = storage.device;
        this.shape = shape;
        this.strides = strides;
        this.offset = offset;
        this.numel = Shapes.numel(shape);
        this.contiguous = Shapes.isContiguous(shape, strides);
        this.handle = new Handle(storage);
        this.cleanable = CLEANER.register(this, handle);
        Memory.onOpen();
        Scope s = Scope.current();
        if (s != null) s.track(this);
    }

    /** A new view sharing this tensor's storage. */
    Tensor view(long[] shape, long[] strides, long offset) {
        checkOpen();
        if (!storage.tryRetain()) {
            checkOpen();
            throw new IllegalStateException("tensor of shape " + Shapes.str(shape) + " was closed while a view of it was being made");
        }
        return new Tensor(storage, dtype, shape, strides, offset);
    }

    /** Allocates an uninitialised contiguous tensor. */
    static Tensor empty(long[] shape, DType dtype, Device device) {
        long bytes = Shapes.byteCount("allocation", Shapes.numel(shape), dtype, shape);
        Storage st = Storage.allocate(Math.max(bytes, 1), device);
        return new Tensor(st, dtype, shape, Shapes.contiguousStrides(shape), 0);
    }

    long address() {
        checkOpen();
        return storage.address + offset * dtype.size;
    }

    void checkOpen() {
        if (handle.closed) {
            throw new IllegalStateException("tensor of shape " + Shapes.str(shape) + " (" + dtype + ", " + device
                    + ") is closed; it was freed by close(), its Scope, or the garbage collector");
        }
    }

    Node gradFn() {
        return handle.gradFn;
    }

    void setGradFn(Node fn) {
        handle.gradFn = fn;
    }

    /** True once this tensor has been closed. */
    public boolean isClosed() {
        return handle.closed;
    }

    /**
     * Frees this handle's reference to native memory (views keep the storage alive) and, for a
     * leaf, its gradient. Closing twice is harmless.
     */
    @Override
    public void close() {
        if (handle.closed) return;
        handle.explicit = true;
        Tensor g = grad;
        grad = null;
        if (g != null) g.close();
        cleanable.clean();
    }

    // ------------------------------------------------------------------------------------------
    // creation

    private static final class Raw extends Pointer {
        Raw(long address, long capacity) {
            this.address = address;
            this.capacity = capacity;
            this.limit = capacity;
        }
    }

    private static long[] shapeFor(String op, int length, long[] shape) {
        if (shape.length == 0) return new long[] {length};
        long[] s = Shapes.checkShape(op, shape);
        if (Shapes.numel(s) != length) {
            throw new IllegalArgumentException(op + ": data has " + length + " elements but shape " + Shapes.str(s)
                    + " needs " + Shapes.numel(s) + "; the data length must equal the product of the shape");
        }
        return s;
    }

    /** A FLOAT32 tensor holding {@code data}; with no shape it is 1-D. {@code Tensor.of(new float[]{1,2,3,4}, 2, 2)} */
    public static Tensor of(float[] data, long... shape) {
        Tensor t = empty(shapeFor("Tensor.of", data.length, shape), DType.FLOAT32, Device.CPU);
        new FloatPointer(new Raw(t.address(), data.length)).put(data);
        return t;
    }

    /** A FLOAT64 tensor holding {@code data}; with no shape it is 1-D. */
    public static Tensor of(double[] data, long... shape) {
        Tensor t = empty(shapeFor("Tensor.of", data.length, shape), DType.FLOAT64, Device.CPU);
        new DoublePointer(new Raw(t.address(), data.length)).put(data);
        return t;
    }

    /** An INT64 tensor holding {@code data}; with no shape it is 1-D. */
    public static Tensor of(long[] data, long... shape) {
        Tensor t = empty(shapeFor("Tensor.of", data.length, shape), DType.INT64, Device.CPU);
        new LongPointer(new Raw(t.address(), data.length)).put(data);
        return t;
    }

    /** A BOOL tensor holding {@code data}; with no shape it is 1-D. */
    public static Tensor of(boolean[] data, long... shape) {
        Tensor t = empty(shapeFor("Tensor.of", data.length, shape), DType.BOOL, Device.CPU);
        byte[] b = new byte[data.length];
        for (int i = 0; i < b.length; i++) b[i] = (byte) (data[i] ? 1 : 0);
        new BytePointer(new Raw(t.address(), data.length)).put(b);
        return t;
    }

    /** A 0-dim FLOAT32 tensor. */
    public static Tensor scalar(double value) {
        return full(value, DType.FLOAT32, Device.CPU);
    }

    /** A 0-dim tensor of the given dtype. */
    public static Tensor scalar(double value, DType dtype) {
        return full(value, dtype, Device.CPU);
    }

    /** FLOAT32 zeros. {@code Tensor.zeros(2, 3)} */
    public static Tensor zeros(long... shape) {
        return full(0, DType.FLOAT32, Device.CPU, shape);
    }

    /** Zeros of a dtype on the CPU. */
    public static Tensor zeros(DType dtype, long... shape) {
        return full(0, dtype, Device.CPU, shape);
    }

    /** Zeros of a dtype on a device. */
    public static Tensor zeros(DType dtype, Device device, long... shape) {
        return full(0, dtype, device, shape);
    }

    /** FLOAT32 ones. */
    public static Tensor ones(long... shape) {
        return full(1, DType.FLOAT32, Device.CPU, shape);
    }

    /** Ones of a dtype on the CPU. */
    public static Tensor ones(DType dtype, long... shape) {
        return full(1, dtype, Device.CPU, shape);
    }

    /** Ones of a dtype on a device. */
    public static Tensor ones(DType dtype, Device device, long... shape) {
        return full(1, dtype, device, shape);
    }

    /** A FLOAT32 tensor filled with {@code value}. */
    public static Tensor full(double value, long... shape) {
        return full(value, DType.FLOAT32, Device.CPU, shape);
    }

    /** A tensor of a dtype on a device filled with {@code value}. */
    public static Tensor full(double value, DType dtype, Device device, long... shape) {
        Tensor t = empty(Shapes.checkShape("full", shape), dtype, device);
        Kernels.fill(t, value);
        return t;
    }

    /** Zeros shaped like {@code t}, same dtype and device. */
    public static Tensor zerosLike(Tensor t) {
        return full(0, t.dtype, t.device, t.shape);
    }

    /** Ones shaped like {@code t}, same dtype and device. */
    public static Tensor onesLike(Tensor t) {
        return full(1, t.dtype, t.device, t.shape);
    }

    /** The n×n FLOAT32 identity. */
    public static Tensor eye(long n) {
        return eye(n, DType.FLOAT32, Device.CPU);
    }

    /** The n×n identity of the given dtype on the given device. */
    public static Tensor eye(long n, DType dtype, Device device) {
        if (n < 0) throw new IllegalArgumentException("eye: n must be >= 0, got " + n);
        Tensor t = zeros(dtype, device, n, n);
        if (n > 0) {
            Tensor diag = t.view(new long[] {n}, new long[] {n + 1}, 0);
            Kernels.fill(diag, 1);
            diag.close();
        }
        return t;
    }

    /** INT64 values 0, 1, ..., end-1, like {@code torch.arange(end)}. */
    public static Tensor arange(long end) {
        return arange(end, Device.CPU);
    }

    /** INT64 values 0, 1, ..., end-1 on the given device. */
    public static Tensor arange(long end, Device device) {
        if (end < 0) throw new IllegalArgumentException("arange: end must be >= 0, got " + end);
        return arange(0, end, 1, DType.INT64, device);
    }

    /** FLOAT32 values start, start+step, ... below end (above end for a negative step). */
    public static Tensor arange(double start, double end, double step) {
        return arange(start, end, step, DType.FLOAT32, Device.CPU);
    }

    /**
     * Values start + i·step for i = 0, 1, ... while below end (above end for a negative step),
     * computed in double and rounded once to {@code dtype} (FLOAT32, FLOAT64 or INT64, truncating).
     */
    public static Tensor arange(double start, double end, double step, DType dtype, Device device) {
        if (step == 0 || Double.isNaN(step) || Double.isNaN(start) || Double.isNaN(end) || (end - start) / step < 0
                || Double.isInfinite(start) || Double.isInfinite(end)) {
            throw new IllegalArgumentException("arange: step " + step + " does not lead from " + start + " to " + end
                    + "; start and end must be finite and the step non-zero, pointing from start to end");
        }
        if (dtype == DType.BOOL) throw new IllegalArgumentException("arange: dtype BOOL is not supported; use FLOAT32, FLOAT64 or INT64");
        long n = (long) Math.ceil((end - start) / step);
        Tensor t = empty(new long[] {n}, dtype, device);
        Kernels.sequence("arange", t, false, start, step);
        return t;
    }

    /** {@code steps} evenly spaced FLOAT32 values from start to end inclusive. */
    public static Tensor linspace(double start, double end, long steps) {
        return linspace(start, end, steps, DType.FLOAT32, Device.CPU);
    }

    /** {@code steps} evenly spaced values from start to end inclusive, FLOAT32 or FLOAT64, on the CPU. */
    public static Tensor linspace(double start, double end, long steps, DType dtype) {
        return linspace(start, end, steps, dtype, Device.CPU);
    }

    /** {@code steps} evenly spaced values from start to end inclusive, FLOAT32 or FLOAT64, on the given device. */
    public static Tensor linspace(double start, double end, long steps, DType dtype, Device device) {
        if (steps < 0) throw new IllegalArgumentException("linspace: steps must be >= 0, got " + steps);
        if (!dtype.isFloatingPoint()) throw new IllegalArgumentException("linspace: dtype " + dtype + " is not supported; use FLOAT32 or FLOAT64");
        Tensor t = empty(new long[] {steps}, dtype, device);
        Kernels.sequence("linspace", t, true, start, end);
        return t;
    }

    /** Seeds the generator behind {@link #rand} and {@link #randn}. */
    /**
     * The global generator's state, {seed, elements drawn}, to save with a checkpoint;
     * {@link #setRngState} makes the draws continue from there (torch.get_rng_state).
     */
    public static long[] getRngState() {
        return Random.state();
    }

    /** Restores a state from {@link #getRngState()}. */
    public static void setRngState(long[] state) {
        Random.setState(state);
    }

    /** Seeds the generator behind {@link #rand}, {@link #randn}, dropout and nn.Init, on every device. */
    public static void manualSeed(long seed) {
        Random.manualSeed(seed);
    }

    /** Uniform FLOAT32 samples in [0, 1). */
    public static Tensor rand(long... shape) {
        return Random.sample(0, DType.FLOAT32, Device.CPU, shape, 0, 1);
    }

    /** Uniform samples in [0, 1) of a floating dtype on a device (the same values on every device for a seed). */
    public static Tensor rand(DType dtype, Device device, long... shape) {
        return Random.sample(0, dtype, device, shape, 0, 1);
    }

    /** Standard normal FLOAT32 samples. */
    public static Tensor randn(long... shape) {
        return Random.sample(1, DType.FLOAT32, Device.CPU, shape, 0, 1);
    }

    /** Standard normal samples of a floating dtype on a device (the same values on every device for a seed). */
    public static Tensor randn(DType dtype, Device device, long... shape) {
        return Random.sample(1, dtype, device, shape, 0, 1);
    }

    // ------------------------------------------------------------------------------------------
    // reading out

    /** The sizes of the dims (a copy). */
    public long[] shape() {
        return shape.clone();
    }

    /** Size of dim {@code d} (negative counts from the end). */
    public long size(int d) {
        return shape[Shapes.normDim("size", d, shape.length)];
    }

    /** The strides of the dims in elements (a copy). */
    public long[] strides() {
        return strides.clone();
    }

    /** The number of dims (0 for a scalar). */
    public int dim() {
        return shape.length;
    }

    /** The number of elements. */
    public long numel() {
        return numel;
    }

    /** The element type. */
    public DType dtype() {
        return dtype;
    }

    /** The device whose memory holds the elements. */
    public Device device() {
        return device;
    }

    /** Whether the elements lie in row-major order with no gaps. */
    public boolean isContiguous() {
        return contiguous;
    }

    /** This tensor's values, contiguous, as {@code as}, in host memory (this tensor itself if it already is). */
    private Tensor dense(DType as) {
        checkOpen();
        if (contiguous && dtype == as && device.isCpu()) return this;
        return Autograd.withoutGrad(() -> {
            Tensor c = contiguous && dtype == as ? this : Kernels.contiguousCopy(this, as);
            if (c.device.isCpu()) return c;
            Tensor h = Kernels.toDevice(c, Device.CPU);
            if (c != this) c.close();
            return h;
        });
    }

    // ------------------------------------------------------------------------------------------
    // raw bytes (the safetensors reader and writer use these)

    private static final int IO_CHUNK = 1 << 20;

    private static void requireLittleEndian(String op) {
        if (java.nio.ByteOrder.nativeOrder() != java.nio.ByteOrder.LITTLE_ENDIAN)
            throw new UnsupportedOperationException(op + ": needs a little-endian platform; this one is " + java.nio.ByteOrder.nativeOrder());
    }

    /**
     * Writes the elements to {@code out} as little-endian bytes in row-major order (BOOL as one
     * byte, 0 or 1): {@code numel() * dtype().byteSize()} bytes, through a buffer of jgrad's own,
     * from any device and layout. {@code t.writeBytes(Files.newByteChannel(path, WRITE, CREATE))}
     */
    public void writeBytes(java.nio.channels.WritableByteChannel out) throws java.io.IOException {
        requireLittleEndian("Tensor.writeBytes");
        long total = Shapes.byteCount("Tensor.writeBytes", numel, dtype, shape);
        Tensor d = dense(dtype);
        Kernels.pin(d);
        try {
            java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocateDirect((int) Math.min(IO_CHUNK, Math.max(1, total)));
            BytePointer view = new BytePointer(buf);
            for (long done = 0; done < total; ) {
                int n = (int) Math.min(buf.capacity(), total - done);
                Pointer.memcpy(view, new Raw(d.address() + done, n), n);
                buf.clear().limit(n);
                while (buf.hasRemaining()) out.write(buf);
                done += n;
            }
        } finally {
            Kernels.unpin(d);
            if (d != this) d.close();
        }
    }

    /**
     * A new CPU tensor of the dtype and shape whose elements are read from {@code in}: exactly
     * {@code numel * dtype.byteSize()} little-endian bytes in row-major order (a BOOL byte other than
     * 0 reads as true). Fewer bytes than that is an {@link java.io.EOFException}; nothing is left
     * allocated on failure.
     */
    public static Tensor readBytes(java.nio.channels.ReadableByteChannel in, DType dtype, long... shape) throws java.io.IOException {
        requireLittleEndian("Tensor.readBytes");
        Tensor t = empty(Shapes.checkShape("Tensor.readBytes", shape), dtype, Device.CPU);
        try {
            long total = t.numel * dtype.byteSize();
            java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocateDirect((int) Math.min(IO_CHUNK, Math.max(1, total)));
            BytePointer view = new BytePointer(buf);
            for (long done = 0; done < total; ) {
                int n = (int) Math.min(buf.capacity(), total - done);
                buf.clear().limit(n);
                while (buf.hasRemaining()) {
                    if (in.read(buf) < 0)
                        throw new java.io.EOFException("Tensor.readBytes: the input ended after " + (done + buf.position()) + " of the " + total
                                + " bytes of a " + dtype + " tensor of shape " + Shapes.str(t.shape));
                }
                if (dtype == DType.BOOL) for (int i = 0; i < n; i++) if (buf.get(i) != 0) buf.put(i, (byte) 1);
                Pointer.memcpy(new Raw(t.address() + done, n), view, n);
                done += n;
            }
            return t;
        } catch (java.io.IOException | RuntimeException | Error e) {
            t.close();
            throw e;
        }
    }

    /** The elements in row-major order as floats (converting from any dtype). */
    public float[] toFloatArray() {
        Tensor d = dense(DType.FLOAT32);
        float[] out = new float[(int) numel];
        Kernels.pin(d);
        try {
            new FloatPointer(new Raw(d.address(), numel)).get(out);
        } finally {
            Kernels.unpin(d);
        }
        if (d != this) d.close();
        return out;
    }

    /** The elements in row-major order as doubles (converting from any dtype). */
    public double[] toDoubleArray() {
        Tensor d = dense(DType.FLOAT64);
        double[] out = new double[(int) numel];
        Kernels.pin(d);
        try {
            new DoublePointer(new Raw(d.address(), numel)).get(out);
        } finally {
            Kernels.unpin(d);
        }
        if (d != this) d.close();
        return out;
    }

    /** The elements in row-major order as longs (floats are truncated toward zero). */
    public long[] toLongArray() {
        Tensor d = dense(DType.INT64);
        long[] out = new long[(int) numel];
        Kernels.pin(d);
        try {
            new LongPointer(new Raw(d.address(), numel)).get(out);
        } finally {
            Kernels.unpin(d);
        }
        if (d != this) d.close();
        return out;
    }

    /** The elements in row-major order as booleans (non-zero is true). */
    public boolean[] toBooleanArray() {
        Tensor d = dense(DType.BOOL);
        byte[] b = new byte[(int) numel];
        Kernels.pin(d);
        try {
            new BytePointer(new Raw(d.address(), numel)).get(b);
        } finally {
            Kernels.unpin(d);
        }
        if (d != this) d.close();
        boolean[] out = new boolean[b.length];
        for (int i = 0; i < b.length; i++) out[i] = b[i] != 0;
        return out;
    }

    /** The value of a one-element tensor. */
    public double item() {
        checkOpen();
        if (numel != 1) {
            throw new IllegalArgumentException("item: only a one-element tensor can be converted to a number, got shape " + Shapes.str(shape));
        }
        if (!device.isCpu()) return toDoubleArray()[0];
        Kernels.pin(this);
        try {
            long a = address();
            switch (dtype) {
                case FLOAT32: return new FloatPointer(new Raw(a, 1)).get(0);
                case FLOAT64: return new DoublePointer(new Raw(a, 1)).get(0);
                case INT64: return new LongPointer(new Raw(a, 1)).get(0);
                default: return new BytePointer(new Raw(a, 1)).get(0) != 0 ? 1 : 0;
            }
        } finally {
            Kernels.unpin(this);
        }
    }

    @Override
    public String toString() {
        if (handle.closed) return "tensor(<closed>, shape=" + Shapes.str(shape) + ")";
        return Format.format(this);
    }

    // ------------------------------------------------------------------------------------------
    // autograd

    /**
     * Sets whether gradients are recorded for this (leaf) tensor and returns it.
     * {@code Tensor w = Tensor.randn(3).requiresGrad(true);}
     */
    public Tensor requiresGrad(boolean on) {
        checkOpen();
        if (on && !dtype.isFloatingPoint()) {
            throw new IllegalArgumentException("requiresGrad: only floating point tensors can require gradients, this one is " + dtype);
        }
        if (gradFn() != null && !on) {
            throw new IllegalArgumentException("requiresGrad: this tensor is the result of " + gradFn().name()
                    + "; only leaf tensors can change requiresGrad; use detach() to get a tensor outside the graph");
        }
        requiresGrad = on;
        return this;
    }

    /** True if gradients flow to or through this tensor. */
    public boolean requiresGrad() {
        return requiresGrad;
    }

    /** True for tensors created by the user rather than by a recorded op. */
    public boolean isLeaf() {
        return gradFn() == null;
    }

    /** The accumulated gradient of a leaf after {@link #backward()}, or null. */
    public Tensor grad() {
        return grad;
    }

    /** A registered hook: {@link #close()} removes it (a second close does nothing), as PyTorch's RemovableHandle. */
    public interface HookHandle extends AutoCloseable {
        /** Removes the hook. */
        @Override
        void close();
    }

    /**
     * Runs {@code hook} with this leaf each time a {@link #backward()} pass has finished
     * accumulating into its {@link #grad()} (the gradient is final for the pass; the rest of the
     * pass may still be running), as PyTorch's {@code register_post_accumulate_grad_hook}.
     * Closing the returned handle removes the hook. {@link Autograd#grad} does not run it.
     * <pre>{@code try (var h = w.registerPostAccumulateGradHook(p -> System.out.println(p.grad()))) { loss.backward(); }}</pre>
     */
    public HookHandle registerPostAccumulateGradHook(java.util.function.Consumer<Tensor> hook) {
        checkOpen();
        java.util.Objects.requireNonNull(hook, "hook");
        if (!requiresGrad || gradFn() != null) {
            throw new IllegalArgumentException("registerPostAccumulateGradHook: only a leaf that requires grad accumulates a gradient; this tensor (shape "
                    + Shapes.str(shape) + ") " + (gradFn() != null ? "is the result of " + gradFn().name() : "does not require grad"));
        }
        if (postAccumulateHooks == null) postAccumulateHooks = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.function.Consumer<Tensor> h = hook::accept;  // a distinct object per registration
        postAccumulateHooks.add(h);
        return () -> postAccumulateHooks.remove(h);
    }

    /**
     * Replaces this leaf's gradient, as assigning PyTorch's {@code .grad}: {@code g} (same shape,
     * dtype and device, not requiring grad) becomes the gradient and belongs to this tensor from
     * then on (no Scope closes it; closing this tensor or the next replacement does); the old one
     * is closed. Null clears it. {@code w.setGrad(Tensor.zerosLike(w));}
     */
    public void setGrad(Tensor g) {
        checkOpen();
        if (g != null) {
            g.checkOpen();
            if (g == grad) return;
            if (gradFn() != null) throw new IllegalArgumentException("setGrad: only a leaf holds a gradient; this tensor is the result of " + gradFn().name());
            if (!Arrays.equals(g.shape, shape) || g.dtype != dtype || !g.device.equals(device)) {
                throw new IllegalArgumentException("setGrad: the gradient (shape " + Shapes.str(g.shape) + ", " + g.dtype + ", " + g.device
                        + ") must match the tensor (shape " + Shapes.str(shape) + ", " + dtype + ", " + device + ")");
            }
            if (g.requiresGrad) throw new IllegalArgumentException("setGrad: the gradient requires grad itself; pass g.detach()");
            Scope.untrack(g);
        }
        Tensor old = grad;
        grad = g;
        if (old != null) old.close();
    }

    /** Name of the op that produced this tensor, e.g. "MulBackward0", or null for a leaf. */
    public String gradFnName() {
        return gradFn() == null ? null : gradFn().name();
    }

    /** Clears the accumulated gradient (closing it). */
    public void zeroGrad() {
        Tensor g = grad;
        grad = null;
        if (g != null) g.close();
    }

    /** Backpropagates from this one-element tensor, accumulating into the leaves' {@link #grad()}. */
    public void backward() {
        Engine.backward(this, null, false, false);
    }

    /** Backpropagates with {@code gradient} as d(output)/d(this). */
    public void backward(Tensor gradient) {
        Engine.backward(this, gradient, false, false);
    }

    /** Backpropagates; {@code retainGraph} keeps saved tensors so backward can run again. */
    public void backward(Tensor gradient, boolean retainGraph) {
        Engine.backward(this, gradient, retainGraph, false);
    }

    /** The same data, outside the graph (shares storage, does not require grad). */
    public Tensor detach() {
        return view(shape, strides, offset);
    }

    // ------------------------------------------------------------------------------------------
    // dtype and device

    /** Converts to {@code dtype} (differentiable between floating types); returns this if already so. */
    public Tensor to(DType dtype) {
        return dtype == this.dtype ? this : Ops.cast(this, dtype);
    }

    /** Moves to {@code device}; returns this if already there. */
    public Tensor to(Device device) {
        checkOpen();
        if (device.equals(this.device)) return this;
        if (!device.isCpu()) Cuda.require("to", device);
        return Ops.toDevice(this, device);
    }

    /** Moves to the CPU; returns this if already there. */
    public Tensor cpu() {
        return to(Device.CPU);
    }

    /** Moves to the first CUDA device; returns this if already there. */
    public Tensor cuda() {
        return to(Device.CUDA);
    }

    // ------------------------------------------------------------------------------------------
    // views

    /** A tensor with the same data and a new shape (one dim may be -1); copies only if the strides require it. */
    public Tensor reshape(long... shape) {
        return Views.reshape(this, shape, false);
    }

    /** Like {@link #reshape} but never copies: throws if the strides do not allow a view. */
    public Tensor view(long... shape) {
        return Views.reshape(this, shape, true);
    }

    /** Swaps two dims. */
    public Tensor transpose(int dim0, int dim1) {
        return Views.transpose(this, dim0, dim1);
    }

    /** Transpose of a tensor with at most 2 dims. */
    public Tensor t() {
        if (shape.length > 2) {
            throw new IllegalArgumentException("t: expects a tensor with <= 2 dims, got shape " + Shapes.str(shape) + "; use transpose(dim0, dim1)");
        }
        return shape.length < 2 ? Views.reshape(this, shape, true) : transpose(0, 1);
    }

    /** Reorders dims: {@code x.permute(2, 0, 1)}. */
    public Tensor permute(int... dims) {
        return Views.permute(this, dims);
    }

    /** Elements start..start+length-1 along {@code dim}. */
    public Tensor narrow(int dim, long start, long length) {
        return Views.slice(this, dim, start, start + length, 1, "narrow");
    }

    /** Elements start, start+step, ... below end along {@code dim} (Python's {@code x[start:end:step]}). */
    public Tensor slice(int dim, long start, long end, long step) {
        return Views.slice(this, dim, start, end, step, "slice");
    }

    /** Element {@code index} along {@code dim}, removing that dim. */
    public Tensor select(int dim, long index) {
        int d = Shapes.normDim("select", dim, shape.length);
        long i = index < 0 ? index + shape[d] : index;
        if (i < 0 || i >= shape[d]) {
            throw new IllegalArgumentException("select: index " + index + " is out of range for dim " + dim + " of size " + shape[d]);
        }
        return Views.slice(this, d, i, i + 1, 1, "select").squeeze(d);
    }

    /** Broadcasts to a larger shape without copying (-1 keeps a size). */
    public Tensor expand(long... shape) {
        return Views.expand(this, shape);
    }

    /** Removes every dim of size 1. */
    public Tensor squeeze() {
        return Views.squeeze(this, -1, true);
    }

    /** Removes {@code dim} if its size is 1. */
    public Tensor squeeze(int dim) {
        return Views.squeeze(this, dim, false);
    }

    /** Inserts a dim of size 1 at {@code dim}. */
    public Tensor unsqueeze(int dim) {
        return Views.unsqueeze(this, dim);
    }

    /** A 1-D view (or copy) of all elements. */
    public Tensor flatten() {
        return reshape(numel);
    }

    /** This tensor if already contiguous, else a contiguous copy (differentiable). */
    public Tensor contiguous() {
        checkOpen();
        return contiguous ? this : Ops.contiguousCopy(this);
    }

    // ------------------------------------------------------------------------------------------
    // elementwise

    /** {@code this + other} elementwise, with broadcasting. */
    public Tensor add(Tensor other) { return Ops.binary(BinaryOp.ADD, this, other); }
    /** {@code this - other} elementwise, with broadcasting. */
    public Tensor sub(Tensor other) { return Ops.binary(BinaryOp.SUB, this, other); }
    /** {@code this * other} elementwise, with broadcasting. */
    public Tensor mul(Tensor other) { return Ops.binary(BinaryOp.MUL, this, other); }
    /** {@code this / other} elementwise, with broadcasting. */
    public Tensor div(Tensor other) { return Ops.binary(BinaryOp.DIV, this, other); }
    /** Elementwise power with a tensor exponent (broadcast). */
    public Tensor pow(Tensor exponent) { return Ops.binary(BinaryOp.POW, this, exponent); }

    /** {@code this + s} elementwise. */
    public Tensor add(double s) { return Ops.unaryScalar(UnaryOp.ADD_SCALAR, this, s); }
    /** {@code this - s} elementwise. */
    public Tensor sub(double s) { return Ops.unaryScalar(UnaryOp.ADD_SCALAR, this, -s); }
    /** {@code this * s} elementwise. */
    public Tensor mul(double s) { return Ops.unaryScalar(UnaryOp.MUL_SCALAR, this, s); }
    /** {@code this / s} elementwise. */
    public Tensor div(double s) { return Ops.unaryScalar(UnaryOp.DIV_SCALAR, this, s); }
    /** {@code s - this}. */
    public Tensor rsub(double s) { return Ops.unaryScalar(UnaryOp.RSUB_SCALAR, this, s); }
    /** {@code s / this}. */
    public Tensor rdiv(double s) { return Ops.unaryScalar(UnaryOp.RDIV_SCALAR, this, s); }
    /** Each element to the power {@code exponent}. */
    public Tensor pow(double exponent) { return Ops.unaryScalar(UnaryOp.POW_SCALAR, this, exponent); }

    /** {@code -x} elementwise. */
    public Tensor neg() { return Ops.unary(UnaryOp.NEG, this, 0, 0); }
    /** |x| elementwise (gradient 0 at 0). */
    public Tensor abs() { return Ops.unary(UnaryOp.ABS, this, 0, 0); }
    /** -1, 0 or 1 by sign (gradient 0). */
    public Tensor sign() { return Ops.unary(UnaryOp.SIGN, this, 0, 0); }
    /** e^x elementwise. */
    public Tensor exp() { return Ops.unary(UnaryOp.EXP, this, 0, 0); }
    /** The natural logarithm elementwise. */
    public Tensor log() { return Ops.unary(UnaryOp.LOG, this, 0, 0); }
    /** The square root elementwise. */
    public Tensor sqrt() { return Ops.unary(UnaryOp.SQRT, this, 0, 0); }
    /** sin x elementwise. */
    public Tensor sin() { return Ops.unary(UnaryOp.SIN, this, 0, 0); }
    /** cos x elementwise. */
    public Tensor cos() { return Ops.unary(UnaryOp.COS, this, 0, 0); }
    /** 1 / (1 + e^-x). */
    public Tensor sigmoid() { return Ops.unary(UnaryOp.SIGMOID, this, 0, 0); }
    /** tanh x elementwise. */
    public Tensor tanh() { return Ops.unary(UnaryOp.TANH, this, 0, 0); }
    /** max(0, x); gradient 0 at x = 0, like PyTorch. */
    public Tensor relu() { return Ops.unary(UnaryOp.RELU, this, 0, 0); }
    /** x for x > 0, else slope·x. */
    public Tensor leakyRelu(double negativeSlope) { return Ops.unary(UnaryOp.LEAKY_RELU, this, negativeSlope, 0); }
    /** GELU, x·Φ(x) with Φ the standard normal CDF (torch.nn.functional.gelu, approximate "none"). */
    public Tensor gelu() { return Ops.unary(UnaryOp.GELU, this, 0, 0); }
    /**
     * GELU with PyTorch's {@code approximate} argument: "none" (the exact form) or "tanh"
     * (0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))).
     */
    public Tensor gelu(String approximate) {
        switch (approximate) {
            case "none": return gelu();
            case "tanh": return Ops.unary(UnaryOp.GELU, this, 1, 0);
            default: throw new IllegalArgumentException("gelu: approximate must be \"none\" or \"tanh\", got \"" + approximate + "\"");
        }
    }
    /** SiLU (swish): x·sigmoid(x). */
    public Tensor silu() { return Ops.unary(UnaryOp.SILU, this, 0, 0); }
    /** softplus with beta 1 and threshold 20, as torch.nn.functional.softplus. */
    public Tensor softplus() { return softplus(1, 20); }
    /** log(1 + e^(beta·x)) / beta, or x itself where beta·x > threshold (for stability). */
    public Tensor softplus(double beta, double threshold) {
        if (!(beta > 0) || Double.isInfinite(beta))
            throw new IllegalArgumentException("softplus: beta must be positive and finite, got " + beta);
        return Ops.unary(UnaryOp.SOFTPLUS, this, beta, threshold);
    }
    /** The error function. */
    public Tensor erf() { return Ops.unary(UnaryOp.ERF, this, 0, 0); }
    /** log(1 + x), accurate for small x. */
    public Tensor log1p() { return Ops.unary(UnaryOp.LOG1P, this, 0, 0); }
    /** e^x − 1, accurate for small x. */
    public Tensor expm1() { return Ops.unary(UnaryOp.EXPM1, this, 0, 0); }
    /** Elementwise maximum with broadcasting; NaN if either is NaN (torch.maximum). */
    public Tensor maximum(Tensor other) { return Ops.binary(BinaryOp.MAXIMUM, this, other); }
    /** Elementwise minimum with broadcasting; NaN if either is NaN (torch.minimum). */
    public Tensor minimum(Tensor other) { return Ops.binary(BinaryOp.MINIMUM, this, other); }
    /** {@code value} where mask (BOOL, broadcast) is true, this elsewhere, as torch.masked_fill. */
    public Tensor maskedFill(Tensor mask, double value) { return Composite.maskedFill(this, mask, value); }
    /** INT64 class indices to one-hot INT64 rows [.., numClasses]; numClasses -1 infers max + 1. */
    public Tensor oneHot(long numClasses) { return Composite.oneHot(this, numClasses); }
    /** A copy with its own contiguous storage; the gradient passes through unchanged. */
    public Tensor clone() { return Composite.cloneOf(this); }
    /** Views of splitSize along dim, the last possibly shorter (torch.split). */
    public java.util.List<Tensor> split(long splitSize, int dim) { return Composite.split(this, splitSize, dim); }
    /** Views of the given sizes along dim, which must add up to its length. */
    public java.util.List<Tensor> split(long[] sizes, int dim) { return Composite.split(this, sizes, dim); }
    /** At most {@code chunks} views along dim, each ceil(n / chunks) long but the last (torch.chunk). */
    public java.util.List<Tensor> chunk(int chunks, int dim) { return Composite.chunk(this, chunks, dim); }
    /**
     * The rows of {@code weight} [V, D] at these INT64 indices: shape [.., D] (torch.nn.functional.embedding).
     * Row paddingIdx (-1 for none) gets no gradient; repeated indices sum their gradients in position
     * order, the same bits on every run and device.
     */
    public Tensor embedding(Tensor weight, long paddingIdx) { return Composite.embedding(this, weight, paddingIdx); }
    /** Limits values to [min, max]; the gradient passes where {@code min <= x <= max}. */
    public Tensor clamp(double min, double max) {
        if (min > max) throw new IllegalArgumentException("clamp: min " + min + " is greater than max " + max);
        return Ops.unary(UnaryOp.CLAMP, this, min, max);
    }

    /** {@code condition ? a : b} elementwise, with broadcasting; condition is BOOL. */
    public static Tensor where(Tensor condition, Tensor a, Tensor b) {
        return Ops.where(condition, a, b);
    }

    // comparisons: BOOL results, not differentiable
    /** {@code this == o} elementwise, with broadcasting: a BOOL tensor. */
    public Tensor eq(Tensor o) { return Ops.compare(BinaryOp.EQ, this, o); }
    /** {@code this != o} elementwise, with broadcasting: a BOOL tensor. */
    public Tensor ne(Tensor o) { return Ops.compare(BinaryOp.NE, this, o); }
    /** {@code this > o} elementwise, with broadcasting: a BOOL tensor. */
    public Tensor gt(Tensor o) { return Ops.compare(BinaryOp.GT, this, o); }
    /** {@code this >= o} elementwise, with broadcasting: a BOOL tensor. */
    public Tensor ge(Tensor o) { return Ops.compare(BinaryOp.GE, this, o); }
    /** {@code this < o} elementwise, with broadcasting: a BOOL tensor. */
    public Tensor lt(Tensor o) { return Ops.compare(BinaryOp.LT, this, o); }
    /** {@code this <= o} elementwise, with broadcasting: a BOOL tensor. */
    public Tensor le(Tensor o) { return Ops.compare(BinaryOp.LE, this, o); }
    /** {@code this == s} elementwise: a BOOL tensor. */
    public Tensor eq(double s) { return Ops.compareScalar(BinaryOp.EQ, this, s); }
    /** {@code this != s} elementwise: a BOOL tensor. */
    public Tensor ne(double s) { return Ops.compareScalar(BinaryOp.NE, this, s); }
    /** {@code this > s} elementwise: a BOOL tensor. */
    public Tensor gt(double s) { return Ops.compareScalar(BinaryOp.GT, this, s); }
    /** {@code this >= s} elementwise: a BOOL tensor. */
    public Tensor ge(double s) { return Ops.compareScalar(BinaryOp.GE, this, s); }
    /** {@code this < s} elementwise: a BOOL tensor. */
    public Tensor lt(double s) { return Ops.compareScalar(BinaryOp.LT, this, s); }
    /** {@code this <= s} elementwise: a BOOL tensor. */
    public Tensor le(double s) { return Ops.compareScalar(BinaryOp.LE, this, s); }

    // ------------------------------------------------------------------------------------------
    // in place (explicit; bump the version counter; refused on tensors that require grad while recording)

    /** this += other (other broadcasts to this shape). */
    public Tensor addInPlace(Tensor other) { return Ops.inPlace(BinaryOp.ADD, this, other); }
    /** this -= other (other broadcasts to this shape). */
    public Tensor subInPlace(Tensor other) { return Ops.inPlace(BinaryOp.SUB, this, other); }
    /** this *= other (other broadcasts to this shape). */
    public Tensor mulInPlace(Tensor other) { return Ops.inPlace(BinaryOp.MUL, this, other); }
    /** this *= s. */
    public Tensor mulInPlace(double s) {
        try (Tensor t = Tensor.full(s, dtype, device)) {
            return Ops.inPlace(BinaryOp.MUL, this, t);
        }
    }
    /** Sets every element to {@code value}. */
    public Tensor fillInPlace(double value) {
        Ops.checkInPlace("fillInPlace", this);
        Ops.checkWritable("fillInPlace", this);
        Kernels.fill(this, value);
        storage.bumpVersion();
        return this;
    }
    /** Copies {@code src} (broadcast, converted) into this tensor's memory. */
    public Tensor copyInPlace(Tensor src) {
        Ops.checkInPlace("copyInPlace", this);
        src.checkOpen();
        Kernels.sameDevice("copyInPlace", this, src);
        if (!Arrays.equals(Shapes.broadcast("copyInPlace", shape, src.shape), shape)) {
            throw new IllegalArgumentException("copyInPlace: source shape " + Shapes.str(src.shape) + " does not broadcast to " + Shapes.str(shape));
        }
        Ops.checkWritable("copyInPlace", this);
        Tensor s = Ops.unaliased(this, src);
        try {
            Kernels.copy(this, s);
        } finally {
            if (s != src) s.close();
        }
        storage.bumpVersion();
        return this;
    }

    // ------------------------------------------------------------------------------------------
    // reductions

    /** Sum of all elements (0-dim). */
    public Tensor sum() { return Reductions.sum(this, null, false); }
    /** Sum over {@code dims}. */
    public Tensor sum(int[] dims, boolean keepDim) { return Reductions.sum(this, dims, keepDim); }
    /** Sum over one dim. */
    public Tensor sum(int dim, boolean keepDim) { return Reductions.sum(this, new int[] {dim}, keepDim); }
    /** Sum over one dim, which is removed. */
    public Tensor sum(int dim) { return Reductions.sum(this, new int[] {dim}, false); }
    /** Mean of all elements (floating types). */
    public Tensor mean() { return Reductions.mean(this, null, false); }
    /** Mean over {@code dims}. */
    public Tensor mean(int[] dims, boolean keepDim) { return Reductions.mean(this, dims, keepDim); }
    /** Mean over one dim. */
    public Tensor mean(int dim, boolean keepDim) { return Reductions.mean(this, new int[] {dim}, keepDim); }
    /** Mean over one dim, which is removed. */
    public Tensor mean(int dim) { return Reductions.mean(this, new int[] {dim}, false); }
    /** Variance over all elements with Bessel's correction (N - 1), as torch.var. */
    public Tensor var() { return Composite.var(this, null, 1, false); }
    /** Variance over dims (null: all) dividing by N - correction (1: unbiased, 0: the population variance). */
    public Tensor var(int[] dims, double correction, boolean keepDim) { return Composite.var(this, dims, correction, keepDim); }
    /** Standard deviation over all elements, correction 1. */
    public Tensor std() { return Composite.std(this, null, 1, false); }
    /** Standard deviation over dims (null: all) with the given correction. */
    public Tensor std(int[] dims, double correction, boolean keepDim) { return Composite.std(this, dims, correction, keepDim); }
    /** log Σ exp over dims (null: all), computed stably, as torch.logsumexp. */
    public Tensor logsumexp(int[] dims, boolean keepDim) { return Composite.logsumexp(this, dims, keepDim); }
    /** log Σ exp over one dim, which is removed. */
    public Tensor logsumexp(int dim) { return Composite.logsumexp(this, new int[] {dim}, false); }
    /** The 2-norm of all elements (torch.linalg.vector_norm); its gradient at 0 is 0. */
    public Tensor norm() { return Composite.norm(this, 2, null, false); }
    /** The p-norm over dims (null: all): p = 1, 2, Double.POSITIVE_INFINITY or any p > 0. */
    public Tensor norm(double p, int[] dims, boolean keepDim) { return Composite.norm(this, p, dims, keepDim); }
    /** Largest element; NaN if any is NaN. The gradient is shared evenly among ties. */
    public Tensor max() { return Reductions.extreme(this, true); }
    /** Smallest element; NaN if any is NaN. The gradient is shared evenly among ties. */
    public Tensor min() { return Reductions.extreme(this, false); }
    /** Largest values along {@code dim}; the gradient goes to the first maximal index. */
    public Tensor max(int dim, boolean keepDim) { return Reductions.extremeDim(this, dim, keepDim, true); }
    /** Smallest values along {@code dim}; the gradient goes to the first minimal index. */
    public Tensor min(int dim, boolean keepDim) { return Reductions.extremeDim(this, dim, keepDim, false); }
    /** Flat index of the largest element (INT64, 0-dim). */
    public Tensor argmax() { return Reductions.argExtreme(this, null, false, true); }
    /** Index of the largest value along {@code dim} (INT64; the first of ties). */
    public Tensor argmax(int dim, boolean keepDim) { return Reductions.argExtreme(this, dim, keepDim, true); }
    /** Flat index of the smallest element (INT64, 0-dim). */
    public Tensor argmin() { return Reductions.argExtreme(this, null, false, false); }
    /** Index of the smallest value along {@code dim} (INT64; the first of ties). */
    public Tensor argmin(int dim, boolean keepDim) { return Reductions.argExtreme(this, dim, keepDim, false); }

    /** Softmax along {@code dim}, computed stably (max subtracted). */
    public Tensor softmax(int dim) { return Reductions.softmax(this, dim, false); }
    /** log(softmax) along {@code dim}, computed stably. */
    public Tensor logSoftmax(int dim) { return Reductions.softmax(this, dim, true); }

    // ------------------------------------------------------------------------------------------
    // linear algebra and indexing

    /**
     * Matrix product with PyTorch's rules: 1-D·1-D is a dot product, 2-D·2-D a matrix product,
     * and batch dims broadcast for 3-D and more.
     */
    public Tensor matmul(Tensor other) { return LinAlg.matmul(this, other); }

    /**
     * {@code out[i][j] = this[i][index[i][j]]} along {@code dim} (index is INT64; negative values count
     * from the end). An index out of range is an IllegalArgumentException: on the CPU from this call,
     * on CUDA from the next call that waits for the device (see {@link Cuda#synchronize(Device)}).
     */
    public Tensor gather(int dim, Tensor index) { return Indexing.gather(this, dim, index); }

    /** Rows (or slices along {@code dim}) picked by a 1-D INT64 index. */
    public Tensor indexSelect(int dim, Tensor index) { return Indexing.indexSelect(this, dim, index); }

    /** Concatenates along an existing dim. */
    public static Tensor cat(List<Tensor> tensors, int dim) { return Indexing.cat(tensors, dim); }

    /** Concatenates along an existing dim. */
    public static Tensor cat(int dim, Tensor... tensors) { return Indexing.cat(Arrays.asList(tensors), dim); }

    /** Stacks along a new dim. */
    public static Tensor stack(List<Tensor> tensors, int dim) { return Indexing.stack(tensors, dim); }

    /** Stacks along a new dim. */
    public static Tensor stack(int dim, Tensor... tensors) { return Indexing.stack(Arrays.asList(tensors), dim); }
}
