package jdiffusion.sd.sample.diffusers;

import jdiffusion.sd.sample.Prediction;

import java.util.function.Supplier;

/** diffusers {@code EulerAncestralDiscreteScheduler}: Euler to sigma_down plus sigma_up noise, drawn on every step. */
public final class EulerAncestralDiscreteScheduler implements TimestepScheduler {
    private final SigmaTables tables;
    private final Prediction prediction;
    private final float initNoiseSigma;

    public EulerAncestralDiscreteScheduler(SchedulerConfig config, int steps) {
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
        float from = tables.sigmas()[i], to = tables.sigmas()[i + 1];
        float[] x0 = SigmaTables.x0(prediction, modelOutput, sample, from);
        float up = (float) Math.sqrt(to * to * (from * from - to * to) / (from * from));
        float down = (float) Math.sqrt(to * to - up * up);
        float dt = down - from;
        float[] out = new float[sample.length];
        for (int k = 0; k < out.length; k++) out[k] = sample[k] + ((sample[k] - x0[k]) / from) * dt;
        float[] n = noise.get();
        for (int k = 0; k < out.length; k++) out[k] = out[k] + n[k] * up;
        return out;
    }
}
