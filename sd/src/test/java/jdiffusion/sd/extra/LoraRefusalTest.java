package jdiffusion.sd.extra;

import jdiffusion.sd.checkpoint.Checkpoint;
import jdiffusion.tensor.SafeTensorsWriter;
import jdiffusion.tensor.Tensor;
import jdiffusion.tensor.testing.Golden;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A LoRA that does not fit the model is an error naming the file, the model and why. */
class LoraRefusalTest {
    static Checkpoint ckpt;
    static ModelModules modules;

    @BeforeAll
    static void open() {
        ckpt = Checkpoint.open(Golden.model("tiny-sd15.safetensors"));
        modules = ModelModules.of(ckpt, "tiny-sd15");
    }

    @AfterAll
    static void close() { if (ckpt != null) ckpt.close(); }

    static Path write(Path dir, String name, Map<String, Tensor> tensors) {
        Path p = dir.resolve(name);
        SafeTensorsWriter.write(p, tensors);
        return p;
    }

    static String message(Path file) {
        return assertThrows(ExtraNetworkException.class, () -> LoraNetwork.load(file, modules)).getMessage();
    }

    @Test
    void sdxlTextEncoderKeysAreCalledAnSdxlLora(@TempDir Path dir) {
        Path f = write(dir, "xl.safetensors", Map.of(
                "lora_te1_text_model_encoder_layers_0_mlp_fc1.lora_down.weight", Tensor.zeros(4, 768),
                "lora_te1_text_model_encoder_layers_0_mlp_fc1.lora_up.weight", Tensor.zeros(3072, 4)));
        String m = message(f);
        assertTrue(m.contains("xl.safetensors") && m.contains("tiny-sd15 (SD1)") && m.contains("SDXL LoRA"), m);
    }

    @Test
    void sdxlShapesOnMatchingNamesAreCalledSdxl(@TempDir Path dir) {
        Map<String, Tensor> t = new LinkedHashMap<>();
        t.put("lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn2_to_k.lora_down.weight", Tensor.zeros(4, 2048));
        t.put("lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn2_to_k.lora_up.weight", Tensor.zeros(32, 4));
        String m = message(write(dir, "xlunet.safetensors", t));
        assertTrue(m.contains("xlunet.safetensors") && m.contains("tiny-sd15") && m.contains("made for SDXL")
                && m.contains("down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_k"), m);
    }

    @Test
    void keysMatchingNothingNameTheFileTheModelAndSomeKeys(@TempDir Path dir) {
        Path f = write(dir, "other.safetensors", Map.of(
                "lora_unet_single_transformer_blocks_0_attn_to_q.lora_down.weight", Tensor.zeros(4, 32),
                "lora_unet_single_transformer_blocks_0_attn_to_q.lora_up.weight", Tensor.zeros(32, 4)));
        String m = message(f);
        assertTrue(m.contains("other.safetensors") && m.contains("tiny-sd15") && m.contains("none of its 1 module(s)")
                && m.contains("lora_unet_single_transformer_blocks_0_attn_to_q"), m);
    }

    @Test
    void aFileWithoutLoraTensorsSaysSo(@TempDir Path dir) {
        String m = message(write(dir, "weights.safetensors", Map.of("weight", Tensor.zeros(2, 2))));
        assertTrue(m.contains("weights.safetensors") && m.contains("no LoRA tensors"), m);
    }

    @Test
    void unsupportedModuleTypesAreNamed(@TempDir Path dir) {
        Path f = write(dir, "dora.safetensors", Map.of(
                "lora_unet_conv_in.lora_down.weight", Tensor.zeros(4, 4, 3, 3),
                "lora_unet_conv_in.lora_up.weight", Tensor.zeros(32, 4, 1, 1),
                "lora_unet_conv_in.dora_scale", Tensor.zeros(1, 32)));
        String m = message(f);
        assertTrue(m.contains("lora_unet_conv_in") && m.contains("DoRA"), m);
    }

    @Test
    void partlyMatchingFilesKeepTheMatchedModulesAndListTheRest(@TempDir Path dir) {
        Map<String, Tensor> t = new LinkedHashMap<>();
        t.put("lora_unet_conv_in.lora_down.weight", Tensor.zeros(4, 4, 3, 3));
        t.put("lora_unet_conv_in.lora_up.weight", Tensor.zeros(32, 4, 1, 1));
        t.put("lora_unet_no_such_layer.lora_down.weight", Tensor.zeros(4, 4));
        t.put("lora_unet_no_such_layer.lora_up.weight", Tensor.zeros(4, 4));
        LoraNetwork n = LoraNetwork.load(write(dir, "part.safetensors", t), modules);
        assertEquals(1, n.modules().size());
        assertEquals("conv_in", n.modules().getFirst().layer());
        assertEquals(java.util.List.of("lora_unet_no_such_layer"), n.unmatched());
    }
}
