package jdiffusion.sd.sample;

/**
 * The WebUI's LCM sampler ({@code sample_lcm}): jump to the x0 prediction, then re-noise to the next
 * sigma. Use it with {@link LcmDenoiser} ({@link SamplerSpec#denoiser}), as the WebUI does.
 */
public record Lcm() implements KSampler {
    @Override
    public float[] sample(Denoiser model, float[] x, float[] sigmas, NoiseSampler noise, StepListener listener) {
        for (int i = 0; i < sigmas.length - 1; i++) {
            float[] denoised = model.denoise(x, sigmas[i]);
            listener.onStep(i, x, sigmas[i], sigmas[i], denoised);
            x = denoised;
            if (sigmas[i + 1] > 0f) {
                float[] n = noise.sample(sigmas[i], sigmas[i + 1]);
                LatentOps.check(x, n);
                float[] y = new float[x.length];
                for (int k = 0; k < x.length; k++) y[k] = x[k] + sigmas[i + 1] * n[k];
                x = y;
            }
        }
        return x;
    }
}
