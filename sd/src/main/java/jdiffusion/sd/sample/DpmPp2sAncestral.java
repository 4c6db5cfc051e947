package jdiffusion.sd.sample;

/** k-diffusion {@code sample_dpmpp_2s_ancestral} ("DPM++ 2S a"): DPM-Solver++(2S) to sigma_down, then noise. */
public record DpmPp2sAncestral(float eta, float sNoise) implements KSampler {
    public DpmPp2sAncestral() { this(1f, 1f); }

    @Override
    public float[] sample(Denoiser model, float[] x, float[] sigmas, NoiseSampler noise, StepListener listener) {
        for (int i = 0; i < sigmas.length - 1; i++) {
            float[] denoised = model.denoise(x, sigmas[i]);
            AncestralStep step = AncestralStep.of(sigmas[i], sigmas[i + 1], eta);
            listener.onStep(i, x, sigmas[i], sigmas[i], denoised);
            if (step.down() == 0f) {
                float[] d = LatentOps.toD(x, denoised, sigmas[i]);
                x = LatentOps.addScaled(x, d, step.down() - sigmas[i]);
            } else {
                float t = LatentOps.tOfSigma(sigmas[i]), tNext = LatentOps.tOfSigma(step.down());
                float r = 0.5f;
                float h = tNext - t;
                float s = t + r * h;
                float sigmaT = LatentOps.sigmaOfT(t), sigmaS = LatentOps.sigmaOfT(s);
                float[] x2 = LatentOps.scaledDifference(sigmaS / sigmaT, x, TorchMath.expm1(-h * r), denoised);
                float[] denoised2 = model.denoise(x2, sigmaS);
                x = LatentOps.scaledDifference(LatentOps.sigmaOfT(tNext) / sigmaT, x, TorchMath.expm1(-h), denoised2);
            }
            if (sigmas[i + 1] > 0f) x = LatentOps.addNoise(x, noise.sample(sigmas[i], sigmas[i + 1]), sNoise, step.up());
        }
        return x;
    }

    @Override public int modelCalls(float[] sigmas) { return 2 * (sigmas.length - 1) - 1; }
}
