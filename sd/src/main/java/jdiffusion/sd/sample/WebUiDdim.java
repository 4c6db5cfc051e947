package jdiffusion.sd.sample;

/**
 * The WebUI's DDIM ({@code sd_samplers_timesteps_impl.ddim}): runs {@code timesteps.length - 1} steps
 * from the largest timestep down to the second, each landing on the previous timestep of the list (the
 * first entry, timestep 1, is only a target). With eta 0 it is deterministic, but like the WebUI it still
 * takes one noise draw per step so the generators advance identically.
 */
public record WebUiDdim(NoiseSchedule schedule, float eta) implements TimestepSampler {
    public WebUiDdim(NoiseSchedule schedule) { this(schedule, 0f); }

    @Override
    public float[] sample(ModelFunction model, float[] x, int[] timesteps, NoiseSampler noise, StepListener listener) {
        float[] alphas = WebUiTimesteps.alphas(schedule, timesteps);
        float[] alphasPrev = WebUiTimesteps.alphasPrev(schedule, timesteps);
        for (int i = 0; i < timesteps.length - 1; i++) {
            int index = timesteps.length - 1 - i;
            float[] e = model.predict(x, (float) timesteps[index]);
            float at = alphas[index], aPrev = alphasPrev[index];
            double ap = aPrev;
            float sigma = (float) (eta * Math.sqrt((1 - ap) / (1 - (double) at) * (1 - (double) at / ap)));
            float sqrtOneMinusAt = (float) Math.sqrt(1f - at);
            float sqrtAt = (float) Math.sqrt(at);
            float dirCoef = (float) Math.sqrt(1f - aPrev - sigma * sigma);
            float sqrtPrev = (float) Math.sqrt(aPrev);
            float[] n = noise.sample(0f, 0f);
            LatentOps.check(x, n);
            float[] x0 = new float[x.length], next = new float[x.length];
            for (int k = 0; k < x.length; k++) {
                x0[k] = (x[k] - sqrtOneMinusAt * e[k]) / sqrtAt;
                next[k] = sqrtPrev * x0[k] + dirCoef * e[k] + sigma * n[k];
            }
            x = next;
            listener.onStep(i, x, 0f, 0f, x0);
        }
        return x;
    }
}
