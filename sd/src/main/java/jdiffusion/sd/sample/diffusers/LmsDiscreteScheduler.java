package jdiffusion.sd.sample.diffusers;

import jdiffusion.sd.sample.Prediction;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/** diffusers {@code LMSDiscreteScheduler} (order 4): the same integrated multistep coefficients as k-diffusion's LMS. */
public final class LmsDiscreteScheduler implements TimestepScheduler {
    private static final int ORDER = 4;
    private final SigmaTables tables;
    private final Prediction prediction;
    private final float initNoiseSigma;
    private final List<float[]> derivatives = new ArrayList<>();

    public LmsDiscreteScheduler(SchedulerConfig config, int steps) {
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
        float[] s = tables.sigmas();
        float sigma = s[i];
        float[] x0 = SigmaTables.x0(prediction, modelOutput, sample, sigma);
        float[] d = new float[sample.length];
        for (int k = 0; k < d.length; k++) d[k] = (sample[k] - x0[k]) / sigma;
        derivatives.add(d);
        if (derivatives.size() > ORDER) derivatives.removeFirst();
        int order = Math.min(i + 1, ORDER);
        double[] t = new double[s.length];
        for (int k = 0; k < t.length; k++) t[k] = s[k];
        float[] sum = new float[sample.length];
        for (int j = 0; j < order; j++) {
            float c = (float) jdiffusion.sd.sample.LmsCoefficients.coefficient(order, t, i, j);
            float[] dj = derivatives.get(derivatives.size() - 1 - j);
            for (int k = 0; k < sum.length; k++) sum[k] = j == 0 ? c * dj[k] : sum[k] + c * dj[k];
        }
        float[] out = new float[sample.length];
        for (int k = 0; k < out.length; k++) out[k] = sample[k] + sum[k];
        return out;
    }
}
