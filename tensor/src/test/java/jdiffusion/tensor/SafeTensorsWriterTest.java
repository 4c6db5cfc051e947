package jdiffusion.tensor;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static jdiffusion.tensor.LittleEndianTensors.*;
import static org.junit.jupiter.api.Assertions.*;

class SafeTensorsWriterTest {
    @Test
    void everyDtypeRoundTripsWithShapesAndMetadata(@TempDir Path dir) {
        Map<String, Tensor> in = new LinkedHashMap<>();
        in.put("f32", Tensor.of(new float[]{1, -2.5f, 3e-8f, Float.MAX_VALUE, -0f, 6}, 2, 3));
        in.put("f16", f16(new float[]{1, -2, 0.5f, 65504, 0.000061035156f}, 5));
        in.put("bf16", bf16(new float[]{1, -3, 1e30f, 0.15625f}, 2, 2));
        in.put("i64", i64(new long[]{0, -1, Long.MAX_VALUE, 49407}, 4));
        in.put("i32", i32(new int[]{7, -7, Integer.MIN_VALUE}, 3, 1));
        in.put("u8", u8(new byte[]{0, 1, (byte) 200, (byte) 255}, 1, 4));
        in.put("scalar", Tensor.of(new float[]{3.5f}));
        in.put("empty", Tensor.of(new float[0], 0, 3));
        in.put("empty_f16", f16(new float[0], 2, 0));
        in.put("we\"ird\\name\u0001/\u00fc\uD83D\uDE00", Tensor.of(new float[]{42}, 1));
        Path f = dir.resolve("all.safetensors");
        SafeTensorsWriter.write(f, in, Map.of("format", "pt", "ünïcode", "ok \"quoted\"\n"), false);
        try (SafeTensors st = SafeTensors.open(f)) {
            assertEquals(List.copyOf(in.keySet()), List.copyOf(st.names()), "header keeps insertion order");
            assertEquals(Map.of("format", "pt", "ünïcode", "ok \"quoted\"\n"), st.metadata());
            for (var e : in.entrySet()) {
                Tensor want = e.getValue(), got = st.get(e.getKey());
                assertEquals(want.dtype(), got.dtype(), e.getKey());
                assertArrayEquals(want.shape(), got.shape(), e.getKey());
                assertArrayEquals(want.toFloatArray(), got.toFloatArray(), e.getKey());
                if (!want.dtype().isFloating()) assertArrayEquals(want.toLongArray(), got.toLongArray(), e.getKey());
            }
            assertEquals(0, st.headerBytes() % 8, "data starts 8-aligned");
        }
    }

    @Test
    void headerIsStandardJsonPaddedWithSpaces(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("pad.safetensors");
        SafeTensorsWriter.write(f, Map.of("a", Tensor.of(new float[]{0, 1}, 2)));
        byte[] bytes = Files.readAllBytes(f);
        long n = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        assertEquals(0, n % 8);
        String header = new String(bytes, 8, (int) n, StandardCharsets.UTF_8);
        assertEquals("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", header.stripTrailing());
        assertTrue(header.substring(header.stripTrailing().length()).chars().allMatch(c -> c == ' '));
        assertEquals(8 + n + 8, bytes.length);
    }

    @Test
    void stridedViewsAreWrittenInRowMajorOrder(@TempDir Path dir) {
        float[] v = new float[24];
        for (int i = 0; i < v.length; i++) v[i] = i;
        Tensor base = Tensor.of(v, 2, 3, 4);
        Tensor permuted = base.permute(2, 0, 1);                 // [4,2,3], innermost stride 4
        Tensor narrowed = base.narrow(2, 1, 2);                   // [2,3,2], rows with gaps
        Tensor half = f16(v, 4, 6).transpose(0, 1);               // F16 non-contiguous
        Tensor picked = base.select(0, 1);                        // contiguous with an offset
        Map<String, Tensor> in = new LinkedHashMap<>();
        in.put("permuted", permuted);
        in.put("narrowed", narrowed);
        in.put("half", half);
        in.put("picked", picked);
        in.put("ids_t", i64(new long[]{1, 2, 3, 4, 5, 6}, 2, 3).transpose(0, 1));
        in.put("i32_t", i32(new int[]{1, -2, 3, -4, 5, -6}, 3, 2).transpose(0, 1));
        in.put("bytes_t", u8(new byte[]{1, 2, 3, 4, 5, 6}, 2, 3).transpose(0, 1));
        in.put("bf16_n", bf16(v, 6, 4).narrow(1, 1, 2));
        Path f = dir.resolve("views.safetensors");
        SafeTensorsWriter.write(f, in);
        try (SafeTensors st = SafeTensors.open(f)) {
            for (var e : in.entrySet()) {
                assertArrayEquals(e.getValue().shape(), st.get(e.getKey()).shape(), e.getKey());
                assertArrayEquals(e.getValue().toFloatArray(), st.get(e.getKey()).toFloatArray(), e.getKey());
            }
        }
    }

    @Test
    void largeStridedTensorCrossesStagingChunks(@TempDir Path dir) {
        int rows = 1100, cols = 1500; // 6.6 MB of F32, more than one staging buffer, transposed
        float[] v = new float[rows * cols];
        for (int i = 0; i < v.length; i++) v[i] = i * 0.5f;
        Tensor t = Tensor.of(v, rows, cols).transpose(0, 1);
        Path f = dir.resolve("big.safetensors");
        SafeTensorsWriter.write(f, Map.of("t", t, "c", Tensor.of(v, rows, cols)));
        try (SafeTensors st = SafeTensors.open(f)) {
            assertArrayEquals(t.toFloatArray(), st.get("t").toFloatArray());
            assertArrayEquals(v, st.get("c").toFloatArray());
        }
    }

    @Test
    void resavingAMappedCheckpointReproducesEveryTensorByteForByte(@TempDir Path dir) throws IOException {
        Path copy = dir.resolve("copy.safetensors");
        try (SafeTensors src = SafeTensors.open(jdiffusion.tensor.testing.Golden.model("tiny-sd15.fp16.safetensors"))) {
            SafeTensorsWriter w = new SafeTensorsWriter();
            src.metadata().forEach(w::metadata);
            for (String n : src.names()) w.add(n, src.get(n));
            w.write(copy);
            try (SafeTensors back = SafeTensors.open(copy)) {
                assertEquals(List.copyOf(src.names()), List.copyOf(back.names()));
                assertEquals(src.metadata(), back.metadata());
                assertEquals(src.dataBytes(), back.dataBytes());
                for (String n : src.names()) {
                    MemorySegment a = src.get(n).host().segment(), b = back.get(n).host().segment();
                    assertEquals(-1, a.mismatch(b), n);
                }
            }
        }
    }

    @Test
    void existingFileIsKeptUnlessOverwriteIsAsked(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("model.safetensors");
        Files.writeString(f, "precious");
        SafeTensorsException e = assertThrows(SafeTensorsException.class,
                () -> SafeTensorsWriter.write(f, Map.of("a", Tensor.of(new float[]{1}, 1))));
        assertTrue(e.getMessage().contains("model.safetensors") && e.getMessage().contains("already exists"), e.getMessage());
        assertEquals("precious", Files.readString(f));
        SafeTensorsWriter.write(f, Map.of("a", Tensor.of(new float[]{1}, 1)), Map.of(), true);
        try (SafeTensors st = SafeTensors.open(f)) {
            assertEquals(1f, st.get("a").getFloat(0));
        }
        assertEquals(List.of(f), onlyFiles(dir), "no temporary file left behind");
    }

    @Test
    void writtenFileHasTheUsualPermissionsNotThoseOfATempFile(@TempDir Path dir) throws IOException {
        Assumptions.assumeTrue(dir.getFileSystem().supportedFileAttributeViews().contains("posix"));
        Path plain = Files.createFile(dir.resolve("plain"));
        Path f = dir.resolve("perm.safetensors");
        SafeTensorsWriter.write(f, Map.of("a", Tensor.of(new float[]{1}, 1)));
        assertEquals(Files.getPosixFilePermissions(plain), Files.getPosixFilePermissions(f));
    }

    @Test
    void failingSourceLeavesNoFileBehind(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("broken.safetensors");
        SafeTensorsWriter w = new SafeTensorsWriter()
                .add("ok", Tensor.of(new float[]{1, 2}, 2))
                .add("short", DType.F32, new int[]{4}, sink -> sink.write(MemorySegment.ofArray(new byte[8])));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> w.write(f));
        assertTrue(e.getMessage().contains("\"short\""), e.getMessage());
        assertEquals(List.of(), onlyFiles(dir));
        SafeTensorsWriter tooLong = new SafeTensorsWriter()
                .add("long", DType.U8, new int[]{2}, sink -> sink.write(MemorySegment.ofArray(new byte[3])));
        assertThrows(IllegalStateException.class, () -> tooLong.write(f));
        assertEquals(List.of(), onlyFiles(dir));
    }

    @Test
    void streamedSourceAndPlainTensorsShareOneFile(@TempDir Path dir) {
        Path f = dir.resolve("mixed.safetensors");
        new SafeTensorsWriter()
                .metadata("k", "v")
                .add("first", Tensor.of(new float[]{9}, 1))
                .add("streamed", DType.I32, new int[]{3, 1000}, sink -> {
                    for (int chunk = 0; chunk < 3; chunk++) {
                        ByteBuffer b = sink.staging();
                        for (int i = 0; i < 1000; i++) b.putInt(chunk * 1000 + i);
                        sink.write(b.flip());
                    }
                })
                .write(f);
        try (SafeTensors st = SafeTensors.open(f)) {
            long[] ids = st.get("streamed").toLongArray();
            for (int i = 0; i < ids.length; i++) assertEquals(i, ids[i]);
            assertEquals(Map.of("k", "v"), st.metadata());
        }
    }

    @Test
    void badNamesAreRefusedBeforeWriting() {
        SafeTensorsWriter w = new SafeTensorsWriter().add("a", Tensor.of(new float[]{1}, 1));
        assertThrows(IllegalArgumentException.class, () -> w.add("a", Tensor.of(new float[]{1}, 1)));
        assertThrows(IllegalArgumentException.class, () -> w.add("__metadata__", Tensor.of(new float[]{1}, 1)));
        assertThrows(IllegalArgumentException.class, () -> w.add("bad\uD800", Tensor.of(new float[]{1}, 1)));
    }

    private static List<Path> onlyFiles(Path dir) throws IOException {
        try (var s = Files.list(dir)) { return s.sorted().toList(); }
    }
}
