package jdiffusion.sd.pipeline;

import jdiffusion.sd.extra.ModelsFolder;
import jdiffusion.sd.sample.ScheduleType;
import jdiffusion.tensor.Backend;
import jdiffusion.tensor.testing.Golden;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static jdiffusion.tensor.testing.TensorAssert.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code golden/upscale/hires_*}: txt2img with the WebUI's Hires. fix from each case's {@code cli} block (the ESRGAN
 * upscaler found by name in a models folder's {@code models/ESRGAN}); the VAE posterior's ε, which the WebUI draws
 * from torch's unseeded global generator, is the case's input. Image within ±2 levels, latents at 1e-3, and the
 * hires part of the infotext as the WebUI writes it.
 */
class HiresFixGoldenTest {
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

    static List<String> cases() { return Golden.caseNames("upscale/index_hires.json"); }

    /** The hires fix a case's {@code cli} block describes. */
    static HiresFix hiresOf(Map<String, Object> cli) {
        HiresFix h = HiresFix.defaults().withUpscaler((String) cli.get("hr_upscaler"))
                .withScale(((Number) cli.get("hr_scale")).doubleValue())
                .withResize(((Number) cli.get("hr_resize_x")).intValue(), ((Number) cli.get("hr_resize_y")).intValue())
                .withSecondPassSteps(((Number) cli.get("hr_second_pass_steps")).intValue())
                .withPrompts((String) cli.get("hr_prompt"), (String) cli.get("hr_negative_prompt"));
        String sampler = (String) cli.get("hr_sampler"), schedule = (String) cli.get("hr_schedule_type");
        h = h.withSampler(sampler == null || sampler.startsWith("Use same") ? null : sampler,
                schedule == null || schedule.startsWith("Use same") ? null : ScheduleType.parse(schedule));
        if (cli.get("ESRGAN_tile") instanceof Number t) h = h.withTiles(t.intValue(), ((Number) cli.get("ESRGAN_tile_overlap")).intValue());
        return h;
    }

    static final class Recorder implements GenerationTrace {
        final Map<String, float[]> values = new HashMap<>();
        final float[] posteriorNoise;
        float[] finalLatents, image;

        Recorder(float[] posteriorNoise) { this.posteriorNoise = posteriorNoise; }

        @Override public void hires(String name, float[] v) { values.put(name, v.clone()); }
        @Override public float[] hiresPosteriorNoise(int index, int numel) {
            if (posteriorNoise == null) return null;
            assertEquals(numel, posteriorNoise.length, "posterior noise size");
            return posteriorNoise;
        }
        @Override public void finalLatents(float[] l) { finalLatents = l.clone(); }
        @Override public void decoded(int i, float[] img) { if (i == 0) image = img.clone(); }
    }

    @ParameterizedTest
    @MethodSource("cases")
    @SuppressWarnings("unchecked")
    void cliBlockReproducesTheWebUiHiresFix(String name, @TempDir Path dir) throws IOException {
        Path esrgan = Files.createDirectories(dir.resolve("models/ESRGAN"));
        Files.copy(Golden.model("upscale/tiny-esrgan-old-4x.pth"), esrgan.resolve("tiny-esrgan-old-4x.pth"));
        try (Golden.Case c = Golden.open("upscale/" + name)) {
            Map<String, Object> cli = (Map<String, Object>) c.json().get("cli");
            GenerationParams p = WebUiGoldenTest.paramsOf(cli).toBuilder()
                    .denoisingStrength(((Number) cli.get("denoising_strength")).doubleValue()).build();
            HiresFix hires = hiresOf(cli);
            Recorder r = new Recorder(c.has("vae_encode.noise") ? c.floats("vae_encode.noise") : null);
            Generator generator = new Generator(model, ModelsFolder.of(dir));
            List<GeneratedImage> images = generator.txt2img(p, hires, Progress.NONE, r);
            generator.upscalers().close();

            if (c.has("upscaled_image_uint8")) {
                float[] e = c.floats("upscaled_image_uint8"), a = r.values.get("upscaled_image_uint8/0");
                assertClose(e, a, 1.0, 0, name + " upscaled image (±1)");
            }
            assertClose(c.floats("upscaled_latents"), r.values.get("upscaled_latents"), 1e-3, 0, name + " upscaled latents");
            assertClose(c.floats("hires.noise"), r.values.get("hires.noise"), 1e-6, 0, name + " hires noise");
            assertClose(c.floats("hires.sigma_sched"), r.values.get("hires.sigma_sched"), 1e-5, 1e-6, name + " sigma schedule");
            assertClose(c.floats("hires.cond0"), r.values.get("hires.cond0"), 1e-4, 0, name + " hires cond");
            assertClose(c.floats("hires.uncond"), r.values.get("hires.uncond"), 1e-4, 0, name + " hires uncond");
            assertClose(c.floats("final_latents"), r.finalLatents, 1e-3, 0, name + " final latents");

            float[] expected = c.floats("image_uint8");
            GeneratedImage img = images.getFirst();
            assertEquals(expected.length, img.rgb().length, name + ": image size");
            int worst = 0;
            for (int i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs((int) expected[i] - (img.rgb()[i] & 0xff)));
            assertTrue(worst <= 2, name + ": uint8 image differs by up to " + worst + " (tolerance 2)");

            String want = (String) c.json().get("infotext");
            String hiresPart = want.substring(want.indexOf("Denoising strength"), want.indexOf(", Version"));
            String got = img.info().format();
            assertTrue(got.contains(hiresPart), name + ": infotext\n" + got + "\nlacks\n" + hiresPart);
            assertEquals(hiresOf(cli), HiresFix.fromInfotext(InfoTexts.apply(jdiffusion.sd.image.InfoText.parse(got), GenerationParams.defaults()).params().extra()).withTiles(hires.tile(), hires.tileOverlap()),
                    name + ": the infotext reads back to the same hires fix");
        }
    }
}
