package jdiffusion.sd.sample;

/** k-diffusion {@code sample_dpm_2_ancestral} ("DPM2 a"): the DPM2 midpoint step to sigma_down, then noise. */
public record Dpm2Ancestral(float eta, float sNoise) implements KSampler {
    public Dpm2Ancestral() { this(1f, 1f); }

    @Override
    public float[] sample(Denoiser model, float[] x, float[] sigmas, NoiseSampler noise, StepListener listener) {
        for (int i = 0; i < sigmas.length - 1; i++) {
            float[] denoised = model.denoise(x, sigmas[i]);
            AncestralStep step = AncestralStep.of(sigmas[i], sigmas[i + 1], eta);
            listener.onStep(i, x, sigmas[i], sigmas[i], denoised);
            float[] d = LatentOps.toD(x, denoised, sigmas[i]);
            if (step.down() == 0f) x = LatentOps.addScaled(x, d, step.down() - sigmas[i]);
            else x = Dpm2.midpointStep(model, x, d, sigmas[i], step.down());
            // the reference adds sigma_up = 0 times a draw on the last step; skipping it changes nothing
            if (sigmas[i + 1] > 0f) x = LatentOps.addNoise(x, noise.sample(sigmas[i], sigmas[i + 1]), sNoise, step.up());
        }
        return x;
    }

    @Override public int modelCalls(float[] sigmas) { return 2 * (sigmas.length - 1) - 1; }
}
