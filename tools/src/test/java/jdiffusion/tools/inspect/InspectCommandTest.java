package jdiffusion.tools.inspect;

import jdiffusion.tensor.json.Json;
import jdiffusion.tensor.testing.Golden;
import jdiffusion.tools.Captured;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class InspectCommandTest {
    @Test
    void reportsTheModelFamilyVariantAndComponentShapesAsTheLoaderSeesThem() {
        Captured c = Captured.run("inspect", Golden.model("tiny-sd15.safetensors").toString());
        assertEquals(0, c.status(), c.err());
        assertTrue(c.out().contains("family        SD1"), c.out());
        assertTrue(c.out().contains("downsampling x2"), c.out());
        assertTrue(c.out().contains("tiny-sd15.yaml"), c.out());
        assertTrue(c.out().matches("(?s).*\nema +none\n.*"), c.out());
        assertTrue(c.out().contains("kind        checkpoint: Stable Diffusion single-file checkpoint: SD1 TEXT_TO_IMAGE"), c.out());
    }

    @Test
    void summarisesTheTinyCheckpointByDtypeAndPrefix() {
        String file = Golden.model("tiny-sd15.safetensors").toString();
        Captured c = Captured.run("inspect", file);
        assertEquals(0, c.status(), c.err());
        String out = c.out();
        assertTrue(out.contains("tensors     683\n"), out);
        assertTrue(out.contains("(17,844,240 bytes"), out);
        assertTrue(out.matches("(?s).*\nF32 +682 .*"), out);
        assertTrue(out.matches("(?s).*\nI64 +1 +- +616 B\n.*"), out + "\n(integer tensors are buffers, not parameters)");
        for (String prefix : List.of("model.diffusion_model", "first_stage_model", "cond_stage_model"))
            assertTrue(out.matches("(?s).*\n" + prefix + " +\\d+ .*"), prefix + " in\n" + out);
        assertTrue(out.contains("format:  pt"), out);
        assertFalse(out.contains("model.diffusion_model.input_blocks"), "no tensor list without --tensors");
    }

    @Test
    void jsonSummaryCountsAddUp() {
        Captured c = Captured.run("inspect", Golden.model("tiny-sd15.fp16.safetensors").toString(), "--json", "--tensors");
        assertEquals(0, c.status(), c.err());
        Map<String, Object> json = Json.parseObject(c.out());
        assertEquals(683L, json.get("tensors"));
        @SuppressWarnings("unchecked") Map<String, Map<String, Object>> prefixes = (Map<String, Map<String, Object>>) json.get("prefixes");
        long tensors = 0, params = 0;
        for (Map<String, Object> p : prefixes.values()) {
            tensors += (Long) p.get("tensors");
            params += (Long) p.get("parameters");
        }
        assertEquals(683L, tensors);
        assertEquals(json.get("parameters"), params);
        @SuppressWarnings("unchecked") Map<String, Map<String, Object>> dtypes = (Map<String, Map<String, Object>>) json.get("dtypes");
        assertEquals(1L, dtypes.get("I64").get("tensors"));
        assertEquals(682L, dtypes.get("F16").get("tensors"));
        List<?> list = (List<?>) json.get("tensor_list");
        assertEquals(683, list.size());
        Map<?, ?> conv = (Map<?, ?>) list.stream().filter(t -> ((Map<?, ?>) t).get("name").equals("model.diffusion_model.input_blocks.0.0.weight"))
                .findFirst().orElseThrow();
        assertEquals(Map.of("name", "model.diffusion_model.input_blocks.0.0.weight", "component", "unet", "dtype", "F16",
                "shape", List.of(32L, 4L, 3L, 3L), "bytes", 32L * 4 * 3 * 3 * 2, "data_offsets", conv.get("data_offsets")), conv);
        List<?> offsets = (List<?>) conv.get("data_offsets");
        assertEquals(32L * 4 * 3 * 3 * 2, (Long) offsets.get(1) - (Long) offsets.get(0));
    }

    @Test
    void tensorsListsEveryNameWithDtypeAndShape() {
        Captured c = Captured.run("inspect", Golden.model("tiny-sd15.safetensors").toString(), "--tensors");
        assertEquals(0, c.status(), c.err());
        assertTrue(c.out().matches("(?s).*\nmodel\\.diffusion_model\\.input_blocks\\.0\\.0\\.weight +F32 +\\[32, 4, 3, 3]\n.*"), c.out());
        assertTrue(c.out().matches("(?s)(.*\n)?cond_stage_model\\.transformer\\.text_model\\.embeddings\\.position_ids +I64 +\\[1, 77]\n.*"));
    }

    @Test
    void malformedFileIsOneLineErrorWithStatusOne() {
        Path bad = Golden.file("safetensors_bad/overlapping_tensors.safetensors");
        Captured c = Captured.run("inspect", bad.toString());
        assertEquals(1, c.status());
        assertEquals("", c.out());
        assertEquals(1, c.err().lines().count(), c.err());
        assertTrue(c.err().startsWith("jsd: " + bad + ": tensor \"b\""), c.err());
    }

    @Test
    void brokenFilesAndPlainFoldersAreOneLineErrors(@TempDir Path dir) throws IOException {
        Path ckpt = dir.resolve("model.ckpt");
        Files.write(ckpt, new byte[]{'P', 'K', 3, 4, 20, 0, 0, 0, 0, 0, 0, 0});
        Captured c = Captured.run("inspect", ckpt.toString());
        assertEquals(1, c.status());
        assertEquals(1, c.err().lines().count(), c.err());
        assertTrue(c.err().startsWith("jsd: " + ckpt + ": "), c.err());
        Captured folder = Captured.run("inspect", dir.toString());
        assertEquals(1, folder.status());
        assertTrue(folder.err().contains("is a folder but not a diffusers one"), folder.err());
        Captured missing = Captured.run("inspect", dir.resolve("absent.safetensors").toString());
        assertEquals(1, missing.status());
        assertTrue(missing.err().contains("absent.safetensors: cannot read: no such file"), missing.err());
    }

    @Test
    void metadataIsShownOnOneLinePerKeyAndCut(@TempDir Path dir) throws IOException {
        Map<String, Object> header = new LinkedHashMap<>();
        header.put("__metadata__", Map.of("ss_tag_frequency", "x".repeat(5000), "note", "two\nlines"));
        header.put("lora_unet_down_blocks_0_attentions_0_proj_in.lora_down.weight", tensor("F16", List.of(4L, 8L), 0, 64));
        Path f = dir.resolve("lora.safetensors");
        writeHeaderOnly(f, header, 64);
        Captured c = Captured.run("inspect", f.toString());
        assertEquals(0, c.status(), c.err());
        assertTrue(c.out().contains("note:              two\\nlines\n"), c.out());
        assertTrue(c.out().contains("... (5,000 chars)\n"), c.out());
        assertTrue(c.out().matches("(?s).*\nlora_unet +1 +32 +64 B\n.*"), c.out());
    }

    @Test
    void inspectsAFileOverTwoGiBFromItsHeader() throws IOException {
        Path target = Path.of("target").toAbsolutePath();
        Files.createDirectories(target);
        Assumptions.assumeTrue(Files.getFileStore(target).getUsableSpace() > 6L << 30, "needs 6 GiB free disk");
        Path f = target.resolve("inspect-large.safetensors");
        long big = 2L * 1_200_000_000L;
        Map<String, Object> header = new LinkedHashMap<>();
        header.put("model.diffusion_model.big", tensor("F16", List.of(1_200L, 1_000_000L), 0, big));
        header.put("first_stage_model.after", tensor("F32", List.of(4L), big, big + 16));
        try {
            writeHeaderOnly(f, header, big + 16); // sparse: the data is a hole, the size is real
            Captured c = Captured.run("inspect", f.toString(), "--json");
            assertEquals(0, c.status(), c.err());
            Map<String, Object> json = Json.parseObject(c.out());
            assertEquals(1_200_000_004L, json.get("parameters"));
            assertEquals(big + 16, json.get("data_bytes"));
            assertTrue((Long) json.get("file_bytes") > 1L << 31);
            Captured text = Captured.run("inspect", f.toString());
            assertTrue(text.out().contains("parameters  1.20B (1,200,000,004)"), text.out());
            assertTrue(text.out().contains("2.24 GiB"), text.out());
        } finally {
            Files.deleteIfExists(f);
        }
    }

    @Test
    void keyPrefixesFindTheCheckpointParts() {
        assertEquals("model.diffusion_model", KeyPrefixes.of("model.diffusion_model.input_blocks.0.0.weight"));
        assertEquals("first_stage_model", KeyPrefixes.of("first_stage_model.decoder.conv_in.weight"));
        assertEquals("cond_stage_model", KeyPrefixes.of("cond_stage_model.transformer.text_model.final_layer_norm.bias"));
        assertEquals("conditioner.embedders.1", KeyPrefixes.of("conditioner.embedders.1.model.ln_final.weight"));
        assertEquals("model_ema", KeyPrefixes.of("model_ema.decay"));
        assertEquals(KeyPrefixes.NO_PREFIX, KeyPrefixes.of("alphas_cumprod"));
        assertEquals("model.foo", KeyPrefixes.of("model.foo.weight"));
        assertEquals("model", KeyPrefixes.of("model.weight"));
        assertEquals("lora_te1", KeyPrefixes.of("lora_te1_text_model_encoder_layers_0_mlp_fc1.alpha"));
        assertEquals("down_blocks", KeyPrefixes.of("down_blocks.0.resnets.0.conv1.weight"));
    }

    private static Map<String, Object> tensor(String dtype, List<Long> shape, long begin, long end) {
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("dtype", dtype);
        t.put("shape", shape);
        t.put("data_offsets", List.of(begin, end));
        return t;
    }

    /** A valid file whose data section is left as zeros (a hole in the file when the file system allows). */
    private static void writeHeaderOnly(Path f, Map<String, Object> header, long dataBytes) throws IOException {
        byte[] json = Json.write(header).getBytes(StandardCharsets.UTF_8);
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, json.length));
            ch.write(ByteBuffer.wrap(json));
            long end = 8 + json.length + dataBytes;
            if (dataBytes > 0) ch.write(ByteBuffer.wrap(new byte[1]), end - 1);
        }
    }
}
