package jdiffusion.sd.extra;

import jdiffusion.sd.TestBackends;
import jdiffusion.sd.checkpoint.SdxlTextEncoders;
import jdiffusion.sd.clip.ClipTokenizer;
import jdiffusion.sd.pipeline.SdxlConditioner;
import jdiffusion.sd.pipeline.SdxlConditioning;
import jdiffusion.sd.pipeline.SdxlSizeConditioning;
import jdiffusion.tensor.Backend;
import jdiffusion.tensor.Tensor;
import jdiffusion.tensor.testing.Golden;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;

import static jdiffusion.tensor.testing.TensorAssert.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The text side of a kohya SDXL LoRA merged the WebUI way (sdxl/tiny-sdxl_lora_merged_m0.8): {@code lora_te1_} onto
 * CLIP-L, {@code lora_te2_} (transformers names) onto bigG, whose q/k/v are rows of the fused {@code in_proj_weight}.
 * The UNet modules bind once the SDXL UNet's names are known (the UNet side).
 */
class SdxlTextLoraGoldenTest {
    private static final double ATOL = 1e-4;
    private static Backend backend;

    @BeforeAll static void start() { backend = TestBackends.create(); }

    @AfterAll static void stop() { if (backend != null) backend.close(); }

    private static ModelModules textOnly(SdxlTextEncoders text) {
        return new ModelModules("tiny-sdxl", null, null, null, text.clipL(), text.bigG());
    }

    @Test
    void textEncoderModulesMergeAsTheWebUiDoes() {
        try (SdxlTextEncoders text = SdxlTextEncoders.open(Golden.model("tiny-sdxl.safetensors"));
             Golden.Case c = Golden.open("sdxl/tiny-sdxl_lora_merged_m0.8")) {
            LoraNetwork lora = LoraNetwork.load(Golden.file("sdxl/tiny-sdxl_lora_kohya.safetensors"), textOnly(text));
            assertEquals(18, lora.modules().stream().filter(m -> m.target() == NetworkTarget.TEXT_ENCODER).count(), "CLIP-L modules");
            assertEquals(24, lora.modules().stream().filter(m -> m.target() == NetworkTarget.TEXT_ENCODER_2).count(), "bigG modules");
            assertEquals(257, lora.unmatched().size(), "the UNet modules, unbound here");
            List<ActiveLora> active = List.of(new ActiveLora(lora, 0.8, 0.8));
            PatchedWeights clipL = PatchedWeights.of(text.clipL(), NetworkTarget.TEXT_ENCODER, active);
            PatchedWeights bigG = PatchedWeights.of(text.bigG(), NetworkTarget.TEXT_ENCODER_2, active);

            assertClose(c.tensor("merged_weight.conditioner.embedders.0.transformer.text_model.encoder.layers.0.self_attn.q_proj"),
                    clipL.find("text_model.encoder.layers.0.self_attn.q_proj.weight"), ATOL, 0, "merged CLIP-L q_proj");
            String attn = "text_model.encoder.layers.0.self_attn.";
            Tensor inProj = Tensor.of(concat(bigG.find(attn + "q_proj.weight"), bigG.find(attn + "k_proj.weight"), bigG.find(attn + "v_proj.weight")), 144, 48);
            assertClose(c.tensor("merged_weight.conditioner.embedders.1.model.transformer.resblocks.0.attn.in_proj_weight"), inProj, ATOL, 0,
                    "merged bigG in_proj_weight");

            ClipTokenizer tokenizer = ClipTokenizer.load(Golden.model("clip-tokenizer-sd1"));
            String prompt = (String) c.json().get("prompt");
            SdxlSizeConditioning size = SdxlSizeConditioning.webUi(48, 32, 0, 0, false);
            SdxlConditioning before = new SdxlConditioner(backend, text, tokenizer, null).encode(List.of(prompt), size, false).getFirst();
            assertClose(c.floats("crossattn_base"), before.crossattn().values(), ATOL, 0, "crossattn before merging");
            assertClose(c.floats("vector_base"), before.vector(), ATOL, 0, "vector before merging");
            SdxlConditioning after = new SdxlConditioner(backend, text.withWeights(clipL, bigG), tokenizer, null).encode(List.of(prompt), size, false).getFirst();
            assertClose(c.floats("crossattn_merged"), after.crossattn().values(), ATOL, 0, "crossattn after merging");
            assertClose(c.floats("vector_merged"), after.vector(), ATOL, 0, "vector after merging");
        }
    }

    private static float[] concat(Tensor... parts) {
        int n = 0;
        for (Tensor t : parts) n += (int) t.numel();
        float[] out = new float[n];
        int at = 0;
        for (Tensor t : parts) {
            float[] v = t.toFloatArray();
            System.arraycopy(v, 0, out, at, v.length);
            at += v.length;
        }
        return out;
    }

    @Test
    void loraFamiliesAreRefusedNamingBoth() {
        try (SdxlTextEncoders text = SdxlTextEncoders.open(Golden.model("tiny-sdxl.safetensors"))) {
            ExtraNetworkException sd1OnSdxl = assertThrows(ExtraNetworkException.class,
                    () -> LoraNetwork.load(Golden.file("lora/tiny-sd15_lora_locon.safetensors"), textOnly(text)));
            assertTrue(sd1OnSdxl.getMessage().contains("SD 1.x/2.x LoRA") && sd1OnSdxl.getMessage().contains("SDXL"), sd1OnSdxl.getMessage());
        }
    }
}
