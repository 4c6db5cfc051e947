package jdiffusion.tools.inspect;

import jdiffusion.tensor.SafeTensors;
import jdiffusion.tensor.SafeTensorsWriter;
import jdiffusion.tensor.Tensor;
import jdiffusion.tensor.json.Json;
import jdiffusion.tensor.testing.Golden;
import jdiffusion.tools.Captured;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class InspectStatsTest {
    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> list(Map<String, Object> m, String key) { return (List<Map<String, Object>>) m.get(key); }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> stats(String... args) {
        Captured c = Captured.run(args);
        assertEquals(0, c.status(), c.err());
        return (Map<String, Object>) Json.parseObject(c.out()).get("stats");
    }

    private static Map<String, Object> named(List<Map<String, Object>> rows, String key, String value) {
        return rows.stream().filter(r -> value.equals(r.get(key))).findFirst().orElseThrow(() -> new AssertionError(value + " not in " + rows));
    }

    @Test
    void perTensorStatisticsMatchTheValuesAndBlockNormsAddUp() {
        Path file = Golden.model("tiny-sd15.safetensors");
        Map<String, Object> s = stats("inspect", file.toString(), "--stats", "--json");
        List<Map<String, Object>> tensors = list(s, "tensors");
        assertEquals(683, tensors.size());
        String name = "model.diffusion_model.input_blocks.1.1.transformer_blocks.0.attn2.to_k.weight";
        Map<String, Object> t = named(tensors, "name", name);
        assertEquals("input_blocks.1", t.get("block"));
        assertEquals("unet", t.get("component"));
        try (SafeTensors st = SafeTensors.open(file)) {
            float[] v = st.get(name).toFloatArray();
            double sum = 0, sq = 0, min = Double.MAX_VALUE, max = -Double.MAX_VALUE;
            for (float x : v) { sum += x; sq += x * (double) x; min = Math.min(min, x); max = Math.max(max, x); }
            double mean = sum / v.length;
            assertEquals(min, (Double) t.get("min"));
            assertEquals(max, (Double) t.get("max"));
            assertEquals(mean, (Double) t.get("mean"), 1e-12);
            assertEquals(Math.sqrt(sq / v.length - mean * mean), (Double) t.get("std"), 1e-9);
            assertEquals(Math.sqrt(sq), (Double) t.get("norm"), 1e-9);
        }
        double blockSq = 0, tensorSq = 0;
        for (Map<String, Object> b : list(s, "blocks")) if (b.get("component").equals("unet")) blockSq += Math.pow((Double) b.get("norm"), 2);
        for (Map<String, Object> x : tensors) if (x.get("component").equals("unet")) tensorSq += Math.pow((Double) x.get("norm"), 2);
        assertEquals(tensorSq, blockSq, 1e-9 * tensorSq);
        List<String> unetBlocks = list(s, "blocks").stream().filter(b -> b.get("component").equals("unet")).map(b -> (String) b.get("block")).toList();
        assertEquals(List.of("time_embed", "input_blocks.0", "input_blocks.1"), unetBlocks.subList(0, 3));
        assertTrue(unetBlocks.indexOf("middle_block") > unetBlocks.indexOf("input_blocks.8"));
        assertTrue(unetBlocks.indexOf("output_blocks.10") < 0 && unetBlocks.indexOf("output_blocks.8") > unetBlocks.indexOf("middle_block"));
        Map<String, Object> layer = named(list(s, "blocks"), "block", "text_model.encoder.layers.2");
        assertEquals("text_encoder", layer.get("component"));
        assertEquals(16L, layer.get("tensors"));
    }

    @Test
    void zerosNanAndInfinitiesAreCountedApart(@TempDir Path dir) {
        Path f = dir.resolve("odd.safetensors");
        SafeTensorsWriter.write(f, Map.of("w", Tensor.of(new float[]{0, Float.NaN, Float.POSITIVE_INFINITY, 1, -1, 0}, 6)));
        Map<String, Object> t = list(stats("inspect", f.toString(), "--stats", "--json"), "tensors").getFirst();
        assertEquals(2L, t.get("zeros"));
        assertEquals(1L, t.get("nan"));
        assertEquals(1L, t.get("inf"));
        assertEquals(-1.0, t.get("min"));
        assertEquals(1.0, t.get("max"));
        assertEquals(0.0, t.get("mean"));
        assertEquals(Math.sqrt(0.5), (Double) t.get("std"), 1e-12);
    }

    @Test
    void aDiffusersFolderIsGroupedByItsComponentFolders() {
        Map<String, Object> s = stats("inspect", Golden.model("tiny-sd15").toString(), "--stats", "--json");
        Map<String, Object> b = named(list(s, "blocks"), "block", "down_blocks.1");
        assertEquals("unet", b.get("component"));
        Map<String, Object> vae = named(list(s, "blocks"), "block", "decoder.up_blocks.0");
        assertEquals("vae", vae.get("component"));
    }

    @Test
    void aLorasBlockStrengthIsTheNormOfItsMergedDelta() {
        Map<String, Object> s = stats("inspect", Golden.file("lora/tiny-sd15_lora_locon.safetensors").toString(), "--stats", "--json");
        Map<String, Object> m = named(list(s, "lora_modules"), "module", "lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn1_to_q");
        assertEquals("down_blocks.0", m.get("block"));
        // the golden merge at multiplier 0.7 minus the base weight, divided by 0.7, is the delta
        String layer = "down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q";
        try (SafeTensors merged = SafeTensors.open(Golden.file("lora/tiny-sd15_lora_merged_m0.7.safetensors"));
             SafeTensors base = SafeTensors.open(Golden.model("tiny-sd15/unet/diffusion_pytorch_model.safetensors"))) {
            float[] w = merged.get("merged_weight.unet." + layer).toFloatArray(), b = base.get(layer + ".weight").toFloatArray();
            double sq = 0;
            for (int i = 0; i < w.length; i++) sq += Math.pow((w[i] - (double) b[i]) / 0.7, 2);
            assertEquals(Math.sqrt(sq), (Double) m.get("norm"), 1e-4 * Math.sqrt(sq));
        }
        List<Map<String, Object>> blocks = list(s, "lora_blocks");
        assertEquals(List.of("down_blocks.0", "down_blocks.1", "down_blocks.2", "mid_block", "up_blocks.0", "up_blocks.1", "up_blocks.2",
                        "encoder.layers.0", "encoder.layers.1", "encoder.layers.2"), blocks.stream().map(x -> (String) x.get("block")).toList());
        double sq = 0;
        for (Map<String, Object> x : list(s, "lora_modules")) if (x.get("block").equals("mid_block")) sq += Math.pow((Double) x.get("norm"), 2);
        assertEquals(Math.sqrt(sq), (Double) named(blocks, "block", "mid_block").get("norm"), 1e-12);
    }

    @Test
    void plotWritesHistogramsBlockNormsAndLoraStrengthAsPngs(@TempDir Path dir) throws IOException {
        Captured c = Captured.run("inspect", Golden.file("lora/tiny-sd15_lora_locon.safetensors").toString(), "--plot", dir.toString());
        assertEquals(0, c.status(), c.err());
        assertTrue(c.out().contains("LoRA strength per block"), c.out());
        for (String png : List.of("lora-strength.png", "histogram-unet.png", "histogram-text_encoder.png", "block-norms-unet.png")) {
            BufferedImage img = ImageIO.read(dir.resolve(png).toFile());
            assertNotNull(img, png);
            assertTrue(img.getWidth() >= 800 && img.getHeight() >= 400, png);
        }
    }

    @Test
    void blocksAreNamedByArchitectureLevel() {
        assertEquals("input_blocks.4", Blocks.of("model.diffusion_model.input_blocks.4.1.proj_in.weight"));
        assertEquals("middle_block", Blocks.of("model.diffusion_model.middle_block.1.norm.bias"));
        assertEquals("time_embed", Blocks.of("model.diffusion_model.time_embed.0.weight"));
        assertEquals("encoder.down.1", Blocks.of("first_stage_model.encoder.down.1.block.0.conv1.weight"));
        assertEquals("decoder.mid", Blocks.of("first_stage_model.decoder.mid.attn_1.q.weight"));
        assertEquals("transformer.resblocks.7", Blocks.of("cond_stage_model.model.transformer.resblocks.7.attn.in_proj_weight"));
        assertEquals("text_model.encoder.layers.11", Blocks.of("conditioner.embedders.0.transformer.text_model.encoder.layers.11.mlp.fc1.weight"));
        assertEquals("label_emb", Blocks.of("model.diffusion_model.label_emb.0.0.weight"));
        assertEquals("up_blocks.3", Blocks.ofLoraModule("lora_unet_up_blocks_3_attentions_2_transformer_blocks_0_ff_net_2"));
        assertEquals("input_blocks.7", Blocks.ofLoraModule("lora_unet_input_blocks_7_1_proj_in"));
        assertEquals("encoder.layers.10", Blocks.ofLoraModule("lora_te2_text_model_encoder_layers_10_self_attn_q_proj"));
        assertEquals("mid_block", Blocks.ofLoraModule("lora_unet_mid_block_attentions_0_proj_out"));
    }
}
