package jdiffusion.sd.sample;

/**
 * The WebUI's own timestep-space samplers ({@code modules/sd_samplers_timesteps_impl.py}: DDIM, PLMS,
 * UniPC). They call the model with unscaled latents and integer CompVis timesteps and need its noise
 * prediction; {@link WebUiTimesteps#epsModel} adapts a {@link ModelFunction} (eps or v) to that.
 */
public interface TimestepSampler {
    /**
     * @param eps       the model as a noise predictor, {@code eps = model(x, t)} (CFG applied inside)
     * @param x         the starting latents (txt2img: plain N(0,1) noise, not scaled)
     * @param timesteps the WebUI's timestep list for the run, ascending ({@link WebUiTimesteps#timesteps})
     * @param noise     the per-image generators (the WebUI's DDIM draws one tensor per step even at eta 0)
     */
    float[] sample(ModelFunction eps, float[] x, int[] timesteps, NoiseSampler noise, StepListener listener);
}
