package jdiffusion.sd.sample.diffusers;

import jdiffusion.sd.sample.Prediction;

import java.util.function.Supplier;

/**
 * diffusers {@code EulerDiscreteScheduler} (s_churn 0). It draws one noise tensor from the step generator
 * on every step even though churn 0 never uses it; the draw is kept so later draws line up.
 */
public final class EulerDiscreteScheduler implements TimestepScheduler {
    private final SigmaTables tables;
    private final Prediction prediction;
    private final float initNoiseSigma;

    public EulerDiscreteScheduler(SchedulerConfig config, int steps) {
        this.tables = SigmaTables.of(config, config.schedule(), steps);
        this.prediction = config.prediction();
        this.initNoiseSigma = tables.initNoiseSigma(config);
    }

    @Override public float[] timesteps() { return tables.timesteps().clone(); }
    public float[] sigmas() { return tables.sigmas().clone(); }
    @Override public float initNoiseSigma() { return initNoiseSigma; }
    @Override public float[] scaleModelInput(float[] sample, int i) { return SigmaTables.scale(sample, tables.sigmas()[i]); }

    @Override
    public float[] step(float[] modelOutput, int i, float[] sample, Supplier<float[]> noise) {
        float sigma = tables.sigmas()[i];
        noise.get(); // drawn by diffusers whether or not churn uses it
        float[] x0 = SigmaTables.x0(prediction, modelOutput, sample, sigma);
        float dt = tables.sigmas()[i + 1] - sigma;
        float[] out = new float[sample.length];
        for (int k = 0; k < out.length; k++) out[k] = sample[k] + ((sample[k] - x0[k]) / sigma) * dt;
        return out;
    }
}
