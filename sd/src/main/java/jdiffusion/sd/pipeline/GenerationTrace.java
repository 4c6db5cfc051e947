package jdiffusion.sd.pipeline;

/**
 * Intermediate values of a run, for tests that localise a mismatch against a reference (cond/uncond, initial noise,
 * x before every step, final latents, decoded image). Every method has an empty default.
 */
public interface GenerationTrace {
    GenerationTrace NONE = new GenerationTrace() {};

    /** The prompt's conditioning schedule (its first AND part) and the negative prompt's. */
    default void conditioning(ConditioningSchedule cond, ConditioningSchedule uncond) {}

    default void sigmas(float[] sigmas) {}

    /** The seed noise for the batch, before scaling by sigma. */
    default void initialNoise(float[] noise) {}

    /** x at the start of sampler step {@code step} (0-based). */
    default void stepInput(int step, float[] x) {}

    default void finalLatents(float[] latents) {}

    /** The VAE output of one image, {@code [3, H, W]}, nominally in [-1, 1]. */
    default void decoded(int imageIndex, float[] image) {}

    /**
     * A value of the hires-fix pass: {@code upscaled_latents}, {@code hires.init_latents}, {@code hires.noise},
     * {@code hires.sigma_sched}, {@code hires.stepNN.x}, {@code upscaled_image_uint8} (per image, RGB bytes as floats).
     */
    default void hires(String name, float[] values) {}

    /**
     * The ε of the VAE posterior sample {@code mean + std·ε} when the hires fix re-encodes an upscaled image
     * ({@code numel} values for image {@code imageIndex}), or null for the posterior mean (jsd's default: the WebUI
     * draws it from torch's unseeded global generator, which no seed reproduces).
     */
    default float[] hiresPosteriorNoise(int imageIndex, int numel) { return null; }
}
