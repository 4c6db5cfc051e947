package jdiffusion.sd.sample.diffusers;

import jdiffusion.sd.sample.NoiseSchedule;
import jdiffusion.sd.sample.Prediction;

import java.util.function.Supplier;

/** diffusers {@code DDPMScheduler} with {@code variance_type="fixed_small"}: ancestral DDPM steps, noise on every step but the last. */
public final class DdpmScheduler implements TimestepScheduler {
    private final NoiseSchedule schedule;
    private final Prediction prediction;
    private final int[] timesteps;
    private final int stepRatio;

    public DdpmScheduler(SchedulerConfig config, int steps) {
        this.schedule = config.schedule();
        this.prediction = config.prediction();
        this.timesteps = Tables.discreteTimesteps(config.spacingOr("leading"), schedule.trainingSteps(), steps, config.stepsOffset());
        this.stepRatio = schedule.trainingSteps() / steps;
    }

    @Override public float[] timesteps() { return Tables.toFloat(timesteps); }
    @Override public float initNoiseSigma() { return 1f; }
    @Override public float[] scaleModelInput(float[] sample, int stepIndex) { return sample; }

    @Override
    public float[] step(float[] modelOutput, int stepIndex, float[] sample, Supplier<float[]> noise) {
        int t = timesteps[stepIndex];
        int prev = t - stepRatio;
        float at = schedule.alphaCumprod(t);
        float aPrev = prev >= 0 ? schedule.alphaCumprod(prev) : 1f;
        float bt = 1f - at, bPrev = 1f - aPrev;
        float curAlpha = at / aPrev;
        float curBeta = 1f - curAlpha;
        float[] x0 = new float[sample.length], eps = new float[sample.length];
        AlphaMath.predict(prediction, modelOutput, sample, at, bt, x0, eps);
        float x0Coeff = ((float) Math.sqrt(aPrev) * curBeta) / bt;
        float sampleCoeff = (float) Math.sqrt(curAlpha) * bPrev / bt;
        float[] out = new float[sample.length];
        for (int i = 0; i < out.length; i++) out[i] = x0Coeff * x0[i] + sampleCoeff * sample[i];
        if (t > 0) {
            float[] n = noise.get();
            float variance = (1f - aPrev) / (1f - at) * curBeta;
            variance = Math.max(variance, 1e-20f);
            float std = (float) Math.sqrt(variance);
            for (int i = 0; i < out.length; i++) out[i] = out[i] + std * n[i];
        }
        return out;
    }
}
