package jdiffusion.sd.sample;

/** k-diffusion {@code sample_dpmpp_2m} ("DPM++ 2M"): the multistep DPM-Solver++(2M), first order on the first and last steps. */
public record DpmPp2m() implements KSampler {
    @Override
    public float[] sample(Denoiser model, float[] x, float[] sigmas, NoiseSampler noise, StepListener listener) {
        float[] oldDenoised = null;
        for (int i = 0; i < sigmas.length - 1; i++) {
            float[] denoised = model.denoise(x, sigmas[i]);
            listener.onStep(i, x, sigmas[i], sigmas[i], denoised);
            float t = LatentOps.tOfSigma(sigmas[i]), tNext = LatentOps.tOfSigma(sigmas[i + 1]);
            float h = tNext - t;
            float ratio = LatentOps.sigmaOfT(tNext) / LatentOps.sigmaOfT(t);
            float phi = TorchMath.expm1(-h);
            if (oldDenoised == null || sigmas[i + 1] == 0f) {
                x = LatentOps.scaledDifference(ratio, x, phi, denoised);
            } else {
                float hLast = t - LatentOps.tOfSigma(sigmas[i - 1]);
                float r = hLast / h;
                float c = 1f / (2f * r);
                float[] denoisedD = LatentOps.scaledDifference(1f + c, denoised, c, oldDenoised);
                x = LatentOps.scaledDifference(ratio, x, phi, denoisedD);
            }
            oldDenoised = denoised;
        }
        return x;
    }
}
