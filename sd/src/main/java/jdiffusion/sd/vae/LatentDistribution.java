package jdiffusion.sd.vae;

import jdiffusion.tensor.Tensor;

/**
 * The encoder's diagonal Gaussian over raw (unscaled) latents: {@code mean} and {@code logvar} (clamped to
 * [-30, 20]), each {@code [B, latent, h, w]}. Its mode is the mean; a sample is {@code mean + exp(logvar/2)·noise}.
 */
public record LatentDistribution(Tensor mean, Tensor logvar) {}
