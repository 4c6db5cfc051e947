package jdiffusion.sd.sample;

/**
 * Elementwise float32 arithmetic on flattened latents, one rounding per operation in the same order as
 * the reference's tensor expressions (so results agree to the last bit where the inputs do).
 */
final class LatentOps {
    private LatentOps() {}

    /** k-diffusion {@code to_d}: (x - denoised) / sigma. */
    static float[] toD(float[] x, float[] denoised, float sigma) {
        float[] d = new float[x.length];
        for (int i = 0; i < x.length; i++) d[i] = (x[i] - denoised[i]) / sigma;
        return d;
    }

    /** x + d * dt. */
    static float[] addScaled(float[] x, float[] d, float dt) {
        float[] r = new float[x.length];
        for (int i = 0; i < x.length; i++) r[i] = x[i] + d[i] * dt;
        return r;
    }

    /** a * x - b * y. */
    static float[] scaledDifference(float a, float[] x, float b, float[] y) {
        float[] r = new float[x.length];
        for (int i = 0; i < x.length; i++) r[i] = a * x[i] - b * y[i];
        return r;
    }

    /** a * x + b * y. */
    static float[] scaledSum(float a, float[] x, float b, float[] y) {
        float[] r = new float[x.length];
        for (int i = 0; i < x.length; i++) r[i] = a * x[i] + b * y[i];
        return r;
    }

    /** x + noise * scale (k-diffusion's {@code x + noise_sampler(...) * s_noise * sigma_up}, s_noise folded first). */
    static float[] addNoise(float[] x, float[] noise, float sNoise, float scale) {
        check(x, noise);
        float[] r = new float[x.length];
        for (int i = 0; i < x.length; i++) r[i] = x[i] + noise[i] * sNoise * scale;
        return r;
    }

    static void check(float[] x, float[] noise) {
        if (noise.length != x.length)
            throw new SamplingException("noise sampler returned " + noise.length + " values for " + x.length + " latents");
    }

    static float tOfSigma(float sigma) { return -TorchMath.log(sigma); }
    static float sigmaOfT(float t) { return TorchMath.exp(-t); }

    /** torch.lerp for scalars, with its branch on |weight| < 0.5. */
    static float lerp(float a, float b, float w) {
        return Math.abs(w) < 0.5f ? a + w * (b - a) : b - (b - a) * (1f - w);
    }
}
