package jdiffusion.sd.pipeline;

import jdiffusion.sd.image.InfoText;
import jdiffusion.sd.sample.RngSource;
import jdiffusion.sd.sample.ScheduleType;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The WebUI 1.10 infotext layout ({@code create_infotext}) and reading one back. */
class InfoTextsTest {
    static GenerationParams params() {
        return new GenerationParams.Builder().prompt("a cat, (masterpiece:1.2)").negativePrompt("blurry").steps(20)
                .sampler("DPM++ 2M").schedule(ScheduleType.KARRAS).cfgScale(7).seed(1).size(512, 512).build();
    }

    @Test
    void txt2imgInfotextHasTheWebUiKeysInTheWebUiOrder() {
        InfoText info = InfoTexts.create(params(), 1, 2, "v1-5-pruned-emaonly", "6ce0161689", null, null, false, false, false);
        assertEquals("a cat, (masterpiece:1.2)\nNegative prompt: blurry\n"
                + "Steps: 20, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 7, Seed: 1, Size: 512x512, "
                + "Model hash: 6ce0161689, Model: v1-5-pruned-emaonly, Version: " + InfoTexts.VERSION, info.format());
    }

    @Test
    void optionalKeysAppearOnlyWhenTheyMatter() {
        GenerationParams.Builder b = params().toBuilder();
        b.clipSkip = 2;
        b.rng = RngSource.CPU;
        b.subseedStrength = 0.25;
        b.cfgScale = 6.5;
        b.denoisingStrength = 0.6;
        InfoText info = InfoTexts.create(b.build(), 5, 9, "m", "0123456789", "vae.safetensors", "abcdef0123", true, true, false);
        assertEquals("Steps: 20, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 6.5, Seed: 5, Size: 512x512, Model hash: 0123456789, "
                        + "Model: m, VAE hash: abcdef0123, VAE: vae.safetensors, Variation seed: 9, Variation seed strength: 0.25, "
                        + "Denoising strength: 0.6, Clip skip: 2, RNG: CPU, Mask blur: 4, Version: " + InfoTexts.VERSION,
                info.format().lines().toList().getLast());
    }

    @Test
    void readingBackRestoresTheParametersAndKeepsUnknownKeys() {
        String text = "a castle\nNegative prompt: fog, (rain:1.1)\nSteps: 30, Sampler: Euler a, CFG scale: 5.5, Seed: 42, Size: 640x448, "
                + "Model hash: 0123456789, Model: x, Clip skip: 2, Hires upscale: 2, Lora hashes: \"a: 1, b: 2\", Version: v1.10.1";
        InfoTexts.Applied a = InfoTexts.apply(InfoText.parse(text), GenerationParams.defaults());
        GenerationParams p = a.params();
        assertEquals("a castle", p.prompt());
        assertEquals("fog, (rain:1.1)", p.negativePrompt());
        assertEquals(30, p.steps());
        assertEquals("Euler a", p.sampler());
        assertEquals(ScheduleType.AUTOMATIC, p.schedule());
        assertEquals(5.5, p.cfgScale());
        assertEquals(42, p.seed());
        assertEquals(640, p.width());
        assertEquals(448, p.height());
        assertEquals(2, p.clipSkip());
        // Lora hashes are recomputed from the prompt's tags, Model and Version from what runs: only Hires is not applied
        assertEquals(List.of("Hires upscale"), a.unknownKeys());
    }

    @Test
    void keysThatWereNotAppliedAreNotWrittenBack() {
        String text = "a castle\nSteps: 30, Sampler: Euler a, CFG scale: 5.5, Seed: 42, Size: 64x64, Hires upscale: 2, "
                + "Hires upscaler: Latent, ADetailer model: face_yolov8n.pt, Lora hashes: \"a: 1\", TI hashes: \"e: 2\", Version: v1.10.1";
        InfoTexts.Applied a = InfoTexts.apply(InfoText.parse(text), GenerationParams.defaults());
        assertEquals(List.of("Hires upscale", "Hires upscaler", "ADetailer model"), a.unknownKeys());
        InfoText out = InfoTexts.create(a.params(), 42, 0, "m", "0123456789", null, null, false, false, false);
        for (String k : List.of("Hires upscale", "Hires upscaler", "ADetailer model", "Lora hashes", "TI hashes"))
            assertNull(out.get(k), k + " did not run, so the output does not claim it");
        assertEquals(InfoTexts.VERSION, out.get("Version"));
    }

    @Test
    void networksUsedComeAfterTheFixedKeysAndBeforeVersionInWebUiFormat() {
        Map<String, String> networks = new LinkedHashMap<>();
        networks.put("Lora hashes", "paper-cut: 0123456789ab");
        networks.put("TI hashes", "style: ba9876543210");
        InfoText info = InfoTexts.create(params(), 1, 2, "m", "0123456789", null, null, false, false, false, false, networks);
        assertTrue(info.format().endsWith(", Model hash: 0123456789, Model: m, Lora hashes: \"paper-cut: 0123456789ab\", "
                + "TI hashes: \"style: ba9876543210\", Version: " + InfoTexts.VERSION), info.format());
    }

    @Test
    void automaticIsWrittenAsTheScheduleTheWebUiResolvesItTo() {
        GenerationParams.Builder b = params().toBuilder();
        b.schedule = ScheduleType.AUTOMATIC;
        assertEquals("Karras", schedule(b.sampler("DPM++ 2M").build()), "DPM++ 2M's own default");
        assertEquals("Exponential", schedule(b.sampler("DPM++ 2M SDE").build()));
        assertEquals("Automatic", schedule(b.sampler("Euler a").build()), "no default: the model's own sigmas");
        assertEquals("Automatic", schedule(b.sampler("DDIM").build()), "a timestep sampler takes no schedule type");
        b.schedule = ScheduleType.EXPONENTIAL;
        assertEquals("Exponential", schedule(b.sampler("Euler a").build()), "a schedule chosen is written as chosen");
    }

    private static String schedule(GenerationParams p) {
        return InfoTexts.create(p, 1, 2, "m", "0123456789", null, null, false, false, false).get("Schedule type");
    }

    @Test
    void versionNamesJsdAndIsNoWebUiVersionNumber() {
        // the WebUI parses a pasted Version with packaging.version and enables old behaviour below 1.6: this must not parse
        assertTrue(InfoTexts.VERSION.matches("jsd \\S+"), InfoTexts.VERSION);
        assertFalse(InfoTexts.VERSION.contains("$"), "the build filled in the version: " + InfoTexts.VERSION);
    }

    @Test
    void legacySamplerNamesCarryTheirSchedule() {
        GenerationParams p = InfoTexts.apply(InfoText.parse("x\nSteps: 20, Sampler: DPM++ 2M Karras, CFG scale: 7, Seed: 1, Size: 512x512"),
                GenerationParams.defaults()).params();
        assertEquals("DPM++ 2M", p.sampler());
        assertEquals(ScheduleType.KARRAS, p.schedule());
    }

    @Test
    void aRoundTripIsTheIdentity() {
        InfoText info = InfoTexts.create(params(), 1, 2, "m", "0123456789", null, null, false, false, false);
        GenerationParams back = InfoTexts.apply(InfoText.parse(info.format()), GenerationParams.defaults()).params();
        assertEquals(info.format(), InfoTexts.create(back, back.seed(), 2, "m", "0123456789", null, null, false, false, false).format());
    }

    @Test
    void malformedNumbersAreOneClearError() {
        PipelineException e = assertThrows(PipelineException.class,
                () -> InfoTexts.apply(InfoText.parse("x\nSteps: many, Sampler: Euler, CFG scale: 7, Seed: 1"), GenerationParams.defaults()));
        assertEquals("infotext value Steps: \"many\" is not a number", e.getMessage());
    }
}
