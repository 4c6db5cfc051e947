package jdiffusion.sd.sample;

/**
 * k-diffusion's {@code BrownianTreeNoiseSampler} as the WebUI creates it for its SDE samplers
 * ({@code brownian_noise}: DPM++ SDE, DPM++ 2M SDE, DPM++ 3M SDE): one Brownian tree per image over
 * [min positive sigma, max sigma], seeded with that image's seed, and noise
 * {@code (W(sigma_next) - W(sigma)) / sqrt|sigma_next - sigma|}. Images therefore come out the same
 * whatever batch they are in, and the noise does not depend on how the steps query it.
 *
 * <p>Tree noise is drawn with torch generators on the latents' device: on the CUDA GPUs the WebUI
 * normally runs on that is CUDA's Philox ({@link RngSource#GPU}) even when the WebUI's noise source is
 * set to CPU; pass {@link RngSource#CPU} to match a WebUI running on the CPU.
 */
public final class BrownianTreeNoiseSampler implements NoiseSampler {
    private final BrownianTree[] trees;
    private final int imageNumel;

    public BrownianTreeNoiseSampler(RngSource device, int channels, int height, int width, long[] seeds,
                                    float sigmaMin, float sigmaMax) {
        if (seeds.length == 0) throw new SamplingException("at least one seed is needed");
        float lo = Math.min(sigmaMin, sigmaMax), hi = Math.max(sigmaMin, sigmaMax);
        int[] shape = {channels, height, width};
        trees = new BrownianTree[seeds.length];
        for (int i = 0; i < seeds.length; i++) trees[i] = new BrownianTree(lo, hi, shape, seeds[i], device);
        imageNumel = channels * height * width;
    }

    /** The WebUI's {@code create_noise_sampler}: the tree spans the smallest positive and the largest sigma. */
    public static BrownianTreeNoiseSampler forSigmas(RngSource device, int channels, int height, int width,
                                                     long[] seeds, float[] sigmas) {
        float min = Float.POSITIVE_INFINITY, max = Float.NEGATIVE_INFINITY;
        for (float s : sigmas) {
            if (s > 0f) min = Math.min(min, s);
            max = Math.max(max, s);
        }
        if (!(min <= max)) throw new SamplingException("sigma schedule has no positive sigma");
        return new BrownianTreeNoiseSampler(device, channels, height, width, seeds, min, max);
    }

    @Override
    public float[] sample(float sigma, float sigmaNext) {
        float a = Math.min(sigma, sigmaNext), b = Math.max(sigma, sigmaNext);
        boolean flip = sigma > sigmaNext;
        float denom = (float) Math.sqrt(Math.abs(sigmaNext - sigma));
        float[] out = new float[imageNumel * trees.length];
        for (int t = 0; t < trees.length; t++) {
            float[] w = trees[t].increment(a, b);
            for (int i = 0; i < imageNumel; i++) {
                float v = flip ? -w[i] : w[i];
                out[t * imageNumel + i] = v / denom;
            }
        }
        return out;
    }
}
