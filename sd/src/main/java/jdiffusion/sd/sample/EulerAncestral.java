package jdiffusion.sd.sample;

/** k-diffusion {@code sample_euler_ancestral} ("Euler a"): Euler step down to sigma_down, then fresh noise. */
public record EulerAncestral(float eta, float sNoise) implements KSampler {
    public EulerAncestral() { this(1f, 1f); }

    @Override
    public float[] sample(Denoiser model, float[] x, float[] sigmas, NoiseSampler noise, StepListener listener) {
        for (int i = 0; i < sigmas.length - 1; i++) {
            float[] denoised = model.denoise(x, sigmas[i]);
            AncestralStep step = AncestralStep.of(sigmas[i], sigmas[i + 1], eta);
            listener.onStep(i, x, sigmas[i], sigmas[i], denoised);
            float[] d = LatentOps.toD(x, denoised, sigmas[i]);
            x = LatentOps.addScaled(x, d, step.down() - sigmas[i]);
            if (sigmas[i + 1] > 0f) x = LatentOps.addNoise(x, noise.sample(sigmas[i], sigmas[i + 1]), sNoise, step.up());
        }
        return x;
    }
}
