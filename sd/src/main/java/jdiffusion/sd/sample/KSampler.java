package jdiffusion.sd.sample;

/**
 * A k-diffusion sampler: integrates from {@code x} at {@code sigmas[0]} down the given sigma schedule
 * (which ends with 0) and returns the final latents. {@code x} must already be scaled to
 * {@code sigmas[0]} (txt2img: {@code noise * sigmas[0]}). Samplers never modify their inputs.
 */
public interface KSampler {
    float[] sample(Denoiser model, float[] x, float[] sigmas, NoiseSampler noise, StepListener listener);

    /** Denoiser evaluations used for a schedule of {@code sigmas.length} entries (progress reporting; -1 = not known ahead). */
    default int modelCalls(float[] sigmas) { return sigmas.length - 1; }
}
