package jdiffusion.sd.sample;

/**
 * The WebUI's "DDIM CFG++" ({@code sd_samplers_timesteps_impl.ddim_cfgpp}, Chung et al. 2024): DDIM whose
 * x0 comes from the guided eps but whose direction term uses the unconditional eps. The guidance scale
 * must be divided by 12.5 ({@link TimestepSamplerSpec#guidanceScaleFactor()}), and the model must be a
 * {@link GuidedModelFunction}.
 */
public record WebUiDdimCfgPp(NoiseSchedule schedule, float eta) implements TimestepSampler {
    public WebUiDdimCfgPp(NoiseSchedule schedule) { this(schedule, 0f); }

    @Override
    public float[] sample(ModelFunction model, float[] x, int[] timesteps, NoiseSampler noise, StepListener listener) {
        if (!(model instanceof GuidedModelFunction guided))
            throw new SamplingException("DDIM CFG++ needs the unconditional prediction: pass a GuidedModelFunction");
        float[] alphas = WebUiTimesteps.alphas(schedule, timesteps);
        float[] alphasPrev = WebUiTimesteps.alphasPrev(schedule, timesteps);
        for (int i = 0; i < timesteps.length - 1; i++) {
            int index = timesteps.length - 1 - i;
            float[] e = guided.predict(x, (float) timesteps[index]);
            float[] eUncond = guided.lastUnconditional();
            float at = alphas[index], aPrev = alphasPrev[index];
            double ap = aPrev;
            float sigma = (float) (eta * Math.sqrt((1 - ap) / (1 - (double) at) * (1 - (double) at / ap)));
            float sqrtOneMinusAt = (float) Math.sqrt(1f - at), sqrtAt = (float) Math.sqrt(at);
            float dirCoef = (float) Math.sqrt(1f - aPrev - sigma * sigma), sqrtPrev = (float) Math.sqrt(aPrev);
            float[] n = noise.sample(0f, 0f);
            LatentOps.check(x, n);
            float[] x0 = new float[x.length], next = new float[x.length];
            for (int k = 0; k < x.length; k++) {
                x0[k] = (x[k] - sqrtOneMinusAt * e[k]) / sqrtAt;
                next[k] = sqrtPrev * x0[k] + dirCoef * eUncond[k] + sigma * n[k];
            }
            x = next;
            listener.onStep(i, x, 0f, 0f, x0);
        }
        return x;
    }
}
