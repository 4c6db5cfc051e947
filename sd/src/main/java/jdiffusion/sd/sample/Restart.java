package jdiffusion.sd.sample;

import java.util.ArrayList;
import java.util.List;

/**
 * The WebUI's "Restart" sampler ({@code sd_samplers_extra.restart_sampler}, Xu et al. 2023): Heun steps
 * on a Karras schedule; from 20 steps on, some steps are spent jumping back from sigma about 0.1 up to
 * about 2 (re-noising with fresh draws) and descending again.
 */
public record Restart(float sNoise) implements KSampler {
    public Restart() { this(1f); }

    @Override
    public float[] sample(Denoiser model, float[] x, float[] sigmas, NoiseSampler noise, StepListener listener) {
        int steps = sigmas.length - 1;
        int restartSteps = 0, restartTimes = 0;
        boolean restart = steps >= 20;
        if (restart) {
            restartSteps = 9;
            restartTimes = 1;
            if (steps >= 36) {
                restartSteps = steps / 4;
                restartTimes = 2;
            }
            sigmas = SigmaSchedules.karras(steps - restartSteps * restartTimes, sigmas[sigmas.length - 2], sigmas[0], 7.0);
        }
        List<float[]> stepList = new ArrayList<>();
        int restartAt = restart ? argmin(sigmas, 0.1) : -1;
        for (int i = 0; i < sigmas.length - 1; i++) {
            stepList.add(new float[]{sigmas[i], sigmas[i + 1]});
            if (i + 1 == restartAt) {
                int minIdx = i + 1;
                int maxIdx = argmin(sigmas, 2.0);
                if (maxIdx < minIdx) {
                    float[] k = SigmaSchedules.karras(restartSteps + 1, sigmas[minIdx], sigmas[maxIdx], 7.0);
                    float[] r = java.util.Arrays.copyOf(k, k.length - 1);
                    for (int times = restartTimes; times > 0; times--)
                        for (int j = 0; j + 1 < r.length; j++) stepList.add(new float[]{r[j], r[j + 1]});
                }
            }
        }
        float last = Float.NaN;
        int stepId = 0;
        for (float[] st : stepList) {
            float old = st[0], next = st[1];
            if (Float.isNaN(last)) last = old;
            else if (last < old) {
                float[] n = noise.sample(last, old);
                LatentOps.check(x, n);
                float scale = TorchMath.sqrt(old * old - last * last);
                float[] y = new float[x.length];
                for (int k = 0; k < y.length; k++) y[k] = x[k] + n[k] * sNoise * scale;
                x = y;
            }
            float[] denoised = model.denoise(x, old);
            float[] d = LatentOps.toD(x, denoised, old);
            listener.onStep(stepId++, x, next, old, denoised);
            float dt = next - old;
            if (next == 0f) {
                x = LatentOps.addScaled(x, d, dt);
            } else {
                float[] x2 = LatentOps.addScaled(x, d, dt);
                float[] d2 = LatentOps.toD(x2, model.denoise(x2, next), next);
                float[] y = new float[x.length];
                for (int k = 0; k < y.length; k++) y[k] = x[k] + ((d[k] + d2[k]) / 2f) * dt;
                x = y;
            }
            last = next;
        }
        return x;
    }

    private static int argmin(float[] sigmas, double key) {
        int best = 0;
        float bestD = Float.POSITIVE_INFINITY;
        for (int i = 0; i < sigmas.length; i++) {
            float d = Math.abs(sigmas[i] - (float) key);
            if (d < bestD) { bestD = d; best = i; }
        }
        return best;
    }

    @Override public int modelCalls(float[] sigmas) { return -1; }
}
