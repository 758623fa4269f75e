package org.jgrad.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jgrad.DType;
import org.jgrad.Scope;
import org.jgrad.Tensor;
import org.jgrad.nn.Linear;
import org.jgrad.nn.ReLU;
import org.jgrad.nn.Sequential;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafeTensorsTest {
    @TempDir
    Path dir;

    /** A file laid out as the specification says: u64 header length, JSON header padded with spaces, data. */
    static byte[] file(String json, int pad, byte[] data) {
        byte[] h = json.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + pad + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length + pad).put(h);
        for (int i = 0; i < pad; i++) b.put((byte) ' ');
        b.put(data);
        return b.array();
    }

    static byte[] le(Object... values) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Object v : values) {
            ByteBuffer b;
            if (v instanceof Float) b = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat((Float) v);
            else if (v instanceof Double) b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putDouble((Double) v);
            else if (v instanceof Long) b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong((Long) v);
            else if (v instanceof Short) b = ByteBuffer.allocate(2).order(ByteOrder.LITTLE_ENDIAN).putShort((Short) v);
            else if (v instanceof Integer) b = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt((Integer) v);
            else b = ByteBuffer.allocate(1).put((Byte) v);
            out.writeBytes(b.array());
        }
        return out.toByteArray();
    }

    Path write(String name, byte[] bytes) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, bytes);
        return p;
    }

    @Test
    void readsAFileBuiltFromTheSpecification() throws IOException {
        // what safetensors.torch.save_file({"w": ..., "step": ..., "mask": ..., "h": ..., "bf": ...}, f, {"format": "pt"}) lays out
        String json = "{\"__metadata__\":{\"format\":\"pt\"},"
                + "\"w\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]},"
                + "\"d\":{\"dtype\":\"F64\",\"shape\":[],\"data_offsets\":[16,24]},"
                + "\"step\":{\"dtype\":\"I64\",\"shape\":[2],\"data_offsets\":[24,40]},"
                + "\"mask\":{\"dtype\":\"BOOL\",\"shape\":[3],\"data_offsets\":[40,43]},"
                + "\"h\":{\"dtype\":\"F16\",\"shape\":[4],\"data_offsets\":[43,51]},"
                + "\"bf\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[51,55]},"
                + "\"i\":{\"dtype\":\"I32\",\"shape\":[1],\"data_offsets\":[55,59]},"
                + "\"empty\":{\"dtype\":\"F32\",\"shape\":[0,3],\"data_offsets\":[59,59]}}";
        byte[] data = le(1.5f, -2f, 3f, 0.25f, Math.PI, 7L, -9L, (byte) 1, (byte) 0, (byte) 1,
                (short) 0x3c00, (short) 0xc000, (short) 0x0001, (short) 0x7c00,   // 1, -2, the smallest subnormal, +inf
                (short) 0x3fc0, (short) 0xc2f7,                                   // bf16 1.5, -123.5
                -5);
        Path p = write("spec.safetensors", file(json, 5, data));
        try (Scope s = Scope.open()) {
            Map<String, Tensor> m = SafeTensors.load(p);
            assertEquals(List.of("w", "d", "step", "mask", "h", "bf", "i", "empty"), List.copyOf(m.keySet()));
            assertArrayEquals(new float[] {1.5f, -2f, 3f, 0.25f}, m.get("w").toFloatArray());
            assertArrayEquals(new long[] {2, 2}, m.get("w").shape());
            assertEquals(0, m.get("d").dim());
            assertEquals(Math.PI, m.get("d").item());
            assertArrayEquals(new long[] {7, -9}, m.get("step").toLongArray());
            assertArrayEquals(new boolean[] {true, false, true}, m.get("mask").toBooleanArray());
            assertEquals(DType.FLOAT32, m.get("h").dtype());
            assertArrayEquals(new float[] {1f, -2f, 0x1p-24f, Float.POSITIVE_INFINITY}, m.get("h").toFloatArray());
            assertArrayEquals(new float[] {1.5f, -123.5f}, m.get("bf").toFloatArray());
            assertEquals(DType.INT64, m.get("i").dtype());
            assertArrayEquals(new long[] {-5}, m.get("i").toLongArray());
            assertArrayEquals(new long[] {0, 3}, m.get("empty").shape());
            assertEquals(Map.of("format", "pt"), SafeTensors.metadata(p));
        }
    }

    @Test
    void writesTheSpecificationsLayoutAndReadsItBack() throws IOException {
        Path p = dir.resolve("out.safetensors");
        try (Scope s = Scope.open()) {
            Map<String, Tensor> m = new LinkedHashMap<>();
            m.put("a.weight", Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3).t());  // a view: written in logical order
            m.put("b", Tensor.of(new long[] {-1, 1L << 40}, 2));
            m.put("c", Tensor.of(new boolean[] {false, true}, 2));
            m.put("d", Tensor.scalar(0.5).to(DType.FLOAT64));
            SafeTensors.save(m, p, Map.of("format", "pt"));

            byte[] bytes = Files.readAllBytes(p);
            ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
            long n = b.getLong();
            assertEquals(0, n % 8, "the data starts 8-byte aligned");
            String header = new String(bytes, 8, (int) n, StandardCharsets.UTF_8);
            assertEquals("{\"__metadata__\":{\"format\":\"pt\"},"
                    + "\"a.weight\":{\"dtype\":\"F32\",\"shape\":[3,2],\"data_offsets\":[0,24]},"
                    + "\"b\":{\"dtype\":\"I64\",\"shape\":[2],\"data_offsets\":[24,40]},"
                    + "\"c\":{\"dtype\":\"BOOL\",\"shape\":[2],\"data_offsets\":[40,42]},"
                    + "\"d\":{\"dtype\":\"F64\",\"shape\":[],\"data_offsets\":[42,50]}}", header.strip());
            assertEquals(8 + n + 50, bytes.length, "no bytes beyond the last tensor");
            b.position((int) (8 + n));
            float[] w = new float[6];
            for (int i = 0; i < 6; i++) w[i] = b.getFloat();
            assertArrayEquals(new float[] {1, 4, 2, 5, 3, 6}, w);
            assertEquals(-1L, b.getLong());
            assertEquals(1L << 40, b.getLong());
            assertEquals(0, b.get());
            assertEquals(1, b.get());
            assertEquals(0.5, b.getDouble());

            Map<String, Tensor> back = SafeTensors.load(p);
            assertEquals(List.copyOf(m.keySet()), List.copyOf(back.keySet()));
            for (String k : m.keySet()) {
                assertArrayEquals(m.get(k).shape(), back.get(k).shape(), k);
                assertEquals(m.get(k).dtype(), back.get(k).dtype(), k);
                assertArrayEquals(m.get(k).toDoubleArray(), back.get(k).toDoubleArray(), k);
            }
        }
        assertEquals(List.of("out.safetensors"), List.of(dir.toFile().list()), "the temporary file is gone");
    }

    @Test
    void bytesInMemoryAreTheFilesBytes() throws IOException {
        try (Scope s = Scope.open()) {
            Map<String, Tensor> t = new LinkedHashMap<>();
            t.put("w", Tensor.of(new float[] {1.5f, -2, 3, 4, 5, 6}, 2, 3).transpose(0, 1));  // a view: written in logical order
            t.put("n", Tensor.of(new long[] {7, -8}, 2));
            t.put("d", Tensor.of(new double[] {Math.PI}, 1));
            Map<String, String> meta = Map.of("format", "pt");
            Path p = dir.resolve("m.safetensors");
            SafeTensors.save(t, p, meta);
            byte[] bytes = SafeTensors.toBytes(t, meta);
            assertArrayEquals(Files.readAllBytes(p), bytes);
            Map<String, Tensor> back = SafeTensors.fromBytes(bytes, org.jgrad.Device.CPU);
            assertEquals(List.of("w", "n", "d"), new java.util.ArrayList<>(back.keySet()));
            assertArrayEquals(new float[] {1.5f, 4, -2, 5, 3, 6}, back.get("w").toFloatArray());
            assertArrayEquals(new long[] {3, 2}, back.get("w").shape());
            assertArrayEquals(new long[] {7, -8}, back.get("n").toLongArray());
            assertEquals(Math.PI, back.get("d").toDoubleArray()[0]);
            assertEquals(meta, SafeTensors.metadata(bytes));
            // a truncated copy fails before any tensor is made
            byte[] cut = java.util.Arrays.copyOf(bytes, bytes.length - 3);
            IOException e = assertThrows(IOException.class, () -> SafeTensors.fromBytes(cut, org.jgrad.Device.CPU));
            assertTrue(e.getMessage().contains("safetensors bytes") && e.getMessage().contains("beyond"), e.getMessage());
        }
    }

    static final String F32_2 = "\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}";

    @Test
    void hostileAndBrokenFilesAreRejectedWithTheProblemNamed() throws IOException {
        byte[] eight = new byte[8];
        Object[][] cases = {
            {"short", new byte[] {1, 2, 3}, "fewer than the 8"},
            {"huge-length", ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(1L << 40).array(), "outside 2..100000000"},
            {"negative-length", ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(-5).array(), "outside 2.."},
            {"past-end", ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(100).array(), "runs past the end"},
            {"not-json", file("{\"x\": nope}", 0, eight), "not the expected JSON"},
            {"array", file("[1,2]", 0, eight), "not the expected JSON"},
            {"trailing", file("{" + F32_2 + "}{}", 0, eight), "not the expected JSON"},
            {"dtype", file("{\"x\":{\"dtype\":\"F8_E4M3\",\"shape\":[8],\"data_offsets\":[0,8]}}", 0, eight), "dtype F8_E4M3"},
            {"out-of-range", file("{\"x\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", 0, eight), "beyond the 8 data bytes"},
            {"reversed", file("{\"x\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,0]}}", 0, eight), "reversed"},
            {"overlap", file("{" + F32_2 + ",\"y\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 0, eight), "overlaps"},
            {"hole", file("{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 0, eight), "hole from byte 0 to 4"},
            {"hole-at-end", file("{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 0, eight), "hole at the end"},
            {"count", file("{\"x\":{\"dtype\":\"F64\",\"shape\":[2],\"data_offsets\":[0,8]}}", 0, eight), "needs 16 bytes"},
            {"overflow", file("{\"x\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296,4294967296],\"data_offsets\":[0,8]}}", 0, eight), "overflows"},
            {"negative-dim", file("{\"x\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", 0, eight), "negative"},
            {"fraction", file("{\"x\":{\"dtype\":\"F32\",\"shape\":[2.5],\"data_offsets\":[0,8]}}", 0, eight), "not an integer"},
            {"duplicate", file("{" + F32_2 + "," + F32_2 + "}", 0, eight), "twice"},
            {"missing", file("{\"x\":{\"dtype\":\"F32\",\"shape\":[2]}}", 0, eight), "lacks data_offsets"},
            {"unknown-field", file("{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8],\"extra\":1}}", 0, eight), "unknown field"},
            {"metadata", file("{\"__metadata__\":{\"k\":3}," + F32_2 + "}", 0, eight), "not a string"},
            {"entry-not-object", file("{\"\u00e9\":1}", 0, eight), "not the expected JSON"},
        };
        for (Object[] c : cases) {
            Path p = write(c[0] + ".safetensors", (byte[]) c[1]);
            IOException e = assertThrows(IOException.class, () -> SafeTensors.load(p), (String) c[0]);
            assertTrue(e.getMessage().contains(p.toString()) && e.getMessage().contains((String) c[2]), c[0] + ": " + e.getMessage());
            // the same bytes in memory: the same checks, the source named as bytes
            IOException m = assertThrows(IOException.class, () -> SafeTensors.fromBytes((byte[]) c[1], org.jgrad.Device.CPU), (String) c[0]);
            assertTrue(m.getMessage().contains("safetensors bytes") && m.getMessage().contains((String) c[2]), c[0] + ": " + m.getMessage());
        }
        // invalid UTF-8 in the header
        byte[] bad = file("{\"x\":1}", 0, eight);
        bad[10] = (byte) 0xff;
        Path p = write("bad-utf8.safetensors", bad);
        IOException e = assertThrows(IOException.class, () -> SafeTensors.load(p));
        assertTrue(e.getMessage().contains("not UTF-8"), e.getMessage());
    }

    @Test
    void modulesSaveAndLoadAndABadFileChangesNothing() throws IOException {
        Tensor.manualSeed(1);
        Sequential a = new Sequential(new Linear(4, 3), new ReLU(), new Linear(3, 2));
        Tensor.manualSeed(2);
        Sequential b = new Sequential(new Linear(4, 3), new ReLU(), new Linear(3, 2));
        Path p = dir.resolve("mlp.safetensors");
        a.save(p);
        b.load(p);
        for (String k : a.stateDict().keySet()) {
            assertArrayEquals(a.stateDict().get(k).toFloatArray(), b.stateDict().get(k).toFloatArray(), k);
        }
        // a model of another shape: an error naming the key, and nothing copied
        Sequential c = new Sequential(new Linear(4, 5), new ReLU(), new Linear(5, 2));
        float[] before = c.stateDict().get("0.weight").toFloatArray();
        IllegalArgumentException mismatch = assertThrows(IllegalArgumentException.class, () -> c.load(p));
        assertTrue(mismatch.getMessage().contains("0.weight"), mismatch.getMessage());
        assertArrayEquals(before, c.stateDict().get("0.weight").toFloatArray());
        // a truncated file: an IOException, and the model keeps its values
        byte[] bytes = Files.readAllBytes(p);
        Path cut = write("cut.safetensors", java.util.Arrays.copyOf(bytes, bytes.length - 4));
        float[] kept = b.stateDict().get("2.bias").toFloatArray();
        assertThrows(IOException.class, () -> b.load(cut));
        assertArrayEquals(kept, b.stateDict().get("2.bias").toFloatArray());
        a.close();
        b.close();
        c.close();
    }
}
