package jdiffusion.sd.pipeline;

import jdiffusion.sd.sample.diffusers.EulerDiscreteScheduler;
import jdiffusion.sd.sample.diffusers.SchedulerConfig;
import jdiffusion.tensor.Backend;
import jdiffusion.tensor.json.Json;
import jdiffusion.tensor.testing.Golden;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import static jdiffusion.tensor.testing.TensorAssert.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code golden/sdxl/diffusers_*}: diffusers 0.26's {@code StableDiffusionXLPipeline} on the tiny SDXL folder with the
 * golden's initial noise: Euler with "leading" spacing, time ids from the size arguments, force-zero uncond without a
 * negative prompt, every step's latents, the image within +-1; and the base + refiner ensemble of experts.
 */
class SdxlDiffusersPipelineGoldenTest {
    static Backend backend;
    static StableDiffusionModel base;

    @BeforeAll
    static void load() {
        backend = TinyModel.backend();
        base = StableDiffusionModel.load(backend, ModelFiles.of(Golden.model("tiny-sdxl")));
    }

    @AfterAll
    static void close() {
        if (base != null) base.close();
        if (backend != null) backend.close();
    }

    static EulerDiscreteScheduler scheduler(int steps) throws Exception {
        Map<String, Object> json = Json.parseObject(Files.readString(Golden.model("tiny-sdxl/scheduler/scheduler_config.json")));
        return new EulerDiscreteScheduler(SchedulerConfig.fromJson(json), steps);
    }

    static final Supplier<float[]> UNUSED_DRAW = () -> null;

    static int num(Object o) { return ((Number) o).intValue(); }

    static SdxlSizeConditioning size(List<?> original, List<?> crop, List<?> target) {
        return new SdxlSizeConditioning(num(original.get(0)), num(original.get(1)), num(crop.get(0)), num(crop.get(1)),
                num(target.get(0)), num(target.get(1)), 0);
    }

    @ParameterizedTest
    @ValueSource(strings = {"diffusers_txt2img_euler_neg_48x32", "diffusers_txt2img_euler_noneg_32x48", "diffusers_txt2img_euler_sizecond_48x32"})
    @SuppressWarnings("unchecked")
    void txt2imgMatchesDiffusersStepByStep(String name) throws Exception {
        try (Golden.Case c = Golden.open("sdxl/" + name)) {
            Map<String, Object> call = (Map<String, Object>) c.json().get("call");
            int width = num(call.get("width")), height = num(call.get("height")), steps = num(call.get("num_inference_steps"));
            List<Integer> imageSize = List.of(height, width);
            SdxlSizeConditioning condSize = size((List<?>) call.getOrDefault("original_size", imageSize),
                    (List<?>) call.getOrDefault("crops_coords_top_left", List.of(0, 0)), (List<?>) call.getOrDefault("target_size", imageSize));
            SdxlSizeConditioning uncondSize = size((List<?>) call.getOrDefault("negative_original_size", condSize.originalHeight() == height ? imageSize
                            : List.of((int) condSize.originalHeight(), (int) condSize.originalWidth())),
                    (List<?>) call.getOrDefault("negative_crops_coords_top_left", List.of((int) condSize.cropTop(), (int) condSize.cropLeft())),
                    (List<?>) call.getOrDefault("negative_target_size", List.of((int) condSize.targetHeight(), (int) condSize.targetWidth())));
            DiffusersPipeline pipeline = new DiffusersPipeline(base);
            TextConditioning cond = pipeline.encodeSdxl((String) call.get("prompt"), condSize);
            Object negative = call.get("negative_prompt");
            TextConditioning uncond = negative == null ? pipeline.zeroSdxl(uncondSize) : pipeline.encodeSdxl((String) negative, uncondSize);
            EulerDiscreteScheduler s = scheduler(steps);
            assertArrayEquals(c.floats("timesteps"), s.timesteps(), 0f, name + " timesteps");
            assertClose(c.floats("sigmas"), s.sigmas(), 1e-5, 1e-6, name + " sigmas");
            float[] x = c.floats("initial_noise");
            for (int i = 0; i < x.length; i++) x[i] *= s.initNoiseSigma();
            int h = height / 2, w = width / 2;
            float[] out = pipeline.denoise(s, 0, x, cond, uncond, ((Number) call.get("guidance_scale")).doubleValue(), 4, h, w, UNUSED_DRAW,
                    (i, latents) -> {
                        String key = String.format("step%02d.latents", i);
                        if (c.has(key)) assertClose(c.floats(key), latents, 1e-3, 2e-5, name + " " + key);
                        return latents;
                    });
            checkImage(c, name, pipeline, out, h, w);
        }
    }

    @Test
    void ensembleOfExpertsSplitsOneScheduleBetweenBaseAndRefiner() throws Exception {
        String name = "diffusers_ensemble_base_refiner_48x32";
        try (Golden.Case c = Golden.open("sdxl/" + name);
             StableDiffusionModel refiner = Refiner.load(backend, Golden.model("tiny-sdxl-refiner.safetensors"), base, 0.8).model()) {
            String prompt = "a photo of an astronaut riding a horse on mars", negative = "blurry";
            int h = 16, w = 24;
            DiffusersPipeline first = new DiffusersPipeline(base), second = new DiffusersPipeline(refiner);
            SdxlSizeConditioning size = new SdxlSizeConditioning(32, 48, 0, 0, 32, 48, SdxlSizeConditioning.WEBUI_POSITIVE_AESTHETIC);
            SdxlSizeConditioning negativeSize = new SdxlSizeConditioning(32, 48, 0, 0, 32, 48, SdxlSizeConditioning.WEBUI_NEGATIVE_AESTHETIC);
            EulerDiscreteScheduler s = scheduler(10);
            int split = DiffusersPipeline.splitIndex(s.timesteps(), 0.8);
            assertArrayEquals(new float[] {901, 801, 701, 601, 501, 401, 301, 201}, java.util.Arrays.copyOf(s.timesteps(), split), 0f);
            float[] x = c.floats("initial_noise");
            for (int i = 0; i < x.length; i++) x[i] *= s.initNoiseSigma();
            float[] latents = first.denoise(s, 0, split, x, first.encodeSdxl(prompt, size), first.encodeSdxl(negative, size), 5.0, 4, h, w,
                    UNUSED_DRAW, (i, l) -> {
                        assertClose(c.floats(String.format("base.step%02d.latents", i)), l, 1e-3, 2e-5, name + " base step " + i);
                        return l;
                    });
            assertClose(c.floats("base_latents"), latents, 1e-3, 2e-5, name + " base latents");
            // the refiner builds the same schedule and runs the timesteps below the cutoff, adding no noise
            EulerDiscreteScheduler r = scheduler(10);
            float[] out = second.denoise(r, split, r.timesteps().length, latents, second.encodeSdxl(prompt, size),
                    second.encodeSdxl(negative, negativeSize), 5.0, 4, h, w, UNUSED_DRAW, (i, l) -> {
                        assertClose(c.floats(String.format("refiner.step%02d.latents", i - split)), l, 1e-3, 2e-5, name + " refiner step " + i);
                        return l;
                    });
            assertClose(c.floats("final_latents"), out, 1e-3, 0, name + " final latents");
            // the golden's image is the raw decode (nominally [-1, 1]); compare both in [0, 1]
            float[] expected = c.floats("image");
            for (int i = 0; i < expected.length; i++) expected[i] = Math.min(1f, Math.max(0f, expected[i] / 2f + 0.5f));
            assertClose(expected, second.decodeToUnit(out, 4, h, w), 1e-3, 0, name + " image");
        }
    }

    static void checkImage(Golden.Case c, String name, DiffusersPipeline pipeline, float[] latents, int h, int w) {
        assertClose(c.floats("final_latents"), latents, 1e-3, 0, name + " final latents");
        float[] chw = pipeline.decodeToUnit(latents, 4, h, w);
        int plane = chw.length / 3;
        float[] hwc = new float[chw.length];
        for (int p = 0; p < plane; p++) for (int ch = 0; ch < 3; ch++) hwc[p * 3 + ch] = chw[ch * plane + p];
        float[] expected = c.floats("image_uint8");
        int worst = 0;
        for (int i = 0; i < hwc.length; i++) worst = Math.max(worst, (int) Math.abs(expected[i] - Math.round(hwc[i] * 255f)));
        assertTrue(worst <= 1, name + ": uint8 image off by " + worst + " (diffusers rounds; tolerance 1)");
    }
}
