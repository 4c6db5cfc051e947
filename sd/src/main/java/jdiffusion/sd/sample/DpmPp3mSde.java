package jdiffusion.sd.sample;

/** k-diffusion {@code sample_dpmpp_3m_sde} ("DPM++ 3M SDE"): third-order multistep DPM-Solver++ with SDE noise. */
public record DpmPp3mSde(float eta, float sNoise) implements KSampler {
    public DpmPp3mSde() { this(1f, 1f); }

    @Override
    public float[] sample(Denoiser model, float[] x, float[] sigmas, NoiseSampler noise, StepListener listener) {
        float[] denoised1 = null, denoised2 = null;
        float h = Float.NaN, h1 = Float.NaN, h2 = Float.NaN;
        for (int i = 0; i < sigmas.length - 1; i++) {
            float[] denoised = model.denoise(x, sigmas[i]);
            listener.onStep(i, x, sigmas[i], sigmas[i], denoised);
            if (sigmas[i + 1] == 0f) {
                x = denoised;
            } else {
                float t = -TorchMath.log(sigmas[i]), s = -TorchMath.log(sigmas[i + 1]);
                h = s - t;
                float hEta = h * (eta + 1f);
                x = LatentOps.scaledSum(TorchMath.exp(-hEta), x, -TorchMath.expm1(-hEta), denoised);
                float[] next = new float[x.length];
                if (!Float.isNaN(h2)) {
                    float r0 = h1 / h, r1 = h2 / h;
                    float phi2 = TorchMath.expm1(-hEta) / hEta + 1f;
                    float phi3 = phi2 / hEta - 0.5f;
                    for (int k = 0; k < x.length; k++) {
                        float d10 = (denoised[k] - denoised1[k]) / r0;
                        float d11 = (denoised1[k] - denoised2[k]) / r1;
                        float d1 = d10 + (d10 - d11) * r0 / (r0 + r1);
                        float d2 = (d10 - d11) / (r0 + r1);
                        next[k] = x[k] + phi2 * d1 - phi3 * d2;
                    }
                    x = next;
                } else if (!Float.isNaN(h1)) {
                    float r = h1 / h;
                    float phi2 = TorchMath.expm1(-hEta) / hEta + 1f;
                    for (int k = 0; k < x.length; k++) next[k] = x[k] + phi2 * ((denoised[k] - denoised1[k]) / r);
                    x = next;
                }
                if (eta != 0f) {
                    float[] n = noise.sample(sigmas[i], sigmas[i + 1]);
                    LatentOps.check(x, n);
                    float root = TorchMath.sqrt(-TorchMath.expm1(-2f * h * eta));
                    float[] y = new float[x.length];
                    for (int k = 0; k < x.length; k++) y[k] = x[k] + n[k] * sigmas[i + 1] * root * sNoise;
                    x = y;
                }
            }
            denoised2 = denoised1;
            denoised1 = denoised;
            h2 = h1;
            h1 = h;
        }
        return x;
    }
}
