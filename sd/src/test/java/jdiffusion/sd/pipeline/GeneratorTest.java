package jdiffusion.sd.pipeline;

import jdiffusion.sd.sample.RngSource;
import jdiffusion.sd.sample.Samplers;
import jdiffusion.sd.sample.TorchCpuRandom;
import jdiffusion.sd.sample.WebUiSampler;
import jdiffusion.tensor.Backend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The WebUI conventions of {@link Generator} on the tiny model, at small sizes and few steps. */
class GeneratorTest {
    static Backend backend;
    static StableDiffusionModel model;
    static Generator generator;

    @BeforeAll
    static void load() {
        backend = TinyModel.backend();
        model = TinyModel.load(backend);
        generator = new Generator(model);
    }

    @AfterAll
    static void close() {
        if (model != null) model.close();
        if (backend != null) backend.close();
    }

    static GenerationParams.Builder small() {
        return new GenerationParams.Builder().prompt("a red house").negativePrompt("fog").size(32, 32).steps(3).seed(100).sampler("Euler a");
    }

    @Test
    void imageIOfABatchEqualsASingleRunWithSeedPlusI() {
        List<GeneratedImage> batch = generator.txt2img(small().batchSize(2).build(), Progress.NONE);
        GeneratedImage second = generator.txt2img(small().seed(101).build(), Progress.NONE).getFirst();
        assertEquals(2, batch.size());
        assertEquals(101, batch.get(1).seed());
        assertArrayEquals(second.rgb(), batch.get(1).rgb());
        assertFalse(java.util.Arrays.equals(batch.get(0).rgb(), batch.get(1).rgb()));
        assertEquals("101", batch.get(1).info().get("Seed"));
    }

    /** A progress that stops the run at {@code phase} step {@code at} of batch {@code batch} (0-based), as the server's Interrupt. */
    static Progress stopAt(Progress.Phase phase, int batch, int at) {
        return new Progress() {
            int batches = -1;

            @Override public void update(Phase p, int done, int total) {
                if (p == Phase.ENCODE && done == 0) batches++;
                if (p == phase && batches == batch && done == at) throw new Progress.Interrupted();
            }
        };
    }

    @Test
    void anInterruptWhileSamplingDecodesTheBatchFromItsLatestPredictionAndStartsNoOther() {
        GenerationParams p = small().sampler("Euler").batchCount(3).build();
        List<GeneratedImage> images = generator.txt2img(p, stopAt(Progress.Phase.SAMPLE, 1, 2));
        assertEquals(List.of(100L, 101L), images.stream().map(GeneratedImage::seed).toList(), "the finished batch, then the interrupted one");
        assertArrayEquals(generator.txt2img(small().sampler("Euler").build(), Progress.NONE).getFirst().rgb(), images.get(0).rgb());
        GeneratedImage whole = generator.txt2img(small().sampler("Euler").seed(101).build(), Progress.NONE).getFirst();
        assertFalse(java.util.Arrays.equals(whole.rgb(), images.get(1).rgb()), "the interrupted batch is decoded from step 2 of 3");
        assertEquals("101", images.get(1).info().get("Seed"));
        assertEquals("3", images.get(1).info().get("Steps"), "the infotext is the request's, as the WebUI writes it");

        // stopped while encoding the second batch's prompts: the first batch is the result
        assertEquals(List.of(100L), generator.txt2img(p, stopAt(Progress.Phase.ENCODE, 1, 1)).stream().map(GeneratedImage::seed).toList());
        // stopped before the first sampler step: nothing
        assertEquals(List.of(), generator.txt2img(p, stopAt(Progress.Phase.SAMPLE, 0, 0)));
    }

    @Test
    void batchCountContinuesTheSeeds() {
        List<GeneratedImage> images = generator.txt2img(small().batchCount(2).steps(1).build(), Progress.NONE);
        assertEquals(List.of(100L, 101L), images.stream().map(GeneratedImage::seed).toList());
    }

    @Test
    void cpuNoiseSourceIsTorchMt19937AndTheInfotextSaysSo() {
        List<float[]> noise = new ArrayList<>();
        GenerationTrace trace = new GenerationTrace() {
            @Override public void initialNoise(float[] n) { noise.add(n.clone()); }
        };
        GeneratedImage img = generator.txt2img(small().rng(RngSource.CPU).steps(1).build(), Progress.NONE, trace).getFirst();
        assertArrayEquals(new TorchCpuRandom(100).randn(1, 4, 16, 16), noise.getFirst());
        assertEquals("CPU", img.info().get("RNG"));
    }

    @Test
    void fullVariationStrengthGivesTheVariationSeedsImage() {
        GeneratedImage varied = generator.txt2img(small().sampler("Euler").subseed(555).subseedStrength(1.0).build(), Progress.NONE).getFirst();
        GeneratedImage plain = generator.txt2img(small().sampler("Euler").seed(555).build(), Progress.NONE).getFirst();
        assertArrayEquals(plain.rgb(), varied.rgb());
        assertEquals("555", varied.info().get("Variation seed"));
        assertEquals("1", varied.info().get("Variation seed strength"));
    }

    @Test
    void randomSeedIsPickedAndReported() {
        List<String> notes = new ArrayList<>();
        Progress p = new Progress() {
            @Override public void update(Phase phase, int done, int total) {}
            @Override public void note(String m) { notes.add(m); }
        };
        GeneratedImage img = generator.txt2img(small().seed(-1).steps(1).build(), p).getFirst();
        assertTrue(img.seed() >= 0 && img.seed() < 4294967294L);
        assertTrue(notes.getFirst().contains(Long.toString(img.seed())), notes.toString());
    }

    @Test
    void promptEditingSwitchesTheConditioningAtItsStep() {
        ConditioningSchedule[] seen = new ConditioningSchedule[1];
        GenerationTrace trace = new GenerationTrace() {
            @Override public void conditioning(ConditioningSchedule c, ConditioningSchedule u) { seen[0] = c; }
        };
        GeneratedImage edited = generator.txt2img(small().prompt("a [red:blue:2] house").steps(4).sampler("Euler").build(), Progress.NONE, trace).getFirst();
        assertEquals(List.of(2, 4), seen[0].entries().stream().map(ConditioningSchedule.Entry::endAtStep).toList());
        GeneratedImage red = generator.txt2img(small().prompt("a red house").steps(4).sampler("Euler").build(), Progress.NONE).getFirst();
        assertFalse(java.util.Arrays.equals(red.rgb(), edited.rgb()));
    }

    @Test
    void andPartsAreGuidedWithTheirWeights() {
        GenerationParams.Builder b = small().sampler("Euler").steps(3);
        GeneratedImage plain = generator.txt2img(b.prompt("a red house").build(), Progress.NONE).getFirst();
        GeneratedImage zero = generator.txt2img(b.prompt("a red house AND a blue car :0").build(), Progress.NONE).getFirst();
        GeneratedImage half = generator.txt2img(b.prompt("a red house AND a blue car :0.5").build(), Progress.NONE).getFirst();
        int worst = 0;
        for (int i = 0; i < plain.rgb().length; i++) worst = Math.max(worst, Math.abs((plain.rgb()[i] & 0xff) - (zero.rgb()[i] & 0xff)));
        assertTrue(worst <= 1, "a part of weight 0 changes nothing (up to batching), got " + worst);
        assertFalse(java.util.Arrays.equals(plain.rgb(), half.rgb()));
        // a long part beside a short one: the short one is padded by repeating its last token, as the WebUI does
        generator.txt2img(b.prompt("a red house AND " + "a very long prompt, ".repeat(20)).build(), Progress.NONE);
    }

    @Test
    void aPromptLongerThanOneChunkRunsBesideAShortNegative() {
        String longPrompt = "a very detailed painting of a house, ".repeat(12);
        ConditioningSchedule[] seen = new ConditioningSchedule[2];
        GenerationTrace trace = new GenerationTrace() {
            @Override public void conditioning(ConditioningSchedule c, ConditioningSchedule u) { seen[0] = c; seen[1] = u; }
        };
        generator.txt2img(small().prompt(longPrompt).steps(2).build(), Progress.NONE, trace);
        assertEquals(154, seen[0].at(0).tokens());
        assertEquals(77, seen[1].at(0).tokens());
    }

    @Test
    void everyWebUiSamplerRunsToAFiniteImage() {
        List<WebUiSampler> all = new ArrayList<>(Samplers.all());
        all.addAll(Samplers.timestepSamplers());
        for (WebUiSampler s : all) {
            GeneratedImage img = generator.txt2img(small().size(16, 16).sampler(s.label()).steps(3).build(), Progress.NONE).getFirst();
            assertEquals(16 * 16 * 3, img.rgb().length, s.label());
            assertEquals(s.label(), img.info().get("Sampler"));
        }
    }

    @Test
    void img2imgRunsTEncPlusOneStepsOfTheFullSchedule() {
        List<float[]> sigmas = new ArrayList<>();
        GenerationTrace trace = new GenerationTrace() {
            @Override public void sigmas(float[] s) { sigmas.add(s); }
        };
        byte[] rgb = new byte[32 * 32 * 3];
        for (int i = 0; i < rgb.length; i++) rgb[i] = (byte) (i * 7);
        InitImage init = InitImage.prepare(new RgbImage(rgb, 32, 32), null, small().build());
        GeneratedImage img = generator.img2img(small().steps(8).denoisingStrength(0.5).sampler("Euler").build(), init, Progress.NONE, trace).getFirst();
        assertEquals(4 + 2, sigmas.getFirst().length, "t_enc = int(0.5 * 8) = 4, so 5 steps");
        assertEquals("0.5", img.info().get("Denoising strength"));
    }

    @Test
    void inpaintingKeepsTheUnmaskedLatents() {
        byte[] rgb = new byte[32 * 32 * 3];
        for (int i = 0; i < rgb.length; i++) rgb[i] = (byte) (i * 13);
        byte[] mask = new byte[32 * 32 * 3];
        for (int y = 0; y < 32; y++) for (int x = 16; x < 32; x++) for (int c = 0; c < 3; c++) mask[(y * 32 + x) * 3 + c] = (byte) 255;
        GenerationParams p = small().steps(4).denoisingStrength(0.9).build();
        InitImage init = InitImage.prepare(new RgbImage(rgb, 32, 32), new RgbImage(mask, 32, 32), p);
        GeneratedImage img = generator.img2img(p, init, Progress.NONE).getFirst();
        // beyond the reach of the 21-pixel blur kernel (10 px from the edge at x=16) the original image is pasted back
        for (int y = 0; y < 32; y++) for (int x = 0; x < 5; x++) for (int c = 0; c < 3; c++)
            assertEquals(rgb[(y * 32 + x) * 3 + c], img.rgb()[(y * 32 + x) * 3 + c]);
        assertNotEquals(rgb[(16 * 32 + 28) * 3], img.rgb()[(16 * 32 + 28) * 3]);
        assertEquals("4", img.info().get("Mask blur"));
    }

    @Test
    void inpaintingRunsWithEveryKindOfSamplerAndABatch() {
        byte[] rgb = new byte[24 * 16 * 3], mask = new byte[24 * 16 * 3];
        for (int i = 0; i < rgb.length; i++) rgb[i] = (byte) (i * 11);
        for (int i = mask.length / 2; i < mask.length; i++) mask[i] = (byte) 255;
        for (String sampler : List.of("DDIM", "PLMS", "UniPC", "DDIM CFG++", "Euler a", "DPM++ SDE", "DPM++ 2M SDE", "Heun", "DPM2", "LCM", "Restart")) {
            GenerationParams p = small().size(24, 16).sampler(sampler).steps(4).batchSize(2).denoisingStrength(0.8).build();
            InitImage init = InitImage.prepare(new RgbImage(rgb, 24, 16), new RgbImage(mask, 24, 16), p);
            List<GeneratedImage> images = generator.img2img(p, init, Progress.NONE);
            assertEquals(2, images.size(), sampler);
            assertEquals(101, images.get(1).seed(), sampler);
        }
    }

    @Test
    void onlyMaskedInpaintsACropAroundTheMaskAndPastesItBackAtTheOriginalSize() {
        int w = 48, h = 40;
        byte[] rgb = new byte[w * h * 3], mask = new byte[w * h * 3];
        for (int i = 0; i < rgb.length; i++) rgb[i] = (byte) (i * 7);
        for (int y = 20; y < 28; y++) for (int x = 30; x < 40; x++) for (int c = 0; c < 3; c++) mask[(y * w + x) * 3 + c] = (byte) 255;
        GenerationParams.Builder b = small().size(32, 32).steps(3).denoisingStrength(0.9);
        b.inpaintFullRes = true;
        b.inpaintPadding = 4;
        b.maskBlur = 0;
        GenerationParams p = b.build();
        InitImage init = InitImage.prepare(new RgbImage(rgb, w, h), new RgbImage(mask, w, h), p);
        // bounding box (30,20)-(40,28) padded by 4 = (26,16)-(44,32): 18x16, grown to the 1:1 processing ratio: 18x18 from y=15
        assertArrayEquals(new int[] {26, 15, 18, 18}, init.pasteTo());
        GeneratedImage img = generator.img2img(p, init, Progress.NONE).getFirst();
        assertEquals(w, img.width());
        assertEquals(h, img.height());
        for (int i = 0; i < 10 * w * 3; i++) assertEquals(rgb[i], img.rgb()[i], "outside the mask the original stays");
        assertNotEquals(rgb[(24 * w + 35) * 3], img.rgb()[(24 * w + 35) * 3]);
        assertEquals("Only masked", img.info().get("Inpaint area"));
        assertEquals("4", img.info().get("Masked area padding"));
        assertEquals("32x32", img.info().get("Size"));
    }

    @Test
    void everyMaskedContentRuns() {
        byte[] rgb = new byte[32 * 32 * 3], mask = new byte[32 * 32 * 3];
        for (int i = 0; i < rgb.length; i++) rgb[i] = (byte) (i * 3);
        for (int i = mask.length / 2; i < mask.length; i++) mask[i] = (byte) 255;
        for (MaskedContent mc : MaskedContent.values()) {
            GenerationParams.Builder b = small().steps(2);
            b.maskedContent = mc;
            GenerationParams p = b.build();
            InitImage init = InitImage.prepare(new RgbImage(rgb, 32, 32), new RgbImage(mask, 32, 32), p);
            GeneratedImage img = generator.img2img(p, init, Progress.NONE).getFirst();
            assertEquals(mc == MaskedContent.FILL ? "fill" : null, img.info().get("Masked content"), mc.label());
        }
    }

    @Test
    void expandCropRegionFollowsTheWebUi() {
        assertArrayEquals(new int[] {10, 5, 30, 25}, InitImage.expandCropRegion(new int[] {10, 10, 30, 20}, 512, 512, 100, 100));
        assertArrayEquals(new int[] {0, 10, 20, 20}, InitImage.expandCropRegion(new int[] {2, 10, 12, 20}, 1024, 512, 100, 100));
        assertArrayEquals(new int[] {80, 10, 100, 20}, InitImage.expandCropRegion(new int[] {90, 10, 100, 20}, 1024, 512, 100, 100));
        assertArrayEquals(new int[] {0, 0, 100, 50}, InitImage.expandCropRegion(new int[] {0, 0, 100, 10}, 1024, 512, 100, 100));
    }

    @Test
    void sizesThatAreNotMultiplesOfEightAreRefusedWithTheNearest() {
        PipelineException e = assertThrows(PipelineException.class, () -> generator.txt2img(small().size(70, 32).build(), Progress.NONE));
        assertEquals("width 70 is not a multiple of 8: use 72", e.getMessage());
    }
}
