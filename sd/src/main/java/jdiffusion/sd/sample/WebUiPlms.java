package jdiffusion.sd.sample;

import java.util.ArrayList;
import java.util.List;

/**
 * The WebUI's PLMS ({@code sd_samplers_timesteps_impl.plms}): pseudo linear multistep on eps, with a
 * pseudo improved-Euler first step (two model calls), over {@code timesteps.length - 1} steps.
 */
public record WebUiPlms(NoiseSchedule schedule) implements TimestepSampler {

    @Override
    public float[] sample(ModelFunction model, float[] x, int[] timesteps, NoiseSampler noise, StepListener listener) {
        float[] alphas = WebUiTimesteps.alphas(schedule, timesteps);
        float[] alphasPrev = WebUiTimesteps.alphasPrev(schedule, timesteps);
        List<float[]> oldEps = new ArrayList<>();
        for (int i = 0; i < timesteps.length - 1; i++) {
            int index = timesteps.length - 1 - i;
            float ts = timesteps[index];
            float tNext = timesteps[Math.max(index - 1, 0)];
            float[] e = model.predict(x, ts);
            float[] ePrime = new float[x.length];
            int k = oldEps.size();
            if (k == 0) {
                float[][] first = step(x, e, alphas[index], alphasPrev[index]);
                float[] eNext = model.predict(first[0], tNext);
                for (int j = 0; j < x.length; j++) ePrime[j] = (e[j] + eNext[j]) / 2f;
            } else if (k == 1) {
                float[] a = oldEps.get(0);
                for (int j = 0; j < x.length; j++) ePrime[j] = (3f * e[j] - a[j]) / 2f;
            } else if (k == 2) {
                float[] a = oldEps.get(1), b = oldEps.get(0);
                for (int j = 0; j < x.length; j++) ePrime[j] = (23f * e[j] - 16f * a[j] + 5f * b[j]) / 12f;
            } else {
                float[] a = oldEps.get(k - 1), b = oldEps.get(k - 2), c = oldEps.get(k - 3);
                for (int j = 0; j < x.length; j++) ePrime[j] = (55f * e[j] - 59f * a[j] + 37f * b[j] - 9f * c[j]) / 24f;
            }
            float[][] r = step(x, ePrime, alphas[index], alphasPrev[index]);
            oldEps.add(e);
            if (oldEps.size() >= 4) oldEps.removeFirst();
            x = r[0];
            listener.onStep(i, x, 0f, 0f, r[1]);
        }
        return x;
    }

    /** {x_prev, pred_x0} of the deterministic DDIM step with eps {@code e}. */
    private static float[][] step(float[] x, float[] e, float at, float aPrev) {
        float sqrtOneMinusAt = (float) Math.sqrt(1f - at), sqrtAt = (float) Math.sqrt(at);
        float dir = (float) Math.sqrt(1f - aPrev), sqrtPrev = (float) Math.sqrt(aPrev);
        float[] x0 = new float[x.length], prev = new float[x.length];
        for (int j = 0; j < x.length; j++) {
            x0[j] = (x[j] - sqrtOneMinusAt * e[j]) / sqrtAt;
            prev[j] = sqrtPrev * x0[j] + dir * e[j];
        }
        return new float[][]{prev, x0};
    }
}
