package jdiffusion.sd.sample;

/**
 * k-diffusion's model interface: {@code denoised = D(x, sigma)}, the x0 prediction for latents
 * {@code x} at noise level {@code sigma} (the same sigma for every image of the batch). Built from a
 * {@link ModelFunction} by {@link KDiffusionDenoiser#over}; a pipeline may also wrap one to apply
 * classifier-free guidance on the denoised outputs, as the WebUI does.
 */
@FunctionalInterface
public interface Denoiser {
    float[] denoise(float[] x, float sigma);
}
