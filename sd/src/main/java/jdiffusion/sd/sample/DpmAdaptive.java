package jdiffusion.sd.sample;

/**
 * k-diffusion {@code sample_dpm_adaptive} ("DPM adaptive"): embedded DPM-Solver-2/3 pairs with a PID
 * step-size controller in t = -log sigma, from {@code sigmas[0]} to the last positive sigma (the rest of
 * the schedule, and the step count, are ignored, as in the WebUI). The error norm is taken over the
 * whole batch, as the reference does.
 */
public record DpmAdaptive(int order, double rtol, double atol, double hInit, double pcoeff, double icoeff,
                          double dcoeff, double acceptSafety, float eta, float sNoise) implements KSampler {
    public DpmAdaptive() { this(3, 0.05, 0.0078, 0.05, 0, 1, 0, 0.81, 1f, 1f); }

    public DpmAdaptive {
        if (order != 2 && order != 3) throw new SamplingException("DPM adaptive order should be 2 or 3, got " + order);
    }

    @Override
    public float[] sample(Denoiser model, float[] x, float[] sigmas, NoiseSampler noise, StepListener listener) {
        float sigmaMax = sigmas[0], sigmaMin = sigmas[sigmas.length - 2];
        if (!(sigmaMin > 0f && sigmaMax > 0f)) throw new SamplingException("DPM adaptive needs positive sigma_min and sigma_max");
        DpmSolverSteps dpm = new DpmSolverSteps(model);
        float tStart = DpmSolverSteps.t(sigmaMax), tEnd = DpmSolverSteps.t(sigmaMin);
        boolean forward = tEnd > tStart;
        if (!forward && eta != 0f) throw new SamplingException("eta must be 0 for reverse sampling");
        Pid pid = new Pid(Math.abs(hInit) * (forward ? 1 : -1), pcoeff, icoeff, dcoeff, eta != 0f ? 1.5 : order, acceptSafety);
        float s = tStart;
        float[] xPrev = x;
        int steps = 0;
        while (forward ? s < tEnd - 1e-5 : s > tEnd + 1e-5) {
            float t = forward ? Math.min(tEnd, s + (float) pid.h) : Math.max(tEnd, s + (float) pid.h);
            float t_ = t, su = 0f;
            if (eta != 0f) {
                AncestralStep a = AncestralStep.of(DpmSolverSteps.sigma(s), DpmSolverSteps.sigma(t), eta);
                t_ = Math.min(tEnd, DpmSolverSteps.t(a.down()));
                float st = DpmSolverSteps.sigma(t), st_ = DpmSolverSteps.sigma(t_);
                su = TorchMath.sqrt(st * st - st_ * st_);
            }
            float[] eps = dpm.eps(x, s);
            float sigS = DpmSolverSteps.sigma(s);
            float[] denoised = new float[x.length];
            for (int k = 0; k < x.length; k++) denoised[k] = x[k] - sigS * eps[k];
            float[] low, high;
            if (order == 2) {
                low = dpm.step1(x, s, t_, eps);
                high = dpm.step2(x, s, t_, 0.5f, eps);
            } else {
                low = dpm.step2(x, s, t_, 1f / 3f, eps);
                high = dpm.step3(x, s, t_, 1f / 3f, 2f / 3f, eps);
            }
            double sum = 0;
            for (int k = 0; k < x.length; k++) {
                float delta = Math.max((float) atol, (float) rtol * Math.max(Math.abs(low[k]), Math.abs(xPrev[k])));
                float e = (low[k] - high[k]) / delta;
                sum += (double) e * e;
            }
            double error = (float) Math.sqrt(sum) / Math.sqrt(x.length);
            if (pid.proposeStep(error)) {
                xPrev = low;
                x = DpmSolverSteps.addNoise(high, su, sNoise, noise.sample(sigS, DpmSolverSteps.sigma(t)));
                s = t;
            }
            listener.onStep(steps++, x, DpmSolverSteps.sigma(s), DpmSolverSteps.sigma(s), denoised);
            if (steps > 100_000) throw new SamplingException("DPM adaptive did not converge");
        }
        return x;
    }

    /** k-diffusion's {@code PIDStepSizeController} (python doubles). */
    private static final class Pid {
        double h;
        final double b1, b2, b3, acceptSafety, eps = 1e-8;
        double[] errs;

        Pid(double h, double p, double i, double d, double order, double acceptSafety) {
            this.h = h;
            b1 = (p + i + d) / order;
            b2 = -(p + 2 * d) / order;
            b3 = d / order;
            this.acceptSafety = acceptSafety;
        }

        boolean proposeStep(double error) {
            double inv = 1 / (error + eps);
            if (errs == null) errs = new double[]{inv, inv, inv};
            errs[0] = inv;
            double factor = Math.pow(errs[0], b1) * Math.pow(errs[1], b2) * Math.pow(errs[2], b3);
            factor = 1 + Math.atan(factor - 1);
            boolean accept = factor >= acceptSafety;
            if (accept) {
                errs[2] = errs[1];
                errs[1] = errs[0];
            }
            h *= factor;
            return accept;
        }
    }

    @Override public int modelCalls(float[] sigmas) { return -1; }
}
