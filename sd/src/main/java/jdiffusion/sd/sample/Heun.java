package jdiffusion.sd.sample;

/** k-diffusion {@code sample_heun}: Heun's second-order method, Euler on the final step to sigma 0. */
public record Heun(float sChurn, float sTmin, float sTmax, float sNoise) implements KSampler {
    public Heun() { this(0f, 0f, Float.POSITIVE_INFINITY, 1f); }

    @Override
    public float[] sample(Denoiser model, float[] x, float[] sigmas, NoiseSampler noise, StepListener listener) {
        for (int i = 0; i < sigmas.length - 1; i++) {
            float sigmaHat = Churn.sigmaHat(sChurn, sTmin, sTmax, sigmas, i);
            x = Churn.apply(x, sigmas[i], sigmaHat, sNoise, noise, sigmas[i + 1]);
            float[] denoised = model.denoise(x, sigmaHat);
            float[] d = LatentOps.toD(x, denoised, sigmaHat);
            listener.onStep(i, x, sigmas[i], sigmaHat, denoised);
            float dt = sigmas[i + 1] - sigmaHat;
            if (sigmas[i + 1] == 0f) {
                x = LatentOps.addScaled(x, d, dt);
            } else {
                float[] x2 = LatentOps.addScaled(x, d, dt);
                float[] denoised2 = model.denoise(x2, sigmas[i + 1]);
                float[] d2 = LatentOps.toD(x2, denoised2, sigmas[i + 1]);
                float[] next = new float[x.length];
                for (int k = 0; k < x.length; k++) next[k] = x[k] + ((d[k] + d2[k]) / 2f) * dt;
                x = next;
            }
        }
        return x;
    }

    @Override public int modelCalls(float[] sigmas) { return 2 * (sigmas.length - 1) - 1; }
}
