package jdiffusion.sd.pipeline;

import jdiffusion.tensor.Backend;
import jdiffusion.tensor.testing.Golden;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;
import java.util.Map;

import static jdiffusion.tensor.testing.TensorAssert.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code golden/sdxl/webui_*}: each case's {@code cli} block alone reproduces the WebUI's SDXL image within +-2
 * (conditioning {crossattn, vector} with the image size as original and target size, the force-zero empty negative,
 * sigmas, Philox noise, every step), from the sgm single file and from the diffusers folder.
 */
class SdxlWebUiGoldenTest {
    static Backend backend;

    @BeforeAll static void start() { backend = TinyModel.backend(); }

    @AfterAll static void stop() { if (backend != null) backend.close(); }

    @ParameterizedTest
    @CsvSource({
            "webui_sdxl_euler_a_48x32, tiny-sdxl.safetensors",
            "webui_sdxl_dpmpp2m_karras_emptyneg_32x48, tiny-sdxl.safetensors",
            "webui_sdxl_euler_a_48x32, tiny-sdxl",
            "webui_sdxl_dpmpp2m_karras_emptyneg_32x48, tiny-sdxl.fp16.safetensors"})
    @SuppressWarnings("unchecked")
    void cliParametersAloneReproduceTheWebUiImage(String name, String modelFile) {
        boolean f16 = modelFile.contains("fp16");
        try (Golden.Case c = Golden.open("sdxl/" + name);
             StableDiffusionModel model = StableDiffusionModel.load(backend, ModelFiles.of(Golden.model(modelFile)))) {
            assertTrue(model.isSdxl());
            GenerationParams p = WebUiGoldenTest.paramsOf((Map<String, Object>) c.json().get("cli"));
            WebUiGoldenTest.Recorder r = new WebUiGoldenTest.Recorder();
            List<GeneratedImage> images = new Generator(model).txt2img(p, Progress.NONE, r);
            String what = name + " (" + modelFile + ")";
            if (!f16) {
                TextConditioning cond = r.cond.entries().getFirst().conditioning(), uncond = r.uncond.entries().getFirst().conditioning();
                assertClose(c.floats("cond0.crossattn"), cond.values(), 1e-4, 0, what + " cond crossattn");
                assertClose(c.floats("cond0.vector"), cond.vector(), 1e-4, 0, what + " cond vector");
                assertClose(c.floats("uncond.crossattn"), uncond.values(), 1e-4, 0, what + " uncond crossattn");
                assertClose(c.floats("uncond.vector"), uncond.vector(), 1e-4, 0, what + " uncond vector");
                assertClose(c.floats("sigmas"), r.sigmas, 1e-5, 1e-6, what + " sigmas");
                assertClose(c.floats("initial_noise"), r.noise, 1e-6, 0, what + " initial noise");
                for (int i = 0; i < r.steps.size(); i++) {
                    String key = String.format("step%02d.x", i);
                    if (c.has(key)) assertClose(c.floats(key), r.steps.get(i), 1e-3, 2e-5, what + " " + key);
                }
                assertClose(c.floats("final_latents"), r.latents, 1e-3, 0, what + " final latents");
            }
            float[] expected = c.floats("image_uint8");
            GeneratedImage img = images.getFirst();
            assertEquals(expected.length, img.rgb().length, what + ": image size");
            int worst = 0;
            for (int i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs((int) expected[i] - (img.rgb()[i] & 0xff)));
            // the golden's +-2 holds for the F16 file too (its weights are the F32 ones rounded)
            assertTrue(worst <= 2, what + ": uint8 image differs by up to " + worst + " (tolerance 2)");
        }
    }

    /**
     * "Refiner: tiny-sdxl-refiner, Switch at 0.8": the refiner's UNet and conditioning take over before denoiser call 8
     * (t = 111); every step before and after the switch, the image, and the infotext.
     */
    @org.junit.jupiter.api.Test
    @SuppressWarnings("unchecked")
    void refinerSwitchAtEightTenthsFollowsTheWebUi() {
        String name = "webui_sdxl_refiner_switch0.8_euler_a_48x32";
        try (Golden.Case c = Golden.open("sdxl/" + name);
             StableDiffusionModel base = StableDiffusionModel.load(backend, ModelFiles.of(Golden.model("tiny-sdxl.safetensors")));
             StableDiffusionModel refinerModel = Refiner.load(backend, Golden.model("tiny-sdxl-refiner.safetensors"), base, 0.8).model()) {
            Map<String, Object> cli = (Map<String, Object>) c.json().get("cli");
            GenerationParams p = WebUiGoldenTest.paramsOf(cli);
            Generator g = new Generator(base);
            g.useRefiner(new Refiner(refinerModel, ((Number) cli.get("refiner_switch_at")).doubleValue()));
            WebUiGoldenTest.Recorder r = new WebUiGoldenTest.Recorder();
            GeneratedImage img = g.txt2img(p, Progress.NONE, r).getFirst();
            for (int i = 0; i < r.steps.size(); i++) {
                String key = String.format("step%02d.x", i);
                if (c.has(key)) assertClose(c.floats(key), r.steps.get(i), 1e-3, 2e-5, name + " " + key);
            }
            assertClose(c.floats("final_latents"), r.latents, 1e-3, 0, name + " final latents");
            float[] expected = c.floats("image_uint8");
            int worst = 0;
            for (int i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs((int) expected[i] - (img.rgb()[i] & 0xff)));
            assertTrue(worst <= 2, name + ": uint8 image differs by up to " + worst + " (tolerance 2)");
            assertEquals("tiny-sdxl-refiner [" + refinerModel.hash() + "]", img.info().get("Refiner"));
            assertEquals("0.8", img.info().get("Refiner switch at"));
        }
    }
}
