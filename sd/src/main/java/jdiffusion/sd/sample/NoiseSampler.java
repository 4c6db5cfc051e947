package jdiffusion.sd.sample;

/**
 * Where stochastic samplers get fresh noise: k-diffusion's {@code noise_sampler(sigma, sigma_next)}.
 * The default ({@link ImageNoise}) ignores the sigmas and returns the next draw of each image's own
 * generator; a Brownian-tree sampler returns the Brownian increment between the two noise levels.
 */
@FunctionalInterface
public interface NoiseSampler {
    /** Noise shaped like the latents, {@code [B, C, H, W]} flattened. */
    float[] sample(float sigma, float sigmaNext);
}
