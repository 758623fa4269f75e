package org.jgrad.io;

import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import com.google.gson.stream.JsonWriter;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jgrad.DType;
import org.jgrad.Device;
import org.jgrad.Scope;
import org.jgrad.Tensor;

/**
 * Tensors in Hugging Face's safetensors format, the checkpoint format PyTorch users share: an
 * 8-byte little-endian header length, a UTF-8 JSON header naming each tensor's dtype, shape and
 * byte range, then the data, little-endian, with no holes. Files written here load with Python's
 * {@code safetensors.torch.load_file}, and files it writes load here.
 * <pre>{@code
 * SafeTensors.save(model.stateDict(), Path.of("model.safetensors"));
 * Map<String, Tensor> state = SafeTensors.load(Path.of("model.safetensors"));
 * }</pre>
 *
 * <p>dtypes: F32, F64, I64 and BOOL map to jgrad's; F16 and BF16 read into FLOAT32; I8, U8, I16
 * and I32 read into INT64. A file that breaks the format in any way (a header length beyond the
 * file or above 100 MB, JSON that does not parse, unknown dtypes, offsets out of range, reversed
 * or overlapping, holes in the data, shapes whose element count disagrees with the byte range or
 * overflows) is rejected with an {@link IOException} naming the file and the problem before any
 * tensor is allocated.
 */
public final class SafeTensors {
    private SafeTensors() {}

    /** The safetensors reference implementation's limit on the header. */
    static final long MAX_HEADER = 100_000_000L;
    private static final String METADATA = "__metadata__";

    /** One tensor's header entry. */
    private static final class Entry {
        final String name;
        final String dtype;
        final long[] shape;
        final long begin, end;

        Entry(String name, String dtype, long[] shape, long begin, long end) {
            this.name = name;
            this.dtype = dtype;
            this.shape = shape;
            this.begin = begin;
            this.end = end;
        }
    }

    /** A parsed and validated header. */
    private static final class Header {
        final List<Entry> entries = new ArrayList<>();
        final Map<String, String> metadata = new LinkedHashMap<>();
        long dataStart;
    }

    // ---- writing

    /** Writes the tensors (any device, dtype FLOAT32, FLOAT64, INT64 or BOOL, any layout) in the map's order. */
    public static void save(Map<String, Tensor> tensors, Path file) throws IOException {
        save(tensors, file, Collections.emptyMap());
    }

    /**
     * Writes the tensors with string metadata (the header's {@code __metadata__}). The file is
     * written beside the target and moved over it when complete, so a failed save leaves any
     * earlier file as it was.
     */
    public static void save(Map<String, Tensor> tensors, Path file, Map<String, String> metadata) throws IOException {
        ByteBuffer head = header(tensors, metadata, "SafeTensors.save");
        Path dir = file.toAbsolutePath().getParent();
        Path tmp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
        boolean done = false;
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                while (head.hasRemaining()) ch.write(head);
                for (Tensor t : tensors.values()) t.writeBytes(ch);
                ch.force(false);
            }
            try {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
            done = true;
        } finally {
            if (!done) Files.deleteIfExists(tmp);
        }
    }

    /**
     * The bytes of a safetensors file holding these tensors, as {@link #save} writes them (Python's
     * {@code safetensors.torch.save}): for sending a state dict between processes without a file.
     * <pre>{@code byte[] b = SafeTensors.toBytes(model.stateDict(), Map.of());}</pre>
     * Throws IllegalArgumentException when the whole would not fit a Java array (2 GiB).
     */
    public static byte[] toBytes(Map<String, Tensor> tensors, Map<String, String> metadata) {
        try {
            ByteBuffer head = header(tensors, metadata, "SafeTensors.toBytes");
            long total = head.remaining();
            for (Tensor t : tensors.values()) total += t.numel() * t.dtype().byteSize();
            if (total > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("SafeTensors.toBytes: the tensors need " + total + " bytes, more than a Java array holds; use save(tensors, file)");
            }
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream((int) total);
            java.nio.channels.WritableByteChannel ch = Channels.newChannel(out);
            while (head.hasRemaining()) ch.write(head);
            for (Tensor t : tensors.values()) t.writeBytes(ch);
            return out.toByteArray();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);  // not reached: the channel writes to memory
        }
    }

    /** The 8-byte length and the padded JSON header for these tensors, ready to write. */
    private static ByteBuffer header(Map<String, Tensor> tensors, Map<String, String> metadata, String op) throws IOException {
        StringWriter json = new StringWriter();
        try (JsonWriter w = new JsonWriter(json)) {
            w.setHtmlSafe(false);
            w.beginObject();
            if (!metadata.isEmpty()) {
                w.name(METADATA).beginObject();
                for (Map.Entry<String, String> e : metadata.entrySet()) {
                    if (e.getKey() == null || e.getValue() == null) throw new IllegalArgumentException(op + ": metadata keys and values must not be null");
                    w.name(e.getKey()).value(e.getValue());
                }
                w.endObject();
            }
            long offset = 0;
            for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
                String name = e.getKey();
                Tensor t = e.getValue();
                if (name == null || name.isEmpty() || name.equals(METADATA))
                    throw new IllegalArgumentException(op + ": invalid tensor name \"" + name + "\" (empty or reserved)");
                if (t == null || t.isClosed()) throw new IllegalArgumentException(op + ": tensor \"" + name + "\" is null or closed");
                long bytes = t.numel() * t.dtype().byteSize();
                w.name(name).beginObject();
                w.name("dtype").value(code(t.dtype()));
                w.name("shape").beginArray();
                for (long d : t.shape()) w.value(d);
                w.endArray();
                w.name("data_offsets").beginArray().value(offset).value(offset + bytes).endArray();
                w.endObject();
                offset += bytes;
            }
            w.endObject();
        }
        byte[] header = json.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (header.length + 7) / 8 * 8;  // as the reference writer: the data starts 8-byte aligned
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(header);
        while (head.hasRemaining()) head.put((byte) ' ');
        head.flip();
        return head;
    }

    private static String code(DType d) {
        switch (d) {
            case FLOAT32: return "F32";
            case FLOAT64: return "F64";
            case INT64: return "I64";
            case BOOL: return "BOOL";
            default: throw new IllegalArgumentException("SafeTensors.save: dtype " + d + " has no safetensors code");
        }
    }

    // ---- reading

    /** Every tensor of the file, on the CPU, in the header's order. */
    public static Map<String, Tensor> load(Path file) throws IOException {
        return load(file, Device.CPU);
    }

    /** Every tensor of the file, on {@code device}, in the header's order. */
    public static Map<String, Tensor> load(Path file, Device device) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return read(file.toString(), ch, device);
        }
    }

    /**
     * Every tensor of a safetensors file held in memory (what {@link #toBytes} or Python's
     * {@code safetensors.torch.save} gives), on {@code device}, in the header's order; checked as
     * {@link #load} checks a file, with the IOException naming "safetensors bytes".
     * <pre>{@code Map<String, Tensor> state = SafeTensors.fromBytes(bytes, Device.CPU);}</pre>
     */
    public static Map<String, Tensor> fromBytes(byte[] data, Device device) throws IOException {
        return read(BYTES, new BytesChannel(data), device);
    }

    /** The {@code __metadata__} of a safetensors file held in memory (empty if it has none). */
    public static Map<String, String> metadata(byte[] data) throws IOException {
        return Collections.unmodifiableMap(readHeader(BYTES, new BytesChannel(data)).metadata);
    }

    private static final String BYTES = "safetensors bytes";

    private static Map<String, Tensor> read(String source, SeekableByteChannel ch, Device device) throws IOException {
        LinkedHashMap<String, Tensor> out = new LinkedHashMap<>();
        Header h = readHeader(source, ch);
        // read in file order, one sequential pass
        List<Entry> byOffset = new ArrayList<>(h.entries);
        byOffset.sort(Comparator.comparingLong(e -> e.begin));
        Map<String, Tensor> got = new java.util.HashMap<>();
        boolean ok = false;
        try {
            for (Entry e : byOffset) {
                ch.position(h.dataStart + e.begin);
                Tensor t = Scope.untrack(readTensor(source, ch, e));
                got.put(e.name, t);
                if (!device.isCpu()) {
                    got.put(e.name, Scope.untrack(t.to(device)));
                    t.close();
                }
            }
            ok = true;
        } finally {
            if (!ok) for (Tensor t : got.values()) t.close();
        }
        for (Entry e : h.entries) out.put(e.name, got.get(e.name));
        // the tensors belong to the caller's scope, if one is open
        for (Tensor t : out.values()) Scope.adopt(t);
        return out;
    }

    /** The header's {@code __metadata__} (empty if it has none); reads the header only. */
    public static Map<String, String> metadata(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return Collections.unmodifiableMap(readHeader(file.toString(), ch).metadata);
        }
    }

    private static Tensor readTensor(String file, java.nio.channels.ReadableByteChannel in, Entry e) throws IOException {
        try {
            switch (e.dtype) {
                case "F32": return Tensor.readBytes(in, DType.FLOAT32, e.shape);
                case "F64": return Tensor.readBytes(in, DType.FLOAT64, e.shape);
                case "I64": return Tensor.readBytes(in, DType.INT64, e.shape);
                case "BOOL": return Tensor.readBytes(in, DType.BOOL, e.shape);
                default: return readConverted(in, e);
            }
        } catch (java.io.EOFException x) {
            throw new IOException(file + ": tensor \"" + e.name + "\": the file ends inside its data (" + x.getMessage() + ")", x);
        }
    }

    /** F16/BF16 to FLOAT32, and the narrow integers to INT64, through Java arrays. */
    private static Tensor readConverted(java.nio.channels.ReadableByteChannel in, Entry e) throws IOException {
        int width = width(e.dtype);
        long count = (e.end - e.begin) / width;
        if (count > Integer.MAX_VALUE - 8) throw new IOException("tensor \"" + e.name + "\": " + count + " " + e.dtype + " elements is more than jgrad converts");
        ByteBuffer b = ByteBuffer.allocate((int) (count * width)).order(ByteOrder.LITTLE_ENDIAN);
        while (b.hasRemaining()) if (in.read(b) < 0) throw new java.io.EOFException("after " + b.position() + " of " + b.capacity() + " bytes");
        b.flip();
        int n = (int) count;
        boolean toFloat = e.dtype.equals("F16") || e.dtype.equals("BF16");
        ByteBuffer c = ByteBuffer.allocate(n * (toFloat ? 4 : 8)).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            switch (e.dtype) {
                case "F16": c.putFloat(halfToFloat(b.getShort())); break;
                case "BF16": c.putFloat(Float.intBitsToFloat((b.getShort() & 0xffff) << 16)); break;
                case "I8": c.putLong(b.get()); break;
                case "U8": c.putLong(b.get() & 0xff); break;
                case "I16": c.putLong(b.getShort()); break;
                default: c.putLong(b.getInt()); break;
            }
        }
        c.flip();
        return Tensor.readBytes(Channels.newChannel(new java.io.ByteArrayInputStream(c.array(), 0, c.limit())), toFloat ? DType.FLOAT32 : DType.INT64,
                e.shape);
    }

    /** IEEE binary16 to float, exactly (subnormals, infinities and NaN included). */
    static float halfToFloat(short h) {
        int bits = h & 0xffff;
        int sign = (bits & 0x8000) << 16, exp = (bits >>> 10) & 0x1f, mant = bits & 0x3ff;
        if (exp == 0x1f) return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
        if (exp == 0) {
            float v = mant * 0x1p-24f;  // subnormal (or zero): exact in float
            return sign != 0 ? -v : v;
        }
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }

    private static int width(String dtype) {
        switch (dtype) {
            case "F64": case "I64": return 8;
            case "F32": case "I32": return 4;
            case "F16": case "BF16": case "I16": return 2;
            case "BOOL": case "I8": case "U8": return 1;
            default: return -1;
        }
    }

    private static IOException bad(String file, String problem) {
        return new IOException(file + ": not a valid safetensors file: " + problem);
    }

    private static Header readHeader(String file, SeekableByteChannel ch) throws IOException {
        long size = ch.size();
        if (size < 8) throw bad(file, "it has " + size + " bytes, fewer than the 8 of the header length");
        ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        ch.position(0);
        while (lenBuf.hasRemaining()) if (ch.read(lenBuf) < 0) throw bad(file, "it ends inside the header length");
        long n = lenBuf.getLong(0);
        if (n < 2 || n > MAX_HEADER) throw bad(file, "header length " + Long.toUnsignedString(n) + " is outside 2.." + MAX_HEADER + " bytes");
        if (n > size - 8) throw bad(file, "header length " + n + " runs past the end of the file (" + size + " bytes)");
        ByteBuffer hb = ByteBuffer.allocate((int) n);
        while (hb.hasRemaining()) if (ch.read(hb) < 0) throw bad(file, "it ends inside the header");
        hb.flip();
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(hb).toString();
        } catch (CharacterCodingException e) {
            throw bad(file, "the header is not UTF-8");
        }
        Header h = new Header();
        h.dataStart = 8 + n;
        try {
            parse(text, h);
        } catch (IOException | IllegalStateException | NumberFormatException e) {
            throw bad(file, "the header is not the expected JSON (" + e.getMessage() + ")");
        } catch (IllegalArgumentException e) {
            throw bad(file, e.getMessage());
        }
        validate(file, h, size - h.dataStart);
        return h;
    }

    private static void parse(String text, Header h) throws IOException {
        JsonReader r = new JsonReader(new StringReader(text));
        r.setStrictness(com.google.gson.Strictness.STRICT);
        r.beginObject();
        java.util.Set<String> seen = new java.util.HashSet<>();
        while (r.hasNext()) {
            String name = r.nextName();
            if (!seen.add(name)) throw new IllegalArgumentException("the header names \"" + name + "\" twice");
            if (name.equals(METADATA)) {
                r.beginObject();
                while (r.hasNext()) {
                    String k = r.nextName();
                    if (r.peek() != JsonToken.STRING) throw new IllegalArgumentException("__metadata__ value of \"" + k + "\" is not a string");
                    h.metadata.put(k, r.nextString());
                }
                r.endObject();
                continue;
            }
            String dtype = null;
            long[] shape = null;
            long[] offsets = null;
            r.beginObject();
            while (r.hasNext()) {
                String field = r.nextName();
                switch (field) {
                    case "dtype": dtype = r.nextString(); break;
                    case "shape": shape = longs(r, "shape of \"" + name + "\""); break;
                    case "data_offsets": offsets = longs(r, "data_offsets of \"" + name + "\""); break;
                    default: throw new IllegalArgumentException("tensor \"" + name + "\" has an unknown field \"" + field + "\"");
                }
            }
            r.endObject();
            if (dtype == null || shape == null || offsets == null)
                throw new IllegalArgumentException("tensor \"" + name + "\" lacks " + (dtype == null ? "dtype" : shape == null ? "shape" : "data_offsets"));
            if (offsets.length != 2) throw new IllegalArgumentException("data_offsets of \"" + name + "\" has " + offsets.length + " numbers, not 2");
            h.entries.add(new Entry(name, dtype, shape, offsets[0], offsets[1]));
        }
        r.endObject();
        // only padding may follow the object
        if (r.peek() != JsonToken.END_DOCUMENT) throw new IllegalArgumentException("the header has text after its JSON object");
    }

    private static long[] longs(JsonReader r, String what) throws IOException {
        List<Long> v = new ArrayList<>();
        r.beginArray();
        while (r.hasNext()) {
            if (r.peek() != JsonToken.NUMBER) throw new IllegalArgumentException(what + " holds a non-number");
            String s = r.nextString();
            long x;
            try {
                x = Long.parseLong(s);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(what + " holds " + s + ", not an integer in range");
            }
            if (x < 0) throw new IllegalArgumentException(what + " holds the negative number " + x);
            v.add(x);
        }
        r.endArray();
        long[] out = new long[v.size()];
        for (int i = 0; i < out.length; i++) out[i] = v.get(i);
        return out;
    }

    private static void validate(String file, Header h, long dataLength) throws IOException {
        for (Entry e : h.entries) {
            int w = width(e.dtype);
            if (w < 0) throw bad(file, "tensor \"" + e.name + "\" has dtype " + e.dtype + "; jgrad reads F32, F64, I64, BOOL, F16, BF16, I32, I16, I8 and U8");
            if (e.shape.length > 12) throw bad(file, "tensor \"" + e.name + "\" has " + e.shape.length + " dimensions; jgrad has at most 12");
            long numel = 1;
            try {
                for (long d : e.shape) numel = Math.multiplyExact(numel, d);
                long bytes = Math.multiplyExact(numel, (long) w);
                if (e.end < e.begin) throw bad(file, "tensor \"" + e.name + "\" has reversed data_offsets [" + e.begin + ", " + e.end + "]");
                if (e.end > dataLength)
                    throw bad(file, "tensor \"" + e.name + "\" has data_offsets [" + e.begin + ", " + e.end + "] beyond the " + dataLength + " data bytes");
                if (e.end - e.begin != bytes)
                    throw bad(file, "tensor \"" + e.name + "\" of shape " + Arrays.toString(e.shape) + " and dtype " + e.dtype + " needs " + bytes
                            + " bytes, but its data_offsets [" + e.begin + ", " + e.end + "] hold " + (e.end - e.begin));
            } catch (ArithmeticException x) {
                throw bad(file, "tensor \"" + e.name + "\" has shape " + Arrays.toString(e.shape) + ", whose byte count overflows");
            }
        }
        // the data is fully indexed: sorted by offset, each range starts where the previous ended
        List<Entry> sorted = new ArrayList<>(h.entries);
        sorted.sort(Comparator.comparingLong((Entry e) -> e.begin).thenComparingLong(e -> e.end));
        long at = 0;
        for (Entry e : sorted) {
            if (e.begin < at) throw bad(file, "tensor \"" + e.name + "\" overlaps the tensor before it (starts at " + e.begin + ", before " + at + ")");
            if (e.begin > at) throw bad(file, "the data has a hole from byte " + at + " to " + e.begin + " before tensor \"" + e.name + "\"");
            at = e.end;
        }
        if (at != dataLength) throw bad(file, "the data has " + dataLength + " bytes but the tensors index " + at + " (a hole at the end)");
    }

    /** A read-only channel over a byte array. */
    private static final class BytesChannel implements SeekableByteChannel {
        private final byte[] data;
        private int pos;
        private boolean open = true;

        BytesChannel(byte[] data) {
            this.data = java.util.Objects.requireNonNull(data, "data");
        }

        @Override
        public int read(ByteBuffer dst) {
            if (pos >= data.length) return dst.hasRemaining() ? -1 : 0;
            int n = Math.min(dst.remaining(), data.length - pos);
            dst.put(data, pos, n);
            pos += n;
            return n;
        }

        @Override
        public int write(ByteBuffer src) {
            throw new java.nio.channels.NonWritableChannelException();
        }

        @Override
        public long position() {
            return pos;
        }

        @Override
        public SeekableByteChannel position(long p) {
            if (p < 0) throw new IllegalArgumentException("negative position " + p);
            pos = (int) Math.min(p, data.length);
            return this;
        }

        @Override
        public long size() {
            return data.length;
        }

        @Override
        public SeekableByteChannel truncate(long size) {
            throw new java.nio.channels.NonWritableChannelException();
        }

        @Override
        public boolean isOpen() {
            return open;
        }

        @Override
        public void close() {
            open = false;
        }
    }
}
