package jdiffusion.sd.pipeline;

import jdiffusion.sd.TestBackends;
import jdiffusion.sd.checkpoint.SdxlTextEncoders;
import jdiffusion.sd.clip.ClipTokenizer;
import jdiffusion.tensor.Backend;
import jdiffusion.tensor.Tensor;
import jdiffusion.tensor.testing.Golden;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;

import static jdiffusion.tensor.testing.TensorAssert.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The WebUI 1.10 SDXL conditioning (sdxl/tiny-sdxl*_conditioner_*): {crossattn, vector} of base and refiner from each
 * case's prompts, image size, crop and negative flag alone, from the sgm single file, the diffusers folder and F16.
 */
class SdxlConditionerGoldenTest {
    private static final double ATOL = 1e-4;
    /** F16 weights (rounded by up to 5e-4 relative) move the conditioning by their rounding: measured under 4e-3 on these cases. */
    private static final double HALF_WEIGHTS_ATOL = 1e-2;
    private static Backend backend;
    private static ClipTokenizer tokenizer;

    @BeforeAll static void start() {
        backend = TestBackends.create();
        tokenizer = ClipTokenizer.load(Golden.model("clip-tokenizer-sd1"));
    }

    @AfterAll static void stop() { if (backend != null) backend.close(); }

    @SuppressWarnings("unchecked")
    static List<SdxlConditioning> encode(SdxlConditioner conditioner, Golden.Case c) {
        List<String> prompts = (List<String>) c.json().get("prompts");
        int width = ((Number) c.json().get("width")).intValue(), height = ((Number) c.json().get("height")).intValue();
        float[] crop = c.floats("input.crop_coords_top_left");
        boolean negative = (Boolean) c.json().get("is_negative_prompt");
        return conditioner.encode(prompts, SdxlSizeConditioning.webUi(width, height, (int) crop[0], (int) crop[1], negative), negative);
    }

    static Tensor crossattn(List<SdxlConditioning> conds) {
        TextConditioning first = conds.getFirst().crossattn();
        float[] all = new float[conds.size() * first.values().length];
        for (int i = 0; i < conds.size(); i++) System.arraycopy(conds.get(i).crossattn().values(), 0, all, i * first.values().length, first.values().length);
        return Tensor.of(all, conds.size(), first.tokens(), first.dim());
    }

    static Tensor vector(List<SdxlConditioning> conds) {
        int n = conds.getFirst().vector().length;
        float[] all = new float[conds.size() * n];
        for (int i = 0; i < conds.size(); i++) System.arraycopy(conds.get(i).vector(), 0, all, i * n, n);
        return Tensor.of(all, conds.size(), n);
    }

    @ParameterizedTest
    @CsvSource({
            "tiny-sdxl.safetensors, tiny-sdxl_conditioner_prompt_48x32",
            "tiny-sdxl.safetensors, tiny-sdxl_conditioner_emphasis_long_batch2_64x64_crop",
            "tiny-sdxl.safetensors, tiny-sdxl_conditioner_negative_empty_zeroed",
            "tiny-sdxl.safetensors, tiny-sdxl_conditioner_negative_text",
            "tiny-sdxl/, tiny-sdxl_conditioner_prompt_48x32",
            "tiny-sdxl/, tiny-sdxl_conditioner_emphasis_long_batch2_64x64_crop",
            "tiny-sdxl/, tiny-sdxl_conditioner_negative_empty_zeroed",
            "tiny-sdxl/, tiny-sdxl_conditioner_negative_text",
            "tiny-sdxl-refiner.safetensors, tiny-sdxl-refiner_conditioner_prompt_48x32",
            "tiny-sdxl-refiner.safetensors, tiny-sdxl-refiner_conditioner_negative_empty_zeroed",
            "tiny-sdxl-refiner.safetensors, tiny-sdxl-refiner_conditioner_negative_text_aesthetic",
            "tiny-sdxl.fp16.safetensors, tiny-sdxl_conditioner_emphasis_long_batch2_64x64_crop",
            "tiny-sdxl.fp16.safetensors, tiny-sdxl_conditioner_negative_empty_zeroed",
    })
    void conditioningMatchesTheWebUi(String model, String name) {
        double atol = model.contains("fp16") ? HALF_WEIGHTS_ATOL : ATOL;
        try (SdxlTextEncoders text = SdxlTextEncoders.open(Golden.model(model));
             Golden.Case c = Golden.open("sdxl/" + name)) {
            SdxlConditioner conditioner = new SdxlConditioner(backend, text, tokenizer, null);
            List<SdxlConditioning> conds = encode(conditioner, c);
            String what = model + " " + name;
            assertEquals(c.tensor("vector").size(1), conditioner.vectorDim(), what + " vector width");
            assertClose(c.tensor("vector"), vector(conds), atol, 0, what + " vector");
            assertClose(c.tensor("crossattn"), crossattn(conds), atol, 0, what + " crossattn");
        }
    }

    /** The text side of the WebUI end-to-end cases, from their {@code cli} blocks alone (base, and the refiner after the switch). */
    @ParameterizedTest
    @CsvSource({
            "webui_sdxl_euler_a_48x32, ",
            "webui_sdxl_dpmpp2m_karras_emptyneg_32x48, ",
            "webui_sdxl_refiner_switch0.8_euler_a_48x32, ",
            "webui_sdxl_refiner_switch0.8_euler_a_48x32, refiner.",
    })
    @SuppressWarnings("unchecked")
    void webUiRunsConditionFromTheirCliBlocks(String name, String prefix) {
        String p = prefix == null ? "" : prefix;
        try (Golden.Case c = Golden.open("sdxl/" + name);
             SdxlTextEncoders text = SdxlTextEncoders.open(Golden.model(p.isEmpty() ? "tiny-sdxl.safetensors" : "tiny-sdxl-refiner.safetensors"))) {
            java.util.Map<String, Object> cli = (java.util.Map<String, Object>) c.json().get("cli");
            int width = ((Number) cli.get("width")).intValue(), height = ((Number) cli.get("height")).intValue();
            int steps = ((Number) cli.get("steps")).intValue();
            SdxlConditioner conditioner = new SdxlConditioner(backend, text, tokenizer, null);
            List<SdxlConditioner.Scheduled> cond = conditioner.schedule((String) cli.get("prompt"), steps,
                    SdxlSizeConditioning.webUi(width, height, 0, 0, false), false);
            List<SdxlConditioner.Scheduled> uncond = conditioner.schedule((String) cli.get("negative_prompt"), steps,
                    SdxlSizeConditioning.webUi(width, height, 0, 0, true), true);
            assertEquals(1, cond.size());
            String what = name + " " + p;
            assertClose(c.floats(p + "cond0.crossattn"), cond.getFirst().conditioning().crossattn().values(), ATOL, 0, what + "cond0.crossattn");
            assertClose(c.floats(p + "cond0.vector"), cond.getFirst().conditioning().vector(), ATOL, 0, what + "cond0.vector");
            assertClose(c.floats(p + "uncond.crossattn"), uncond.getFirst().conditioning().crossattn().values(), ATOL, 0, what + "uncond.crossattn");
            assertClose(c.floats(p + "uncond.vector"), uncond.getFirst().conditioning().vector(), ATOL, 0, what + "uncond.vector");
        }
    }
}
