package jdiffusion.sd.pipeline;

import jdiffusion.nn.Weights;
import jdiffusion.sd.checkpoint.ControlNetFile;
import jdiffusion.sd.controlnet.ControlNet;
import jdiffusion.sd.controlnet.DiffusersControl;
import jdiffusion.sd.sample.diffusers.DiffusersSchedulers;
import jdiffusion.sd.sample.diffusers.TimestepScheduler;
import jdiffusion.tensor.Backend;
import jdiffusion.tensor.testing.Golden;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static jdiffusion.tensor.testing.TensorAssert.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code golden/controlnet/pipe_*}: diffusers' {@code StableDiffusionControlNetPipeline} on tiny-sd15 + the tiny ControlNet
 * (diffusers folder), step by step: one unit, two units summed, guidance start/end, guess mode.
 */
class DiffusersControlNetGoldenTest {
    /** golden README: pipe_* final latents (absmax 19-58) atol 1e-3 or 2e-5 of absmax; images ±2 per channel */
    static final double LATENT_ATOL = 1e-3, LATENT_RTOL = 2e-5;

    static Backend backend;
    static StableDiffusionModel model;
    static DiffusersPipeline pipeline;
    static ControlNetFile file;
    static ControlNet net;

    @BeforeAll
    static void load() {
        backend = TinyModel.backend();
        model = TinyModel.load(backend);
        pipeline = new DiffusersPipeline(model);
        file = ControlNetFile.open(Golden.model("tiny-controlnet-sd15"), model.unet().config());
        net = new ControlNet(backend, new Weights(file.weights()), file.config());
    }

    @AfterAll
    static void close() {
        if (file != null) file.close();
        if (model != null) model.close();
        if (backend != null) backend.close();
    }

    /** {@code [H, W, 3]} uint8 values to a {@code [1, 3, H, W]} hint in [0, 1] (diffusers' control image preprocessing). */
    static float[] hint(float[] hwc, int height, int width) {
        float[] chw = new float[hwc.length];
        for (int p = 0; p < height * width; p++) for (int c = 0; c < 3; c++) chw[c * height * width + p] = hwc[p * 3 + c] / 255f;
        return chw;
    }

    @ParameterizedTest
    @ValueSource(strings = {"pipe_single_canny_ddim_48x40", "pipe_multi_two_units_euler_40x48", "pipe_start0.2_end0.8_ddim_40x40",
            "pipe_guess_mode_ddim_48x40"})
    @SuppressWarnings("unchecked")
    void controlNetPipelineMatchesDiffusersStepByStep(String name) {
        try (Golden.Case c = Golden.open("controlnet/" + name)) {
            Map<String, Object> j = c.json();
            int width = ((Number) j.get("width")).intValue(), height = ((Number) j.get("height")).intValue();
            int h = height / 2, w = width / 2;
            TextConditioning cond = pipeline.encode((String) j.get("prompt"), 1), uncond = pipeline.encode((String) j.get("negative_prompt"), 1);
            assertClose(c.floats("prompt_embeds"), cond.values(), 1e-4, 0, name + " prompt embeds");
            assertClose(c.floats("negative_prompt_embeds"), uncond.values(), 1e-4, 0, name + " negative prompt embeds");
            List<DiffusersControl.Unit> units = new ArrayList<>();
            List<Map<String, Object>> unitJson = (List<Map<String, Object>>) j.get("units");
            for (int k = 0; k < unitJson.size(); k++)
                units.add(new DiffusersControl.Unit(net, hint(c.floats("unit" + k + ".control_image_uint8"), height, width), height, width,
                        ((Number) unitJson.get(k).get("controlnet_conditioning_scale")).floatValue()));
            DiffusersControl control = new DiffusersControl(backend, units, Boolean.TRUE.equals(j.get("guess_mode")),
                    ((Number) j.get("control_guidance_start")).doubleValue(), ((Number) j.get("control_guidance_end")).doubleValue());
            int steps = ((Number) j.get("steps")).intValue();
            List<List<Number>> keep = (List<List<Number>>) j.get("controlnet_keep_per_step");
            for (int i = 0; i < steps; i++) assertEquals(keep.get(i).getFirst().doubleValue() == 1.0, control.keeps(i, steps), name + " keep at step " + i);

            TimestepScheduler s = DiffusersSchedulers.create((String) j.get("scheduler"), DiffusersPipelineGoldenTest.config(c), steps);
            float[] x = c.floats("latents_in");
            for (int i = 0; i < x.length; i++) x[i] *= s.initNoiseSigma();
            float[] out = pipeline.denoise(s, 0, x, cond, uncond, ((Number) j.get("guidance_scale")).doubleValue(), 4, h, w,
                    () -> new float[4 * h * w], (i, latents) -> {
                        String key = String.format("step%02d.latents", i);
                        if (c.has(key)) assertClose(c.floats(key), latents, LATENT_ATOL, LATENT_RTOL, name + " " + key);
                        return latents;
                    }, control::atStep);
            assertClose(c.floats("final_latents"), out, LATENT_ATOL, LATENT_RTOL, name + " final latents");
            float[] chw = pipeline.decodeToUnit(out, 4, h, w);
            float[] expected = c.floats("image_uint8");
            int worst = 0, plane = height * width;
            for (int p = 0; p < plane; p++)
                for (int ch = 0; ch < 3; ch++) worst = Math.max(worst, (int) Math.abs(expected[p * 3 + ch] - Math.round(chw[ch * plane + p] * 255f)));
            assertTrue(worst <= 2, name + ": uint8 image off by " + worst);
        }
    }
}
