package jdiffusion.sd.sample.diffusers;

import jdiffusion.sd.sample.TorchMath;

import jdiffusion.sd.sample.NoiseSchedule;

/**
 * Timesteps and sigmas of diffusers' multistep solvers (DPM-Solver++, UniPC) after {@code set_timesteps}:
 * integer timesteps; sigmas interpolated at them, or Karras sigmas with timesteps rounded from
 * log-sigma; plus the final sigma (0, or the model's smallest sigma).
 */
record MultistepTables(int[] timesteps, float[] sigmas) {

    static MultistepTables of(SchedulerConfig config, NoiseSchedule schedule, int steps, boolean finalSigmaMin) {
        float[] modelSigmas = Tables.modelSigmas(schedule);
        int[] t = Tables.multistepTimesteps(config.spacingOr("linspace"), schedule.trainingSteps(), steps, config.stepsOffset());
        double[] sig;
        if (config.useKarrasSigmas()) {
            float[] logSigmas = Tables.logOf(modelSigmas);
            sig = Tables.karras(modelSigmas[0], modelSigmas[modelSigmas.length - 1], steps);
            t = new int[sig.length];
            for (int i = 0; i < sig.length; i++) t[i] = (int) Math.rint(Tables.sigmaToT(sig[i], logSigmas));
        } else {
            sig = new double[t.length];
            for (int i = 0; i < t.length; i++) sig[i] = Tables.interp(t[i], modelSigmas);
        }
        float[] s = new float[sig.length + 1];
        for (int i = 0; i < sig.length; i++) s[i] = (float) sig[i];
        if (finalSigmaMin) {
            float a0 = schedule.alphaCumprod(0);
            s[sig.length] = config.useKarrasSigmas() ? (float) sig[sig.length - 1] : (float) Math.sqrt((1f - a0) / a0);
        }
        return new MultistepTables(t, s);
    }

    /** alpha_t = 1/sqrt(sigma^2 + 1), sigma_t = sigma * alpha_t, lambda = log alpha_t - log sigma_t (float32). */
    static float alpha(float sigma) { return 1f / (float) Math.sqrt(sigma * sigma + 1f); }

    static float lambda(float sigma) {
        float a = alpha(sigma);
        float s = sigma * a;
        return TorchMath.log(a) - TorchMath.log(s);
    }

    /** The data (x0) prediction the solvers work with, from an eps or v output at {@code sigma}. */
    static float[] dataPrediction(jdiffusion.sd.sample.Prediction p, float[] out, float[] sample, float sigma) {
        float a = alpha(sigma), s = sigma * a;
        float[] x0 = new float[sample.length];
        if (p == jdiffusion.sd.sample.Prediction.EPSILON)
            for (int i = 0; i < x0.length; i++) x0[i] = (sample[i] - s * out[i]) / a;
        else
            for (int i = 0; i < x0.length; i++) x0[i] = a * sample[i] - s * out[i];
        return x0;
    }
}
