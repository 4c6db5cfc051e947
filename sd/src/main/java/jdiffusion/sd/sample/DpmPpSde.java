package jdiffusion.sd.sample;

/**
 * k-diffusion {@code sample_dpmpp_sde} ("DPM++ SDE"): DPM-Solver++ with a stochastic midpoint at
 * {@code r} of the log-sigma step; two noise draws per step (Brownian increments in the WebUI).
 */
public record DpmPpSde(float eta, float sNoise, float r) implements KSampler {
    public DpmPpSde() { this(1f, 1f, 0.5f); }

    @Override
    public float[] sample(Denoiser model, float[] x, float[] sigmas, NoiseSampler noise, StepListener listener) {
        for (int i = 0; i < sigmas.length - 1; i++) {
            float[] denoised = model.denoise(x, sigmas[i]);
            listener.onStep(i, x, sigmas[i], sigmas[i], denoised);
            if (sigmas[i + 1] == 0f) {
                float[] d = LatentOps.toD(x, denoised, sigmas[i]);
                x = LatentOps.addScaled(x, d, sigmas[i + 1] - sigmas[i]);
                continue;
            }
            float t = LatentOps.tOfSigma(sigmas[i]), tNext = LatentOps.tOfSigma(sigmas[i + 1]);
            float h = tNext - t;
            float s = t + h * r;
            float fac = 1f / (2f * r);
            float sigmaT = LatentOps.sigmaOfT(t), sigmaS = LatentOps.sigmaOfT(s), sigmaNext = LatentOps.sigmaOfT(tNext);

            AncestralStep first = AncestralStep.of(sigmaT, sigmaS, eta);
            float s_ = LatentOps.tOfSigma(first.down());
            float[] x2 = LatentOps.scaledDifference(LatentOps.sigmaOfT(s_) / sigmaT, x, TorchMath.expm1(t - s_), denoised);
            x2 = LatentOps.addNoise(x2, noise.sample(sigmaT, sigmaS), sNoise, first.up());
            float[] denoised2 = model.denoise(x2, sigmaS);

            AncestralStep second = AncestralStep.of(sigmaT, sigmaNext, eta);
            float tNext_ = LatentOps.tOfSigma(second.down());
            float[] denoisedD = LatentOps.scaledSum(1f - fac, denoised, fac, denoised2);
            x = LatentOps.scaledDifference(LatentOps.sigmaOfT(tNext_) / sigmaT, x, TorchMath.expm1(t - tNext_), denoisedD);
            x = LatentOps.addNoise(x, noise.sample(sigmaT, sigmaNext), sNoise, second.up());
        }
        return x;
    }

    @Override public int modelCalls(float[] sigmas) { return 2 * (sigmas.length - 1) - 1; }
}
