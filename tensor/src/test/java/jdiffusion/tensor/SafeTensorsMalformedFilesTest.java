package jdiffusion.tensor;

import jdiffusion.tensor.json.Json;
import jdiffusion.tensor.testing.Golden;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** Every file of {@code golden/safetensors_bad}: malformed ones fail at open with a clear message, controls load. */
class SafeTensorsMalformedFilesTest {
    /** Words the message must hold for the files we know, beyond the file name (tensor names are quoted). */
    private static final Map<String, List<String>> EXPECTED_WORDS = Map.ofEntries(
            Map.entry("header_len_exceeds_file.safetensors", List.of("header length", "past the end")),
            Map.entry("header_len_2pow63.safetensors", List.of("9223372036854775808", "limit")),
            Map.entry("header_len_max_u64.safetensors", List.of("18446744073709551615", "limit")),
            Map.entry("header_not_json.safetensors", List.of("not a JSON object")),
            Map.entry("header_json_array.safetensors", List.of("not a JSON object")),
            Map.entry("header_invalid_utf8.safetensors", List.of("UTF-8")),
            Map.entry("offsets_out_of_range.safetensors", List.of("\"a\"", "240", "past")),
            Map.entry("overlapping_tensors.safetensors", List.of("\"b\"", "\"a\"", "overlaps")),
            Map.entry("gap_between_tensors.safetensors", List.of("\"b\"", "gap of 8")),
            Map.entry("dtype_unknown.safetensors", List.of("\"a\"", "F33")),
            Map.entry("shape_bytes_mismatch.safetensors", List.of("\"a\"", "needs 24 bytes", "span 20")),
            Map.entry("truncated_data.safetensors", List.of("\"a\"", "truncated")),
            Map.entry("truncated_header.safetensors", List.of("header")),
            Map.entry("empty_file.safetensors", List.of("0 bytes")),
            Map.entry("only_4_bytes.safetensors", List.of("4 bytes")),
            Map.entry("negative_shape.safetensors", List.of("\"a\"", "negative")),
            Map.entry("offsets_reversed.safetensors", List.of("\"a\"", "reversed")),
            Map.entry("shape_overflow.safetensors", List.of("\"a\"", "overflows")),
            Map.entry("metadata_not_string.safetensors", List.of("__metadata__", "\"k\"", "not a string")),
            Map.entry("trailing_garbage.safetensors", List.of("8 bytes after", "\"a\"")));

    @TestFactory
    List<DynamicTest> everyIndexedFileIsRejectedCleanlyOrLoads() throws IOException {
        Path dir = Golden.file("safetensors_bad");
        Map<String, Object> index = Json.parseObject(Files.readString(dir.resolve("index.json")));
        @SuppressWarnings("unchecked")
        Map<String, Object> files = (Map<String, Object>) index.get("files");
        assertFalse(files.isEmpty(), "index lists no files");
        List<DynamicTest> tests = new ArrayList<>();
        for (Map.Entry<String, Object> f : files.entrySet()) {
            String name = f.getKey();
            @SuppressWarnings("unchecked")
            Map<String, Object> info = (Map<String, Object>) f.getValue();
            boolean valid = Boolean.TRUE.equals(info.get("valid"));
            Path file = dir.resolve(name);
            tests.add(DynamicTest.dynamicTest(name + (valid ? " loads" : " is rejected"), () -> {
                assertTrue(Files.isRegularFile(file), "indexed file missing: " + file);
                if (valid) assertLoads(file);
                else assertRejected(file, info.get("what"));
            }));
        }
        return tests;
    }

    private static void assertLoads(Path file) {
        try (SafeTensors st = SafeTensors.open(file)) {
            for (String n : st.names()) {
                Tensor t = st.get(n);
                assertEquals(t.numel(), t.toFloatArray().length);
            }
        }
    }

    private static void assertRejected(Path file, Object what) {
        String name = file.getFileName().toString();
        SafeTensorsException e = assertThrows(SafeTensorsException.class, () -> {
            try (SafeTensors st = SafeTensors.open(file)) {
                for (String n : st.names()) st.get(n).toFloatArray();
            }
        }, name + " (" + what + ") must be rejected");
        String m = e.getMessage();
        assertTrue(m.contains(name), "message names the file: " + m);
        assertFalse(m.contains("\n"), "message is one line: " + m);
        for (String word : EXPECTED_WORDS.getOrDefault(name, List.of()))
            assertTrue(m.contains(word), "message for " + name + " should mention " + word + ": " + m);
    }

    @Test
    void validControlFilesHoldTheirDocumentedValues() {
        Path dir = Golden.file("safetensors_bad");
        try (SafeTensors st = SafeTensors.open(dir.resolve("valid_control.safetensors"))) {
            assertArrayEquals(new float[]{0, 1, 2, 3, 4, 5}, st.get("a").toFloatArray());
            assertArrayEquals(new int[]{2, 3}, st.get("a").shape());
            assertArrayEquals(new float[]{1, -2, 0.5f, 65504}, st.get("b").toFloatArray());
            assertEquals(DType.F16, st.get("b").dtype());
            assertEquals(Map.of("format", "pt"), st.metadata());
        }
        try (SafeTensors st = SafeTensors.open(dir.resolve("valid_unaligned_header.safetensors"))) {
            assertEquals(8 + 61, st.headerBytes());
            assertArrayEquals(new float[]{0, 1}, st.get("a").toFloatArray());
        }
        try (SafeTensors st = SafeTensors.open(dir.resolve("valid_scalar_and_empty.safetensors"))) {
            Tensor scalar = st.get("scalar");
            assertEquals(0, scalar.rank());
            assertEquals(3.5f, scalar.getFloat());
            Tensor empty = st.get("empty");
            assertArrayEquals(new int[]{0, 3}, empty.shape());
            assertEquals(0, empty.toFloatArray().length);
        }
    }

    // ---- cases beyond the golden folder ----

    @Test
    void headerLengthsAtTheSignedAndUnsignedLimitsAreRefusedWithoutAllocating(@TempDir Path dir) throws IOException {
        for (long n : new long[]{Long.MIN_VALUE, -1L, Long.MAX_VALUE, SafeTensors.MAX_HEADER_BYTES + 1, 1L << 40}) {
            Path f = dir.resolve("len.safetensors");
            Files.write(f, withLength(n, "{}"));
            SafeTensorsException e = assertThrows(SafeTensorsException.class, () -> SafeTensors.open(f).close());
            assertTrue(e.getMessage().contains(Long.toUnsignedString(n)), e.getMessage());
        }
    }

    @Test
    void missingFilesDirectoriesAndOddHeadersFailWithTheFileName(@TempDir Path dir) throws IOException {
        assertMessage(dir.resolve("absent.safetensors"), "no such file");
        assertMessage(dir, "directory");
        List<String> headers = List.of(
                "", "   ", "{", "{\"a\":1}", "{\"a\":{}}", "{\"a\":{\"dtype\":5}}", "{\"a\":{\"dtype\":\"F32\"}}",
                "{\"a\":{\"dtype\":\"F32\",\"shape\":\"x\",\"data_offsets\":[0,0]}}",
                "{\"a\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,4]}}",
                "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0]}}",
                "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4,8]}}",
                "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[-4,0]}}",
                "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,1e400]}}",
                "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,99999999999999999999999]}}",
                "{\"a\":{\"dtype\":\"F32\",\"shape\":[4611686018427387904],\"data_offsets\":[0,0]}}",
                "{\"a\":{\"dtype\":\"F32\",\"shape\":[0,2147483648],\"data_offsets\":[0,0]}}",
                "{\"__metadata__\":[1]}", "{\"__metadata__\":{\"k\":null}}",
                "{\"a\":1,\"a\":2}", "[".repeat(100_000), "{\"a\":".repeat(50_000),
                "\"\\u12\"", "{\"a\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4]}} x");
        for (String h : headers) {
            Path f = dir.resolve("odd.safetensors");
            Files.write(f, withLength(h.getBytes(StandardCharsets.UTF_8).length, h));
            assertMessage(f, "odd.safetensors");
        }
    }

    @Test
    void otherSafetensorsDtypesAreListedButRefusedOnRead(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("f64.safetensors");
        String h = "{\"x\":{\"dtype\":\"F64\",\"shape\":[2],\"data_offsets\":[0,16]},\"y\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[16,20]}}";
        byte[] header = withLength(h.length(), h);
        byte[] file = new byte[header.length + 20];
        System.arraycopy(header, 0, file, 0, header.length);
        Files.write(f, file);
        try (SafeTensors st = SafeTensors.open(f)) {
            assertEquals("F64", st.entry("x").dtypeName());
            assertFalse(st.entry("x").isSupported());
            assertEquals(2, st.entry("x").numel());
            assertEquals(0f, st.get("y").getFloat());
            SafeTensorsException e = assertThrows(SafeTensorsException.class, () -> st.get("x"));
            assertTrue(e.getMessage().contains("f64.safetensors") && e.getMessage().contains("\"x\"") && e.getMessage().contains("F64"), e.getMessage());
        }
    }

    @Test
    void aRealReplacementCharacterInTheHeaderIsNotMistakenForBadUtf8(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("fffd.safetensors");
        String h = "{\"\uFFFD\u00e9\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[0,0]}}";
        Files.write(f, withLength(h.getBytes(StandardCharsets.UTF_8).length, h));
        try (SafeTensors st = SafeTensors.open(f)) {
            assertTrue(st.contains("\uFFFD\u00e9"));
        }
    }

    @Test
    void hostileNamesAndHugeShapesStillGiveShortOneLineMessages(@TempDir Path dir) throws IOException {
        String name = "evil\\nname" + "x".repeat(10_000);
        String shape = "[" + "1,".repeat(1_000_000) + "-1]";
        for (String h : List.of(
                "{\"" + name + "\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}",
                "{\"a\":{\"dtype\":\"F32\",\"shape\":" + shape + ",\"data_offsets\":[0,4]}}",
                "{\"a\":{\"dtype\":\"" + "Q".repeat(10_000) + "\",\"shape\":[1],\"data_offsets\":[0,4]}}")) {
            Path f = dir.resolve("hostile.safetensors");
            Files.write(f, withLength(h.length(), h));
            SafeTensorsException e = assertThrows(SafeTensorsException.class, () -> SafeTensors.open(f).close());
            assertFalse(e.getMessage().contains("\n"), e.getMessage());
            assertTrue(e.getMessage().length() < 1000, e.getMessage());
            assertTrue(e.getMessage().contains("hostile.safetensors"), e.getMessage());
        }
    }

    @Test
    void nullMetadataReadsAsNone(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("nullmeta.safetensors");
        String h = "{\"__metadata__\":null}";
        Files.write(f, withLength(h.length(), h));
        try (SafeTensors st = SafeTensors.open(f)) {
            assertTrue(st.metadata().isEmpty());
            assertTrue(st.names().isEmpty());
        }
    }

    private static void assertMessage(Path f, String word) {
        SafeTensorsException e = assertThrows(SafeTensorsException.class, () -> SafeTensors.open(f).close(), f.toString());
        assertTrue(e.getMessage().contains(f.getFileName().toString()), e.getMessage());
        assertTrue(e.getMessage().contains(word), e.getMessage());
    }

    static byte[] withLength(long n, String header) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(8 + h.length).order(ByteOrder.LITTLE_ENDIAN).putLong(n).put(h).array();
    }
}
