package jdiffusion.sd.sample.diffusers;

import jdiffusion.sd.sample.NoiseSchedule;
import jdiffusion.sd.sample.Prediction;
import jdiffusion.sd.sample.SamplingException;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * diffusers {@code PNDMScheduler} with {@code skip_prk_steps} (Stable Diffusion's default): pseudo linear
 * multistep; the second timestep is repeated so the first step can be an improved Euler step.
 */
public final class PndmScheduler implements TimestepScheduler {
    private final NoiseSchedule schedule;
    private final Prediction prediction;
    private final float finalAlphaCumprod;
    private final int[] timesteps;
    private final int stepRatio;
    private final List<float[]> ets = new ArrayList<>();
    private int counter;
    private float[] curSample;

    public PndmScheduler(SchedulerConfig config, int steps) {
        this.schedule = config.schedule();
        this.prediction = config.prediction();
        this.finalAlphaCumprod = config.setAlphaToOne() ? 1f : schedule.alphaCumprod(0);
        int[] base = Tables.discreteTimesteps(config.spacingOr("leading"), schedule.trainingSteps(), steps, config.stepsOffset());
        // ascending _timesteps = reverse(base); plms = concat(ts[:-1], ts[-2:-1], ts[-1:]) reversed
        int n = base.length;
        int[] asc = new int[n];
        for (int i = 0; i < n; i++) asc[i] = base[n - 1 - i];
        int[] plms;
        if (n == 1) {
            plms = new int[]{asc[0]};
        } else {
            int[] cat = new int[n + 1];
            System.arraycopy(asc, 0, cat, 0, n - 1);
            cat[n - 1] = asc[n - 2];
            cat[n] = asc[n - 1];
            plms = new int[n + 1];
            for (int i = 0; i <= n; i++) plms[i] = cat[n - i];
        }
        this.timesteps = plms;
        this.stepRatio = schedule.trainingSteps() / steps;
    }

    @Override public float[] timesteps() { return Tables.toFloat(timesteps); }
    @Override public float initNoiseSigma() { return 1f; }
    @Override public float[] scaleModelInput(float[] sample, int stepIndex) { return sample; }

    @Override
    public float[] step(float[] modelOutput, int stepIndex, float[] sample, Supplier<float[]> noise) {
        int timestep = timesteps[stepIndex];
        int prev = timestep - stepRatio;
        if (counter != 1) {
            while (ets.size() > 3) ets.removeFirst();
            ets.add(modelOutput);
        } else {
            prev = timestep;
            timestep = timestep + stepRatio;
        }
        int k = ets.size();
        float[] e = new float[modelOutput.length];
        if (k == 1 && counter == 0) {
            e = modelOutput;
            curSample = sample;
        } else if (k == 1 && counter == 1) {
            float[] last = ets.get(k - 1);
            for (int i = 0; i < e.length; i++) e[i] = (modelOutput[i] + last[i]) / 2f;
            sample = curSample;
            curSample = null;
        } else if (k == 2) {
            float[] a = ets.get(k - 1), b = ets.get(k - 2);
            for (int i = 0; i < e.length; i++) e[i] = (3f * a[i] - b[i]) / 2f;
        } else if (k == 3) {
            float[] a = ets.get(k - 1), b = ets.get(k - 2), c = ets.get(k - 3);
            for (int i = 0; i < e.length; i++) e[i] = (23f * a[i] - 16f * b[i] + 5f * c[i]) / 12f;
        } else if (k == 4) {
            float[] a = ets.get(k - 1), b = ets.get(k - 2), c = ets.get(k - 3), d = ets.get(k - 4);
            float w = 1f / 24f;
            for (int i = 0; i < e.length; i++) e[i] = w * (55f * a[i] - 59f * b[i] + 37f * c[i] - 9f * d[i]);
        } else {
            throw new SamplingException("PNDM history out of order at step " + stepIndex);
        }
        float[] prevSample = prevSample(sample, timestep, prev, e);
        counter++;
        return prevSample;
    }

    private float[] prevSample(float[] sample, int t, int prev, float[] out) {
        float at = schedule.alphaCumprod(t);
        float aPrev = prev >= 0 ? schedule.alphaCumprod(prev) : finalAlphaCumprod;
        float bt = 1f - at, bPrev = 1f - aPrev;
        float[] eps = out;
        if (prediction == Prediction.V_PREDICTION) {
            float sa = (float) Math.sqrt(at), sb = (float) Math.sqrt(bt);
            eps = new float[out.length];
            for (int i = 0; i < out.length; i++) eps[i] = sa * out[i] + sb * sample[i];
        }
        float sampleCoeff = (float) Math.sqrt(aPrev / at);
        float denom = at * (float) Math.sqrt(bPrev) + (float) Math.sqrt(at * bt * aPrev);
        float diff = aPrev - at;
        float[] r = new float[sample.length];
        for (int i = 0; i < r.length; i++) r[i] = sampleCoeff * sample[i] - diff * eps[i] / denom;
        return r;
    }
}
