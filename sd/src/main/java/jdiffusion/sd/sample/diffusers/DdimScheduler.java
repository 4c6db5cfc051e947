package jdiffusion.sd.sample.diffusers;

import jdiffusion.sd.sample.NoiseSchedule;
import jdiffusion.sd.sample.Prediction;
import jdiffusion.sd.sample.SamplingException;

import java.util.function.Supplier;

/**
 * diffusers {@code DDIMScheduler} (eta 0 by default): x_prev = sqrt(a_prev)*x0 + sqrt(1 - a_prev - std^2)*eps
 * (+ std*noise when eta > 0). Also the img2img/inpaint helpers: {@link #addNoise} and
 * {@link #timestepsForStrength}.
 */
public final class DdimScheduler implements TimestepScheduler {
    private final NoiseSchedule schedule;
    private final Prediction prediction;
    private final float finalAlphaCumprod;
    private final int[] timesteps;
    private final int stepRatio;
    private final float eta;

    public DdimScheduler(SchedulerConfig config, int steps) { this(config, steps, 0f); }

    public DdimScheduler(SchedulerConfig config, int steps, float eta) {
        this.schedule = config.schedule();
        this.prediction = config.prediction();
        this.finalAlphaCumprod = config.setAlphaToOne() ? 1f : schedule.alphaCumprod(0);
        this.timesteps = Tables.discreteTimesteps(config.spacingOr("leading"), schedule.trainingSteps(), steps, config.stepsOffset());
        this.stepRatio = schedule.trainingSteps() / steps;
        this.eta = eta;
    }

    @Override public float[] timesteps() { return Tables.toFloat(timesteps); }
    public int[] intTimesteps() { return timesteps.clone(); }
    @Override public float initNoiseSigma() { return 1f; }
    @Override public float[] scaleModelInput(float[] sample, int stepIndex) { return sample; }

    @Override
    public float[] step(float[] modelOutput, int stepIndex, float[] sample, Supplier<float[]> noise) {
        int t = timesteps[stepIndex];
        int prev = t - stepRatio;
        float at = schedule.alphaCumprod(t);
        float aPrev = prev >= 0 ? schedule.alphaCumprod(prev) : finalAlphaCumprod;
        float bt = 1f - at;
        float[] x0 = new float[sample.length], eps = new float[sample.length];
        AlphaMath.predict(prediction, modelOutput, sample, at, bt, x0, eps);
        float bPrev = 1f - aPrev;
        float variance = (bPrev / bt) * (1f - at / aPrev);
        float std = eta * (float) Math.sqrt(variance);
        float dirCoef = (float) Math.sqrt(1f - aPrev - std * std);
        float sqrtPrev = (float) Math.sqrt(aPrev);
        float[] out = new float[sample.length];
        for (int i = 0; i < out.length; i++) out[i] = sqrtPrev * x0[i] + dirCoef * eps[i];
        if (eta > 0f) {
            float[] n = noise.get();
            for (int i = 0; i < out.length; i++) out[i] = out[i] + std * n[i];
        }
        return out;
    }

    /** {@code add_noise}: sqrt(a_t)*x0 + sqrt(1 - a_t)*noise, for img2img and inpainting. */
    public static float[] addNoise(NoiseSchedule schedule, float[] original, float[] noise, int timestep) {
        if (original.length != noise.length)
            throw new SamplingException("add_noise: " + original.length + " latents but " + noise.length + " noise values");
        float a = schedule.alphaCumprod(timestep);
        float sa = (float) Math.sqrt(a), sb = (float) Math.sqrt(1f - a);
        float[] out = new float[original.length];
        for (int i = 0; i < out.length; i++) out[i] = sa * original[i] + sb * noise[i];
        return out;
    }

    /**
     * diffusers img2img {@code get_timesteps}: the index of the first timestep to run for {@code strength}
     * ({@code init = min(int(steps*strength), steps)}, start = steps - init), times the scheduler order.
     */
    public static int startIndexForStrength(int steps, double strength, int order) {
        if (!(strength >= 0 && strength <= 1))
            throw new SamplingException("denoising strength must lie in [0, 1], got " + strength);
        int init = Math.min((int) (steps * strength), steps);
        return Math.max(steps - init, 0) * order;
    }

    /** The timesteps an img2img/inpaint run with {@code strength} actually denoises. */
    public static float[] timestepsForStrength(TimestepScheduler s, int steps, double strength) {
        float[] all = s.timesteps();
        int start = startIndexForStrength(steps, strength, s.order());
        return java.util.Arrays.copyOfRange(all, start, all.length);
    }
}
