package jdiffusion.sd.vae;

import java.util.List;

/**
 * The shape of an {@code AutoencoderKL} in diffusers terms. The encoder has {@code layersPerBlock} ResNets
 * per level, the decoder {@code layersPerBlock + 1}; every level but the last halves (encoder) or doubles
 * (decoder) the resolution, so the latent is {@link #downsamplingFactor()} times smaller than the image
 * (8 for SD's four levels; the tiny test model has two levels and a factor of 2).
 *
 * @param inChannels       image channels ({@code 3})
 * @param outChannels      decoded image channels ({@code 3})
 * @param blockOutChannels channels per level ({@code [128, 256, 512, 512]} in SD)
 * @param layersPerBlock   encoder ResNets per level ({@code 2} in SD)
 * @param latentChannels   latent channels ({@code 4})
 * @param normGroups       GroupNorm groups ({@code 32})
 * @param normEps          GroupNorm epsilon ({@code 1e-6})
 * @param scalingFactor    pipeline latents = raw latents x this ({@code 0.18215} in SD1/SD2)
 */
public record VaeConfig(
        int inChannels,
        int outChannels,
        List<Integer> blockOutChannels,
        int layersPerBlock,
        int latentChannels,
        int normGroups,
        float normEps,
        float scalingFactor) {

    public VaeConfig {
        blockOutChannels = List.copyOf(blockOutChannels);
        if (blockOutChannels.isEmpty()) throw new IllegalArgumentException("VAE needs at least one level");
        for (int c : blockOutChannels)
            if (c % normGroups != 0) throw new IllegalArgumentException("VAE channels " + c + " not divisible into " + normGroups + " groups");
    }

    public int levels() { return blockOutChannels.size(); }

    public int channels(int level) { return blockOutChannels.get(level); }

    /** Image pixels per latent pixel along each axis: {@code 2^(levels-1)}. */
    public int downsamplingFactor() { return 1 << (levels() - 1); }

    /** The SD1.x/SD2.x VAE ({@code kl-f8}). */
    public static VaeConfig sd() {
        return new VaeConfig(3, 3, List.of(128, 256, 512, 512), 2, 4, 32, 1e-6f, 0.18215f);
    }

    /** The SDXL VAE: the SD architecture, latents scaled by 0.13025 (sgm {@code scale_factor}, diffusers {@code scaling_factor}). */
    public static VaeConfig sdxl() { return sd().withScalingFactor(0.13025f); }

    public VaeConfig withScalingFactor(float factor) {
        return new VaeConfig(inChannels, outChannels, blockOutChannels, layersPerBlock, latentChannels, normGroups, normEps, factor);
    }
}
