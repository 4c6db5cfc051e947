package jdiffusion.sd.sample;

/**
 * k-diffusion {@code sample_dpmpp_2m_sde} ("DPM++ 2M SDE", and "DPM++ 2M SDE Heun" with the heun
 * solver type): the multistep DPM-Solver++(2M) with SDE noise; the last step returns the x0 prediction.
 */
public record DpmPp2mSde(float eta, float sNoise, boolean heun) implements KSampler {
    public DpmPp2mSde() { this(1f, 1f, false); }

    public static DpmPp2mSde heunSolver() { return new DpmPp2mSde(1f, 1f, true); }

    @Override
    public float[] sample(Denoiser model, float[] x, float[] sigmas, NoiseSampler noise, StepListener listener) {
        float[] oldDenoised = null;
        float hLast = Float.NaN;
        for (int i = 0; i < sigmas.length - 1; i++) {
            float[] denoised = model.denoise(x, sigmas[i]);
            listener.onStep(i, x, sigmas[i], sigmas[i], denoised);
            float h = Float.NaN;
            if (sigmas[i + 1] == 0f) {
                x = denoised;
            } else {
                float t = -TorchMath.log(sigmas[i]), s = -TorchMath.log(sigmas[i + 1]);
                h = s - t;
                float etaH = eta * h;
                float a = sigmas[i + 1] / sigmas[i] * TorchMath.exp(-etaH);
                float phi = -TorchMath.expm1(-h - etaH);
                x = LatentOps.scaledSum(a, x, phi, denoised);
                if (oldDenoised != null) {
                    float r = hLast / h;
                    float c = heun ? (phi / (-h - etaH) + 1f) * (1f / r) : 0.5f * phi * (1f / r);
                    float[] next = new float[x.length];
                    for (int k = 0; k < x.length; k++) next[k] = x[k] + c * (denoised[k] - oldDenoised[k]);
                    x = next;
                }
                if (eta != 0f) {
                    float root = TorchMath.sqrt(-TorchMath.expm1(-2f * etaH));
                    float[] n = noise.sample(sigmas[i], sigmas[i + 1]);
                    LatentOps.check(x, n);
                    float[] next = new float[x.length];
                    for (int k = 0; k < x.length; k++) next[k] = x[k] + n[k] * sigmas[i + 1] * root * sNoise;
                    x = next;
                }
            }
            oldDenoised = denoised;
            hLast = h;
        }
        return x;
    }
}
