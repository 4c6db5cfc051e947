package jdiffusion.sd.sample.diffusers;

import jdiffusion.sd.sample.NoiseSchedule;

/**
 * The timesteps and sigmas of diffusers' sigma-space schedulers (Euler, Euler a, LMS, Heun) after
 * {@code set_timesteps}: sigmas interpolated linearly in t (or Karras, with timesteps mapped back
 * through log-sigma), a final 0 appended, stored as float32.
 */
record SigmaTables(float[] timesteps, float[] sigmas) {

    static SigmaTables of(SchedulerConfig config, NoiseSchedule schedule, int steps) {
        float[] modelSigmas = Tables.modelSigmas(schedule);
        double[] t = Tables.floatTimesteps(config.spacingOr("linspace"), schedule.trainingSteps(), steps, config.stepsOffset());
        double[] sig = new double[t.length];
        for (int i = 0; i < t.length; i++) sig[i] = Tables.interp(t[i], modelSigmas);
        if (config.useKarrasSigmas()) {
            float[] logSigmas = Tables.logOf(modelSigmas);
            sig = Tables.karras(sig[sig.length - 1], sig[0], steps);
            for (int i = 0; i < sig.length; i++) t[i] = Tables.sigmaToT(sig[i], logSigmas);
        }
        float[] ts = new float[t.length];
        for (int i = 0; i < t.length; i++) ts[i] = (float) t[i];
        float[] s = new float[sig.length + 1];
        for (int i = 0; i < sig.length; i++) s[i] = (float) sig[i];
        return new SigmaTables(ts, s);
    }

    /** Euler/LMS/Heun {@code init_noise_sigma}: sigma_max, or sqrt(sigma_max^2 + 1) with leading spacing. */
    float initNoiseSigma(SchedulerConfig config) {
        float max = 0;
        for (float v : sigmas) max = Math.max(max, v);
        String spacing = config.spacingOr("linspace");
        return spacing.equals("linspace") || spacing.equals("trailing") ? max : (float) Math.sqrt(max * max + 1f);
    }

    static float[] scale(float[] sample, float sigma) {
        float d = (float) Math.sqrt(sigma * sigma + 1f);
        float[] r = new float[sample.length];
        for (int i = 0; i < r.length; i++) r[i] = sample[i] / d;
        return r;
    }

    /** The x0 prediction at {@code sigma} from an eps or v output. */
    static float[] x0(jdiffusion.sd.sample.Prediction p, float[] out, float[] sample, float sigma) {
        float[] x0 = new float[sample.length];
        if (p == jdiffusion.sd.sample.Prediction.EPSILON) {
            for (int i = 0; i < x0.length; i++) x0[i] = sample[i] - sigma * out[i];
        } else {
            float s2 = sigma * sigma + 1f;
            float c = -sigma / (float) Math.sqrt(s2);
            for (int i = 0; i < x0.length; i++) x0[i] = out[i] * c + sample[i] / s2;
        }
        return x0;
    }
}
