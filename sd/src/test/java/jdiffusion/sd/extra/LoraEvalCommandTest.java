package jdiffusion.sd.extra;

import jdiffusion.sd.cli.EvalCommand;
import jdiffusion.tensor.SafeTensors;
import jdiffusion.tensor.SafeTensorsWriter;
import jdiffusion.tensor.Tensor;
import jdiffusion.tensor.testing.Golden;
import jdiffusion.tensor.testing.TensorAssert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code jsd eval unet|clip --lora FILE:0.7} reproduces the golden merged outputs; unusable LoRAs fail with their reason. */
class LoraEvalCommandTest {
    private record Result(int status, String out, String err) {}

    private static Result eval(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int status = EvalCommand.run(List.of(args), new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static Result run(Path dir, String component, String lora) {
        Path inputs = Golden.file("lora/tiny-sd15_lokr_merged_m0.7.safetensors");
        return eval(component, "--model", Golden.model("tiny-sd15.safetensors").toString(), "--inputs", inputs.toString(),
                "--out", dir.resolve(component + ".safetensors").toString(), "--lora", lora);
    }

    @Test
    void unetAndClipEvalWithLoraMatchTheMergedGolden(@TempDir Path dir) {
        String lora = Golden.file("lora/tiny-sd15_lokr.safetensors") + ":0.7";
        Result u = run(dir, "unet", lora);
        assertEquals(0, u.status, u.err);
        Result c = run(dir, "clip", lora);
        assertEquals(0, c.status, c.err);
        try (SafeTensors unet = SafeTensors.open(dir.resolve("unet.safetensors"));
             SafeTensors clip = SafeTensors.open(dir.resolve("clip.safetensors"));
             Golden.Case g = Golden.open("lora/tiny-sd15_lokr_merged_m0.7")) {
            TensorAssert.assertClose(g.tensor("unet_out_merged"), unet.get("noise_pred"), 1e-4, 0, "noise_pred");
            TensorAssert.assertClose(g.tensor("te_last_hidden_state_merged"), clip.get("last_hidden_state"), 1e-4, 0, "last_hidden_state");
            TensorAssert.assertClose(g.tensor("te_penultimate_ln_merged"), clip.get("penultimate_ln"), 1e-4, 0, "penultimate_ln");
        }
    }

    @Test
    void separateMultipliersZeroTextEncoderLeavesItsOutputAtTheBase(@TempDir Path dir) {
        Result c = run(dir, "clip", Golden.file("lora/tiny-sd15_lokr.safetensors") + ":0:0.7");
        assertEquals(0, c.status, c.err);
        try (SafeTensors clip = SafeTensors.open(dir.resolve("clip.safetensors")); Golden.Case g = Golden.open("lora/tiny-sd15_lokr_merged_m0.7")) {
            TensorAssert.assertClose(g.tensor("te_last_hidden_state_base"), clip.get("last_hidden_state"), 1e-4, 0, "base");
        }
    }

    @Test
    void sdxlLoraIsRefusedNamingFileAndModel(@TempDir Path dir) {
        Path sdxl = dir.resolve("xl_style.safetensors");
        SafeTensorsWriter.write(sdxl, Map.of(
                "lora_te1_text_model_encoder_layers_0_self_attn_q_proj.lora_down.weight", Tensor.zeros(4, 768),
                "lora_te1_text_model_encoder_layers_0_self_attn_q_proj.lora_up.weight", Tensor.zeros(768, 4),
                "lora_te2_text_model_encoder_layers_0_self_attn_q_proj.lora_down.weight", Tensor.zeros(4, 1280),
                "lora_te2_text_model_encoder_layers_0_self_attn_q_proj.lora_up.weight", Tensor.zeros(1280, 4)));
        Result r = run(dir, "unet", sdxl + ":0.7");
        assertEquals(1, r.status, r.err);
        assertTrue(r.err.contains("xl_style.safetensors") && r.err.contains("tiny-sd15") && r.err.contains("SDXL"), r.err);
    }
}
