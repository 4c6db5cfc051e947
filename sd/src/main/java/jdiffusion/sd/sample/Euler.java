package jdiffusion.sd.sample;

/**
 * k-diffusion {@code sample_euler} (Karras et al. 2022, Algorithm 2 with Euler steps). With
 * {@code sChurn > 0} it raises sigma by gamma before each step and draws noise for it.
 */
public record Euler(float sChurn, float sTmin, float sTmax, float sNoise) implements KSampler {
    public Euler() { this(0f, 0f, Float.POSITIVE_INFINITY, 1f); }

    @Override
    public float[] sample(Denoiser model, float[] x, float[] sigmas, NoiseSampler noise, StepListener listener) {
        for (int i = 0; i < sigmas.length - 1; i++) {
            float sigmaHat = Churn.sigmaHat(sChurn, sTmin, sTmax, sigmas, i);
            x = Churn.apply(x, sigmas[i], sigmaHat, sNoise, noise, sigmas[i + 1]);
            float[] denoised = model.denoise(x, sigmaHat);
            float[] d = LatentOps.toD(x, denoised, sigmaHat);
            listener.onStep(i, x, sigmas[i], sigmaHat, denoised);
            x = LatentOps.addScaled(x, d, sigmas[i + 1] - sigmaHat);
        }
        return x;
    }
}
