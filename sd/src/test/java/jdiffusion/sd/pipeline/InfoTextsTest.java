package jdiffusion.sd.pipeline;

import jdiffusion.sd.image.InfoText;
import jdiffusion.sd.sample.RngSource;
import jdiffusion.sd.sample.ScheduleType;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

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
                + "Model hash: 6ce0161689, Model: v1-5-pruned-emaonly", info.format());
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
                        + "Denoising strength: 0.6, Clip skip: 2, RNG: CPU, Mask blur: 4",
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
        assertEquals(List.of("Hires upscale", "Lora hashes"), a.unknownKeys());
        assertEquals("a: 1, b: 2", p.extra().get("Lora hashes"));
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
