package jdiffusion.sd.sample;

import jdiffusion.tensor.testing.Golden;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static jdiffusion.sd.sample.KDiffusionSamplersTest.assertClose;
import static org.junit.jupiter.api.Assertions.*;

/** The WebUI-side noise and sigma choices against {@code golden/webui/}: everything before the UNet. */
class WebUiSamplingTest {

    @Test
    void eulerAncestralRunDrawsInitialAndAncestralNoiseFromTheSeededPhiloxGenerator() {
        try (Golden.Case c = Golden.open("webui/webui_euler_a_64x64")) {
            Map<String, Object> cli = cli(c);
            ImageNoise noise = new ImageNoise(RngSource.GPU, 4, 32, 32,
                    ImageNoise.batchSeeds(((Number) cli.get("seed")).longValue(), 1));
            assertClose(c.floats("initial_noise"), noise.next(), 0, 0, "initial_noise");
            for (int i = 0; c.has(String.format("ancestral_noise%02d", i)); i++)
                assertClose(c.floats(String.format("ancestral_noise%02d", i)), noise.next(), 0, 0, "ancestral noise " + i);
        }
    }

    @Test
    void automaticScheduleIsUniformForEulerAAndKarrasForDpmpp2mBitForBit() {
        KDiffusionDenoiser den = new KDiffusionDenoiser(NoiseSchedule.stableDiffusion(), Prediction.EPSILON);
        for (String name : new String[]{"webui/webui_euler_a_64x64", "webui/webui_dpmpp2m_karras_emphasis_64x48"}) {
            try (Golden.Case c = Golden.open(name)) {
                Map<String, Object> cli = cli(c);
                Samplers.Choice choice = Samplers.resolve((String) cli.get("sampler"));
                float[] sigmas = ((SamplerSpec) choice.sampler()).sigmas(den, ((Number) cli.get("steps")).intValue(),
                        ScheduleType.parse((String) cli.get("schedule_type")));
                assertClose(c.floats("sigmas"), sigmas, 0, 0, name + " sigmas");
            }
        }
    }

    @Test
    void nonSquareInitialNoiseComesFromTheSeededGenerator() {
        try (Golden.Case c = Golden.open("webui/webui_dpmpp2m_karras_emphasis_64x48")) {
            long seed = ((Number) cli(c).get("seed")).longValue();
            float[] n = new ImageNoise(RngSource.GPU, 4, 24, 32, seed).next();
            assertClose(c.floats("initial_noise"), n, 0, 0, "initial_noise");
        }
    }

    @Test
    void batchImagesUseConsecutiveSeedsWithIndependentStreams() {
        ImageNoise batch = new ImageNoise(RngSource.CPU, 4, 8, 8, ImageNoise.batchSeeds(42, 2));
        ImageNoise second = new ImageNoise(RngSource.CPU, 4, 8, 8, 43);
        float[] b0 = batch.next(), s0 = second.next();
        float[] b1 = batch.next(), s1 = second.next();
        for (int i = 0; i < 256; i++) {
            assertEquals(s0[i], b0[256 + i]);
            assertEquals(s1[i], b1[256 + i]);
        }
        assertArrayEquals(new TorchCpuRandom(42).randn(4, 8, 8), java.util.Arrays.copyOf(b0, 256));
    }

    @Test
    void eta_noise_seed_delta_reseedsTheGeneratorsAfterTheInitialNoise() {
        ImageNoise n = new ImageNoise(RngSource.GPU, 4, 8, 8, new long[]{7}, null, 0f, 0, 0, 31337);
        assertArrayEquals(new PhiloxRandom(7).randn(4, 8, 8), n.next());
        assertArrayEquals(new PhiloxRandom(7 + 31337).randn(4, 8, 8), n.next());
    }

    @Test
    void variationSeedAtStrengthZeroKeepsTheMainNoiseAndAtOneGivesTheSubseedNoise() {
        float[] main = new PhiloxRandom(5).randn(4, 8, 8), sub = new PhiloxRandom(9).randn(4, 8, 8);
        float[] zero = new ImageNoise(RngSource.GPU, 4, 8, 8, new long[]{5}, new long[]{9}, 0f, 0, 0, 0).next();
        assertArrayEquals(main, zero);
        float[] one = new ImageNoise(RngSource.GPU, 4, 8, 8, new long[]{5}, new long[]{9}, 1f, 0, 0, 0).next();
        assertClose(sub, one, 1e-5, 1e-5, "strength 1");
        float[] half = new ImageNoise(RngSource.GPU, 4, 8, 8, new long[]{5}, new long[]{9}, 0.5f, 0, 0, 0).next();
        assertFalse(java.util.Arrays.equals(half, main));
    }

    @Test
    void resizedSeedPastesTheSmallNoiseCentredIntoTheFirstDraw() {
        float[] n = new ImageNoise(RngSource.GPU, 1, 4, 4, new long[]{3}, null, 0f, 2, 2, 0).next();
        float[] small = new PhiloxRandom(3).randn(1, 2, 2);
        float[] big = new PhiloxRandom(3).randn(1, 4, 4);
        big[5] = small[0]; big[6] = small[1]; big[9] = small[2]; big[10] = small[3];
        assertArrayEquals(big, n);
    }

    @Test
    void variationSeedKeepsTheSeedAndCountsTheSubseedAcrossTheBatch() {
        ImageNoise plain = ImageNoise.webUi(RngSource.GPU, 4, 8, 8, 100, 7, 0f, 0, 3, 0, 0, 0);
        assertArrayEquals(new long[]{100, 101, 102}, plain.seeds());
        ImageNoise varied = ImageNoise.webUi(RngSource.GPU, 4, 8, 8, 100, 7, 0.3f, 2, 2, 0, 0, 0);
        assertArrayEquals(new long[]{100, 100}, varied.seeds());
        float[] n = varied.next();
        float[] expected = Slerp.slerp(0.3f, new PhiloxRandom(100).randn(4, 8, 8), new PhiloxRandom(10).randn(4, 8, 8), 4, 8, 8);
        assertArrayEquals(expected, java.util.Arrays.copyOfRange(n, 256, 512), "image 3 of the job uses subseed 7 + 3");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> cli(Golden.Case c) { return (Map<String, Object>) c.json().get("cli"); }
}
