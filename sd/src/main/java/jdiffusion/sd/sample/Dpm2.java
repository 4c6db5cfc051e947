package jdiffusion.sd.sample;

/**
 * k-diffusion {@code sample_dpm_2}: a DPM-Solver-2 style midpoint step, the midpoint taken at the
 * geometric mean of the two sigmas; Euler on the final step to sigma 0.
 */
public record Dpm2(float sChurn, float sTmin, float sTmax, float sNoise) implements KSampler {
    public Dpm2() { this(0f, 0f, Float.POSITIVE_INFINITY, 1f); }

    @Override
    public float[] sample(Denoiser model, float[] x, float[] sigmas, NoiseSampler noise, StepListener listener) {
        for (int i = 0; i < sigmas.length - 1; i++) {
            float sigmaHat = Churn.sigmaHat(sChurn, sTmin, sTmax, sigmas, i);
            x = Churn.apply(x, sigmas[i], sigmaHat, sNoise, noise, sigmas[i + 1]);
            float[] denoised = model.denoise(x, sigmaHat);
            float[] d = LatentOps.toD(x, denoised, sigmaHat);
            listener.onStep(i, x, sigmas[i], sigmaHat, denoised);
            if (sigmas[i + 1] == 0f) {
                x = LatentOps.addScaled(x, d, sigmas[i + 1] - sigmaHat);
            } else {
                x = midpointStep(model, x, d, sigmaHat, sigmas[i + 1]);
            }
        }
        return x;
    }

    /** From {@code sigma} to {@code target} through the log-midpoint, using the derivative {@code d} at sigma. */
    static float[] midpointStep(Denoiser model, float[] x, float[] d, float sigma, float target) {
        float sigmaMid = TorchMath.exp(LatentOps.lerp(TorchMath.log(sigma), TorchMath.log(target), 0.5f));
        float[] x2 = LatentOps.addScaled(x, d, sigmaMid - sigma);
        float[] denoised2 = model.denoise(x2, sigmaMid);
        float[] d2 = LatentOps.toD(x2, denoised2, sigmaMid);
        return LatentOps.addScaled(x, d2, target - sigma);
    }

    @Override public int modelCalls(float[] sigmas) { return 2 * (sigmas.length - 1) - 1; }
}
