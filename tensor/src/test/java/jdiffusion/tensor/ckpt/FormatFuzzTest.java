package jdiffusion.tensor.ckpt;

import jdiffusion.tensor.SafeTensors;
import jdiffusion.tensor.SafeTensorsWriter;
import jdiffusion.tensor.Tensor;
import jdiffusion.tensor.json.Json;
import jdiffusion.tensor.testing.Fuzz;
import jdiffusion.tensor.testing.Golden;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fuzz suite's model-file and JSON part: damaged and generated safetensors files, zip and legacy .ckpt files and
 * JSON texts end in success or the library's own exception, never another one (see {@link Fuzz}).
 */
class FormatFuzzTest {
    @TempDir Path dir;

    /** Writes each input over one file (reopening a fresh file per input costs more than parsing it). */
    private Fuzz.Outcome files(String parser, int count, java.util.function.Function<Random, byte[]> generate, Fuzz.Target<Path> open) throws IOException {
        Path file = dir.resolve(parser.replaceAll("\\W", "_") + ".bin");
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            return Fuzz.run(parser, count, generate, bytes -> {
                ch.write(ByteBuffer.wrap(bytes), 0);
                ch.truncate(bytes.length);
                open.accept(file);
            }, Fuzz::showBytes);
        }
    }

    private static void readAll(jdiffusion.tensor.ckpt.TensorFile f) {
        for (String n : f.names()) {
            Tensor t = f.get(n);
            assertEquals(t.numel(), t.toFloatArray().length);
        }
    }

    @Test
    void safetensors() throws IOException {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put("model.w", Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3));
        tensors.put("model.s", Tensor.of(new float[] {3.5f}));
        tensors.put("model.empty", Tensor.of(new float[0], 0, 4));
        Path small = dir.resolve("small.safetensors");
        SafeTensorsWriter.write(small, tensors, Map.of("format", "pt"), false);
        List<byte[]> bases = new ArrayList<>();
        bases.add(Files.readAllBytes(small));
        try (Stream<Path> bad = Files.list(Golden.file("safetensors_bad"))) {
            for (Path p : bad.filter(p -> p.toString().endsWith(".safetensors")).sorted().toList()) bases.add(Files.readAllBytes(p));
        }
        Fuzz.Outcome o = files("safetensors", Fuzz.inputs(0.06), r -> r.nextInt(4) == 0 ? generatedSafetensors(r) : Fuzz.mutate(bases, r), file -> {
            try (SafeTensors st = SafeTensors.open(file)) {
                for (String n : st.names()) {
                    if (!st.entry(n).isSupported()) continue;
                    Tensor t = st.get(n);
                    assertEquals(t.numel(), t.toFloatArray().length);
                }
            }
        });
        assertTrue(o.refused() > 0 && o.accepted() > 0, o.toString());
    }

    /** A header written from scratch: random names, dtypes, shapes and offsets over a random payload. */
    private static byte[] generatedSafetensors(Random r) {
        String[] dtypes = {"F32", "F16", "BF16", "I64", "U8", "F64", "I8", "BOOL", "F8_E4M3", "X9"};
        Map<String, Object> header = new LinkedHashMap<>();
        int n = r.nextInt(4), payload = r.nextInt(64);
        for (int i = 0; i < n; i++) {
            List<Object> shape = new ArrayList<>();
            for (int d = r.nextInt(4); d > 0; d--) shape.add((long) (r.nextInt(6) == 0 ? -r.nextInt(3) : r.nextInt(5)));
            long a = r.nextInt(payload + 8), b = a + r.nextInt(40) - 4;
            header.put("t" + i, Map.of("dtype", dtypes[r.nextInt(dtypes.length)], "shape", shape, "data_offsets", List.of(a, b)));
        }
        if (r.nextBoolean()) header.put("__metadata__", Map.of("format", r.nextBoolean() ? "pt" : "x"));
        byte[] json = Fuzz.utf8(Json.write(header));
        ByteBuffer buf = ByteBuffer.allocate(8 + json.length + payload).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        buf.putLong(json.length + (r.nextInt(10) == 0 ? r.nextInt(9) - 4 : 0)).put(json);
        return buf.array();
    }

    @Test
    void zipCheckpoints() throws IOException {
        List<byte[]> bases = List.of(SmallCheckpoints.zip(false, false, false), SmallCheckpoints.zip(true, true, false),
                SmallCheckpoints.zip(false, false, true), Files.readAllBytes(Golden.file("ckpt/malicious.ckpt")));
        Fuzz.Outcome o = files("ckpt (zip)", Fuzz.inputs(0.05), r -> Fuzz.mutate(bases, r), file -> {
            try (TorchCheckpoint c = TorchCheckpoint.open(file)) { readAll(c); }
        });
        assertTrue(o.refused() > 0 && o.accepted() > 0, o.toString());
    }

    @Test
    void legacyCheckpointsAndPlainPickles() throws IOException {
        List<byte[]> bases = List.of(SmallCheckpoints.legacy(), Files.readAllBytes(Golden.file("ckpt/malicious.legacy.ckpt")),
                Files.readAllBytes(Golden.file("ckpt/malicious_plain_pickle.ckpt")));
        Fuzz.Outcome o = files("ckpt (legacy, pickle)", Fuzz.inputs(0.04), r -> Fuzz.mutate(bases, r), file -> {
            try (TorchCheckpoint c = TorchCheckpoint.open(file)) { readAll(c); }
        });
        assertTrue(o.refused() > 0 && o.accepted() > 0, o.toString());
    }

    private static final String JSON_ALPHABET = "{}[]\",:0123456789.eE+-tfnul\\ u\n\t";

    @Test
    void json() {
        List<String> bases = List.of(
                "{\"prompt\": \"a cat, (red:1.2)\", \"steps\": 20, \"cfg_scale\": 7.5, \"seed\": -1, \"override_settings\": {\"sd_model_checkpoint\": \"tiny\"}}",
                "{\"init_images\": [\"iVBORw0KGgo=\"], \"denoising_strength\": 0.75, \"mask\": null, \"alwayson_scripts\": {}}",
                "[1, -2.5e-3, 1E+308, 0, true, false, null, \"\\u00e9\\ud83d\\ude00\\n\", [], {}]",
                "{\"a\": {\"b\": {\"c\": [[[[1]]]]}}, \"\": \"\", \"k\": 123456789012345678901234567890}",
                "\"just a string with \\\"escapes\\\" \\\\ \\/ \\b\\f\\r\\t\"", "-0.0", "  {  }  ");
        Fuzz.Outcome o = Fuzz.run("JSON", Fuzz.inputs(0.18),
                r -> switch (r.nextInt(5)) {
                    case 0 -> Fuzz.random(JSON_ALPHABET, 64, r);
                    case 1 -> "[".repeat(r.nextInt(100_000)) + "]".repeat(r.nextInt(3) == 0 ? 0 : r.nextInt(100_000));
                    default -> Fuzz.mutate(bases, JSON_ALPHABET, r);
                },
                Json::parse, Fuzz::showText);
        assertTrue(o.refused() > 0 && o.accepted() > 0, o.toString());
    }
}
