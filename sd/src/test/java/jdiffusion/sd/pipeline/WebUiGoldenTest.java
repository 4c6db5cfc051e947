package jdiffusion.sd.pipeline;

import jdiffusion.sd.sample.RngSource;
import jdiffusion.sd.sample.ScheduleType;
import jdiffusion.tensor.Backend;
import jdiffusion.tensor.testing.Golden;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static jdiffusion.tensor.testing.TensorAssert.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code golden/webui/}: each case's {@code cli} block alone (prompt, sampler, schedule, steps, CFG, size, seed, noise
 * source, clip skip) must reproduce the WebUI's uint8 image within +-2, and the intermediates match on the way.
 */
class WebUiGoldenTest {
    static Backend backend;
    static StableDiffusionModel model;

    @BeforeAll
    static void load() {
        backend = TinyModel.backend();
        model = TinyModel.load(backend);
    }

    @AfterAll
    static void close() {
        if (model != null) model.close();
        if (backend != null) backend.close();
    }

    static List<String> cases() { return Golden.caseNames("webui/index.json"); }

    static String read(java.nio.file.Path p) {
        try {
            return java.nio.file.Files.readString(p);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The run a case's {@code cli} block describes. */
    static GenerationParams paramsOf(Map<String, Object> cli) {
        GenerationParams.Builder b = new GenerationParams.Builder();
        b.prompt = (String) cli.get("prompt");
        b.negativePrompt = (String) cli.get("negative_prompt");
        b.sampler = (String) cli.get("sampler");
        b.schedule = ScheduleType.parse((String) cli.get("schedule_type"));
        b.steps = ((Number) cli.get("steps")).intValue();
        b.cfgScale = ((Number) cli.get("cfg_scale")).doubleValue();
        b.width = ((Number) cli.get("width")).intValue();
        b.height = ((Number) cli.get("height")).intValue();
        b.seed = ((Number) cli.get("seed")).longValue();
        b.rng = RngSource.parse(((String) cli.get("rng")).split("\\s+")[0]);
        b.clipSkip = ((Number) cli.get("clip_skip")).intValue();
        b.batchSize = ((Number) cli.get("batch_size")).intValue();
        return b.build();
    }

    /** Records what the generator computed, for comparison after the run. */
    static final class Recorder implements GenerationTrace {
        ConditioningSchedule cond, uncond;
        float[] sigmas, noise, latents, image;
        final List<float[]> steps = new ArrayList<>();

        @Override public void conditioning(ConditioningSchedule c, ConditioningSchedule u) { cond = c; uncond = u; }
        @Override public void sigmas(float[] s) { sigmas = s; }
        @Override public void initialNoise(float[] n) { noise = n.clone(); }
        @Override public void stepInput(int step, float[] x) { steps.add(x.clone()); }
        @Override public void finalLatents(float[] l) { latents = l.clone(); }
        @Override public void decoded(int i, float[] img) { if (i == 0) image = img.clone(); }
    }

    /** As the cli blocks give it: the single file alone; its tokenizer is found in the diffusers copy beside it. */
    @org.junit.jupiter.api.Test
    void aSingleFileFindsTheTokenizerOfTheDiffusersCopyBesideIt() {
        try (StableDiffusionModel m = StableDiffusionModel.load(backend, ModelFiles.of(Golden.model("tiny-sd15.safetensors")))) {
            assertEquals(Golden.model("tiny-sd15/tokenizer").toAbsolutePath(), m.tokenizer().folder().toAbsolutePath());
        }
    }

    /**
     * A WebUI models folder holds the single file alone (with the ldm .yaml the tiny model needs for its head count):
     * CLIP's vocabulary shipped in the jar gives the WebUI's image.
     */
    @org.junit.jupiter.api.Test
    void aLoneSingleFileUsesTheBundledTokenizerAndGivesTheSameImage(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) throws java.io.IOException {
        java.nio.file.Path lone = java.nio.file.Files.createSymbolicLink(tmp.resolve("tiny-sd15.safetensors"),
                Golden.model("tiny-sd15.safetensors").toAbsolutePath());
        java.nio.file.Files.createSymbolicLink(tmp.resolve("tiny-sd15.yaml"), Golden.model("tiny-sd15.yaml").toAbsolutePath());
        try (StableDiffusionModel m = StableDiffusionModel.load(backend, ModelFiles.of(lone))) {
            assertEquals(null, m.tokenizer().folder(), "no tokenizer folder: the bundled one");
            assertFirstCaseImage(m, "the lone file");
        }
    }

    /** The same weights as a diffusers folder (tokenizer inside, schedule from scheduler_config.json) give the same image. */
    @org.junit.jupiter.api.Test
    void theDiffusersFolderLayoutGivesTheSameImage() {
        try (StableDiffusionModel folder = StableDiffusionModel.load(backend, ModelFiles.of(Golden.model("tiny-sd15")))) {
            assertEquals("tiny-sd15", assertFirstCaseImage(folder, "the diffusers folder").info().get("Model"));
        }
    }

    /** Generates the first WebUI case's CLI parameters with {@code m} and checks the image against the WebUI's. */
    @SuppressWarnings("unchecked")
    private static GeneratedImage assertFirstCaseImage(StableDiffusionModel m, String from) {
        String name = cases().getFirst();
        try (Golden.Case c = Golden.open("webui/" + name)) {
            GenerationParams p = paramsOf((Map<String, Object>) c.json().get("cli"));
            GeneratedImage img = new Generator(m).txt2img(p, Progress.NONE).getFirst();
            float[] expected = c.floats("image_uint8");
            int worst = 0;
            for (int i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs((int) expected[i] - (img.rgb()[i] & 0xff)));
            assertTrue(worst <= 2, name + " from " + from + ": uint8 image differs by up to " + worst);
            return img;
        }
    }

    @ParameterizedTest
    @MethodSource("cases")
    @SuppressWarnings("unchecked")
    void cliParametersAloneReproduceTheWebUiImage(String name) {
        try (Golden.Case c = Golden.open("webui/" + name)) {
            GenerationParams p = paramsOf((Map<String, Object>) c.json().get("cli"));
            Recorder r = new Recorder();
            List<GeneratedImage> images = new Generator(model).txt2img(p, Progress.NONE, r);

            for (int i = 0; c.has("cond" + i); i++)
                assertClose(c.floats("cond" + i), r.cond.entries().get(i).conditioning().values(), 1e-4, 0, name + " cond" + i);
            assertClose(c.floats("uncond"), r.uncond.entries().getFirst().conditioning().values(), 1e-4, 0, name + " uncond");
            assertClose(c.floats("sigmas"), r.sigmas, 1e-5, 1e-6, name + " sigmas");
            assertClose(c.floats("initial_noise"), r.noise, 1e-6, 0, name + " initial noise");
            for (int i = 0; i < r.steps.size(); i++) {
                String key = String.format("step%02d.x", i);
                if (c.has(key)) assertClose(c.floats(key), r.steps.get(i), 1e-3, 2e-5, name + " " + key);
            }
            assertClose(c.floats("final_latents"), r.latents, 1e-3, 0, name + " final latents");
            float[] image01 = new float[r.image.length];
            for (int i = 0; i < image01.length; i++) image01[i] = Math.min(1f, Math.max(0f, (r.image[i] + 1f) / 2f));
            assertClose(c.floats("image_float"), image01, 1e-3, 0, name + " decoded image in [0, 1]");

            float[] expected = c.floats("image_uint8");
            GeneratedImage img = images.getFirst();
            assertEquals(expected.length, img.rgb().length, name + ": image size");
            int worst = 0;
            for (int i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs((int) expected[i] - (img.rgb()[i] & 0xff)));
            assertTrue(worst <= 2, name + ": uint8 image differs by up to " + worst + " (tolerance 2)");
        }
    }
}
