package jdiffusion.sd.sample;

/**
 * k-diffusion {@code sample_dpm_fast} ("DPM fast"): DPM-Solver with fixed steps evenly spaced in
 * t = -log sigma, as many third-order steps as the step budget allows. It ignores the schedule except
 * for its range: from {@code sigmas[0]} down to the last positive sigma, in {@code sigmas.length - 1}
 * model calls (the WebUI passes the model's own sigma range; {@link SamplerSpec#sigmas} builds that).
 * Like the reference it takes one noise draw per step even when eta is 0.
 */
public record DpmFast(float eta, float sNoise) implements KSampler {
    public DpmFast() { this(1f, 1f); }

    @Override
    public float[] sample(Denoiser model, float[] x, float[] sigmas, NoiseSampler noise, StepListener listener) {
        int nfe = sigmas.length - 1;
        float sigmaMax = sigmas[0], sigmaMin = sigmas[sigmas.length - 2];
        if (!(sigmaMin > 0f && sigmaMax > 0f)) throw new SamplingException("DPM fast needs positive sigma_min and sigma_max");
        DpmSolverSteps dpm = new DpmSolverSteps(model);
        float tStart = DpmSolverSteps.t(sigmaMax), tEnd = DpmSolverSteps.t(sigmaMin);
        int m = nfe / 3 + 1;
        float[] ts = TorchMath.linspace(tStart, tEnd, m + 1);
        int[] orders = new int[m];
        if (nfe % 3 == 0) {
            for (int i = 0; i < m - 2; i++) orders[i] = 3;
            orders[m - 2] = 2;
            orders[m - 1] = 1;
        } else {
            for (int i = 0; i < m - 1; i++) orders[i] = 3;
            orders[m - 1] = nfe % 3;
        }
        for (int i = 0; i < orders.length; i++) {
            float t = ts[i], tNext = ts[i + 1];
            float tNext_ = tNext, su = 0f;
            if (eta != 0f) {
                AncestralStep a = AncestralStep.of(DpmSolverSteps.sigma(t), DpmSolverSteps.sigma(tNext), eta);
                tNext_ = Math.min(tEnd, DpmSolverSteps.t(a.down()));
                float sn = DpmSolverSteps.sigma(tNext), sn_ = DpmSolverSteps.sigma(tNext_);
                su = TorchMath.sqrt(sn * sn - sn_ * sn_);
            }
            float[] eps = dpm.eps(x, t);
            float sigT = DpmSolverSteps.sigma(t);
            float[] denoised = new float[x.length];
            for (int k = 0; k < x.length; k++) denoised[k] = x[k] - sigT * eps[k];
            listener.onStep(i, x, sigT, sigT, denoised);
            x = switch (orders[i]) {
                case 1 -> dpm.step1(x, t, tNext_, eps);
                case 2 -> dpm.step2(x, t, tNext_, 0.5f, eps);
                default -> dpm.step3(x, t, tNext_, 1f / 3f, 2f / 3f, eps);
            };
            x = DpmSolverSteps.addNoise(x, su, sNoise, noise.sample(sigT, DpmSolverSteps.sigma(tNext)));
        }
        return x;
    }
}
