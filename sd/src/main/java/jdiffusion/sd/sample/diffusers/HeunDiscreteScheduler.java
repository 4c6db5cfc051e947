package jdiffusion.sd.sample.diffusers;

import jdiffusion.sd.sample.Prediction;

import java.util.function.Supplier;

/**
 * diffusers {@code HeunDiscreteScheduler}: timesteps and sigmas interleaved ({@code t0, t1, t1, t2, t2, ...}),
 * alternating an Euler predictor and a trapezoidal corrector; 2n-1 model calls for n steps.
 */
public final class HeunDiscreteScheduler implements TimestepScheduler {
    private final float[] timesteps;
    private final float[] sigmas;
    private final Prediction prediction;
    private final float initNoiseSigma;
    private float[] prevDerivative, prevSample;
    private float dt = Float.NaN;

    public HeunDiscreteScheduler(SchedulerConfig config, int steps) {
        SigmaTables base = SigmaTables.of(config, config.schedule(), steps);
        float[] t = base.timesteps(), s = base.sigmas();
        timesteps = new float[2 * t.length - 1];
        timesteps[0] = t[0];
        for (int i = 1; i < t.length; i++) { timesteps[2 * i - 1] = t[i]; timesteps[2 * i] = t[i]; }
        sigmas = new float[2 * s.length - 2];
        sigmas[0] = s[0];
        for (int i = 1; i < s.length - 1; i++) { sigmas[2 * i - 1] = s[i]; sigmas[2 * i] = s[i]; }
        sigmas[sigmas.length - 1] = s[s.length - 1];
        this.prediction = config.prediction();
        this.initNoiseSigma = base.initNoiseSigma(config);
    }

    @Override public float[] timesteps() { return timesteps.clone(); }
    public float[] sigmas() { return sigmas.clone(); }
    @Override public float initNoiseSigma() { return initNoiseSigma; }
    @Override public int order() { return 2; }
    @Override public float[] scaleModelInput(float[] sample, int i) { return SigmaTables.scale(sample, sigmas[i]); }

    @Override
    public float[] step(float[] modelOutput, int i, float[] sample, Supplier<float[]> noise) {
        boolean firstOrder = Float.isNaN(dt);
        float sigma = firstOrder ? sigmas[i] : sigmas[i - 1];
        float sigmaNext = firstOrder ? sigmas[i + 1] : sigmas[i];
        float[] x0 = SigmaTables.x0(prediction, modelOutput, sample, firstOrder ? sigma : sigmaNext);
        float[] derivative = new float[sample.length];
        float stepDt;
        if (firstOrder) {
            for (int k = 0; k < derivative.length; k++) derivative[k] = (sample[k] - x0[k]) / sigma;
            stepDt = sigmaNext - sigma;
            prevDerivative = derivative;
            dt = stepDt;
            prevSample = sample;
        } else {
            for (int k = 0; k < derivative.length; k++)
                derivative[k] = (prevDerivative[k] + (sample[k] - x0[k]) / sigmaNext) / 2f;
            stepDt = dt;
            sample = prevSample;
            prevDerivative = null;
            prevSample = null;
            dt = Float.NaN;
        }
        float[] out = new float[sample.length];
        for (int k = 0; k < out.length; k++) out[k] = sample[k] + derivative[k] * stepDt;
        return out;
    }
}
