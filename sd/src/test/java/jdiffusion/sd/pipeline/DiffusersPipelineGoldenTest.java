package jdiffusion.sd.pipeline;

import jdiffusion.sd.image.ImageConversion;
import jdiffusion.sd.sample.diffusers.DdimScheduler;
import jdiffusion.sd.sample.diffusers.DiffusersSchedulers;
import jdiffusion.sd.sample.diffusers.SchedulerConfig;
import jdiffusion.sd.sample.diffusers.TimestepScheduler;
import jdiffusion.tensor.Backend;
import jdiffusion.tensor.testing.Golden;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import static jdiffusion.tensor.testing.TensorAssert.assertClose;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code golden/pipeline/}: diffusers 0.26 pipelines on the tiny model with injected latents and noise, checked step by
 * step (latents after every step, final latents, decoded image, uint8 image within 1-2 levels).
 */
class DiffusersPipelineGoldenTest {
    /** golden README: final latents (absmax 32-65) atol 1e-3 or 2e-5 of absmax; images 1e-4 / +-1 (+-2 another backend). */
    static final double LATENT_ATOL = 1e-3, LATENT_RTOL = 2e-5;

    static Backend backend;
    static StableDiffusionModel model;
    static DiffusersPipeline pipeline;

    @BeforeAll
    static void load() {
        backend = TinyModel.backend();
        model = TinyModel.load(backend);
        pipeline = new DiffusersPipeline(model);
    }

    @AfterAll
    static void close() {
        if (model != null) model.close();
        if (backend != null) backend.close();
    }

    @SuppressWarnings("unchecked")
    static SchedulerConfig config(Golden.Case c) {
        return SchedulerConfig.fromJson((Map<String, Object>) c.json().get("scheduler_config"));
    }

    static Supplier<float[]> draws(Golden.Case c, String prefix) {
        return new Supplier<>() {
            int i;

            @Override public float[] get() {
                String key = String.format("%s%02d", prefix, i++);
                if (!c.has(key)) throw new AssertionError("the scheduler drew more noise than the reference (" + key + ")");
                return c.floats(key);
            }
        };
    }

    void checkImage(Golden.Case c, String name, float[] latents) {
        assertClose(c.floats("final_latents"), latents, LATENT_ATOL, LATENT_RTOL, name + " final latents");
        float[] chw = pipeline.decodeToUnit(latents, 4, 32, 32);
        float[] hwc = new float[chw.length];
        int plane = 64 * 64;
        for (int p = 0; p < plane; p++) for (int ch = 0; ch < 3; ch++) hwc[p * 3 + ch] = chw[ch * plane + p];
        assertClose(c.floats("image_float"), hwc, 1e-3, 0, name + " image");
        float[] expected = c.floats("image_uint8");
        int worst = 0;
        for (int i = 0; i < hwc.length; i++) worst = Math.max(worst, (int) Math.abs(expected[i] - Math.round(hwc[i] * 255f)));
        assertTrue(worst <= 2, name + ": uint8 image off by " + worst);
    }

    @ParameterizedTest
    @ValueSource(strings = {"txt2img_ddim", "txt2img_euler_ancestral", "txt2img_dpmpp_2m_karras", "txt2img_ddim_clipskip2"})
    void txt2imgMatchesDiffusersStepByStep(String name) {
        try (Golden.Case c = Golden.open("pipeline/" + name)) {
            Map<String, Object> j = c.json();
            int clipSkip = ((Number) j.get("clip_skip_a1111")).intValue();
            TextConditioning cond = pipeline.encode((String) j.get("prompt"), clipSkip);
            TextConditioning uncond = pipeline.encode((String) j.get("negative_prompt"), clipSkip);
            assertClose(c.floats("prompt_embeds"), cond.values(), 1e-4, 0, name + " prompt embeds");
            assertClose(c.floats("negative_prompt_embeds"), uncond.values(), 1e-4, 0, name + " negative prompt embeds");
            String schedulerName = (String) j.get("scheduler");
            TimestepScheduler s = DiffusersSchedulers.create(schedulerName, config(c), ((Number) j.get("num_inference_steps")).intValue());
            float[] x = c.floats("latents_in");
            for (int i = 0; i < x.length; i++) x[i] *= s.initNoiseSigma();
            float[] out = pipeline.denoise(s, 0, x, cond, uncond, ((Number) j.get("guidance_scale")).doubleValue(), 4, 32, 32,
                    draws(c, "noise"), (i, latents) -> {
                        String key = String.format("step%02d.latents", i);
                        if (c.has(key)) assertClose(c.floats(key), latents, LATENT_ATOL, LATENT_RTOL, name + " " + key);
                        return latents;
                    });
            checkImage(c, name, out);
        }
    }

    @Test
    void img2imgDenoisesTheLastTimestepsFromTheNoisedPosteriorSample() {
        String name = "img2img_ddim_strength0.6";
        try (Golden.Case c = Golden.open("pipeline/" + name)) {
            Map<String, Object> j = c.json();
            TextConditioning cond = pipeline.encode((String) j.get("prompt"), 1), uncond = pipeline.encode((String) j.get("negative_prompt"), 1);
            byte[] rgb = bytes(c.floats("init_image_uint8"));
            float[] image = ImageConversion.toModelRange(rgb, 64, 64);
            assertClose(c.floats("init_image_normalized"), image, 1e-6, 0, name + " normalized image");
            float[] x0 = pipeline.encodeSample(image, 64, 64, c.floats("vae_posterior_noise"));
            int steps = ((Number) j.get("num_inference_steps")).intValue();
            DdimScheduler s = new DdimScheduler(config(c), steps);
            int start = DdimScheduler.startIndexForStrength(steps, ((Number) j.get("strength")).doubleValue(), s.order());
            float[] x = DdimScheduler.addNoise(config(c).schedule(), x0, c.floats("init_noise"), (int) s.timesteps()[start]);
            float[] out = pipeline.denoise(s, start, x, cond, uncond, ((Number) j.get("guidance_scale")).doubleValue(), 4, 32, 32,
                    () -> { throw new AssertionError("DDIM with eta 0 draws no noise"); }, DiffusersPipeline.StepCallback.NONE);
            checkImage(c, name, out);
        }
    }

    @Test
    void inpaintWithANormalUNetBlendsTheRenoisedOriginalOutsideTheMaskAfterEveryStep() {
        String name = "inpaint_ddim_strength0.75";
        try (Golden.Case c = Golden.open("pipeline/" + name)) {
            Map<String, Object> j = c.json();
            TextConditioning cond = pipeline.encode((String) j.get("prompt"), 1), uncond = pipeline.encode((String) j.get("negative_prompt"), 1);
            float[] image = ImageConversion.toModelRange(bytes(c.floats("init_image_uint8")), 64, 64);
            float[] maskFull = c.floats("mask_uint8");
            // binarised at 0.5, then nearest to latent size
            float[] mask = new float[32 * 32];
            for (int y = 0; y < 32; y++) for (int x = 0; x < 32; x++) mask[y * 32 + x] = maskFull[(2 * y) * 64 + 2 * x] / 255f >= 0.5f ? 1f : 0f;
            float[] imageLatents = pipeline.encodeSample(image, 64, 64, c.floats("draw00_vae"));
            float[] noise = c.floats("draw01_pipeline_stable_diffusion_inpaint");
            int steps = ((Number) j.get("num_inference_steps")).intValue();
            DdimScheduler s = new DdimScheduler(config(c), steps);
            int start = DdimScheduler.startIndexForStrength(steps, ((Number) j.get("strength")).doubleValue(), s.order());
            float[] timesteps = s.timesteps();
            float[] x = DdimScheduler.addNoise(config(c).schedule(), imageLatents, noise, (int) timesteps[start]);
            float[] out = pipeline.denoise(s, start, x, cond, uncond, ((Number) j.get("guidance_scale")).doubleValue(), 4, 32, 32,
                    () -> { throw new AssertionError("DDIM with eta 0 draws no noise"); },
                    (i, latents) -> DiffusersPipeline.blend(latents, imageLatents, noise, mask, config(c).schedule(), timesteps, i));
            checkImage(c, name, out);
        }
    }

    static byte[] bytes(float[] values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < b.length; i++) b[i] = (byte) (int) values[i];
        return b;
    }
}
