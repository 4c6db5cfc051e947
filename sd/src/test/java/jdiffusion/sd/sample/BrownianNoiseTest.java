package jdiffusion.sd.sample;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class BrownianNoiseTest {

    @Test
    void seedSequenceMatchesNumpy() {
        // np.random.SeedSequence(0).generate_state(4)
        assertArrayEquals(new long[]{2968811710L, 3677149159L, 745650761L, 2884920346L},
                new SeedSequence(0, new long[0], 4).generateState(4));
    }

    @Test
    void treeIncrementsAddUpAndDoNotDependOnQueryOrder() {
        int[] shape = {1, 4, 4};
        BrownianTree a = new BrownianTree(0.0292, 14.6146, shape, 1234, RngSource.CPU);
        BrownianTree b = new BrownianTree(0.0292, 14.6146, shape, 1234, RngSource.CPU);
        float[] whole = a.increment(1.0, 9.0);
        float[] first = a.increment(1.0, 4.2);
        float[] second = a.increment(4.2, 9.0);
        float[] secondB = b.increment(4.2, 9.0);
        float[] firstB = b.increment(1.0, 4.2);
        float[] wholeB = b.increment(1.0, 9.0);
        assertArrayEquals(first, firstB);
        assertArrayEquals(second, secondB);
        assertArrayEquals(whole, wholeB);
        for (int i = 0; i < whole.length; i++) assertEquals(whole[i], first[i] + second[i], 1e-4);
        assertFalse(java.util.Arrays.equals(whole, new BrownianTree(0.0292, 14.6146, shape, 1235, RngSource.CPU).increment(1.0, 9.0)));
    }

    @Test
    void normalisedNoiseIsStandardNormalAndPerImage() {
        float[] sigmas = SigmaSchedules.karras(10, 0.0292, 14.6146, 7);
        BrownianTreeNoiseSampler batch = BrownianTreeNoiseSampler.forSigmas(RngSource.GPU, 4, 32, 32, new long[]{5, 6}, sigmas);
        BrownianTreeNoiseSampler single = BrownianTreeNoiseSampler.forSigmas(RngSource.GPU, 4, 32, 32, new long[]{6}, sigmas);
        float[] n = batch.sample(sigmas[3], sigmas[4]);
        float[] m = single.sample(sigmas[3], sigmas[4]);
        assertArrayEquals(m, java.util.Arrays.copyOfRange(n, 4096, 8192), "image 2 of the batch equals image 1 alone");
        double sum = 0, sq = 0;
        for (float v : n) { sum += v; sq += v * v; }
        double mean = sum / n.length, var = sq / n.length - mean * mean;
        assertEquals(0, mean, 0.05);
        assertEquals(1, var, 0.08);
    }

    @Test
    void sdeSamplersGetABrownianTreeAndOthersTheImageGenerators() {
        KDiffusionDenoiser den = new KDiffusionDenoiser(NoiseSchedule.stableDiffusion(), Prediction.EPSILON);
        ImageNoise images = new ImageNoise(RngSource.GPU, 4, 8, 8, 1);
        SamplerSpec sde = Samplers.kdiffusion("DPM++ 2M SDE");
        float[] sigmas = sde.sigmas(den, 10, ScheduleType.AUTOMATIC);
        assertInstanceOf(BrownianTreeNoiseSampler.class, sde.noiseSampler(images, RngSource.GPU, 4, 8, 8, new long[]{1}, sigmas));
        assertSame(images, Samplers.kdiffusion("Euler a").noiseSampler(images, RngSource.GPU, 4, 8, 8, new long[]{1}, sigmas));
    }
}
