package jdiffusion.sd.unet;

import java.util.List;

/**
 * The shape of a Stable Diffusion 1.x/2.x UNet in diffusers terms ({@code UNet2DConditionModel}), produced by
 * the checkpoint loader from a diffusers {@code unet/config.json}, an ldm yaml, or the weights' shapes.
 * Weight names follow the diffusers module paths ({@code down_blocks.1.attentions.0.proj_in}).
 *
 * <p>Per level {@code i} (0 = full resolution): {@code blockOutChannels[i]} channels,
 * {@code layersPerBlock} ResNets going down ({@code +1} going up), a {@code Transformer2DModel} after each
 * ResNet when {@code crossAttention[i]}, with {@code attentionHeads[i]} heads and {@code transformerDepth[i]}
 * {@code BasicTransformerBlock}s. Every level but the last ends with a stride-2 conv going down; going up,
 * diffusers block {@code j} is level {@code levels-1-j} and every up block but the last ends with a nearest
 * 2x upsample + conv. The mid block is ResNet, transformer (heads and depth of the last level), ResNet.
 *
 * @param inChannels        latent channels in ({@code 4}; 9 for inpainting, 8 for instruct-pix2pix)
 * @param outChannels       channels predicted ({@code 4})
 * @param blockOutChannels  channels per level ({@code [320, 640, 1280, 1280]} in SD1/SD2)
 * @param layersPerBlock    ResNets per down block ({@code 2})
 * @param crossAttention    whether level i has transformers ({@code [true, true, true, false]} in SD1/SD2)
 * @param attentionHeads    heads per level (SD1: 8 everywhere; SD2: channels / 64)
 * @param transformerDepth  transformer blocks per Transformer2DModel per level ({@code 1})
 * @param contextDim        cross-attention key/value width ({@code 768} SD1, {@code 1024} SD2)
 * @param linearProjection  {@code proj_in}/{@code proj_out} are Linear (SD2) rather than 1x1 convs (SD1)
 * @param normGroups        GroupNorm groups ({@code 32})
 * @param normEps           GroupNorm epsilon of ResNets and the final norm ({@code 1e-5}); transformers' GroupNorm uses 1e-6
 * @param flipSinToCos      the sinusoidal timestep embedding is {@code cat(cos, sin)} ({@code true} for SD)
 * @param freqShift         the frequency shift of the timestep embedding ({@code 0} for SD)
 * @param upcastAttention   the model was trained with attention computed in F32 (SD2.1); informative when compute is F32
 */
public record UNetConfig(
        int inChannels,
        int outChannels,
        List<Integer> blockOutChannels,
        int layersPerBlock,
        List<Boolean> crossAttention,
        List<Integer> attentionHeads,
        List<Integer> transformerDepth,
        int contextDim,
        boolean linearProjection,
        int normGroups,
        float normEps,
        boolean flipSinToCos,
        int freqShift,
        boolean upcastAttention) {

    public UNetConfig {
        blockOutChannels = List.copyOf(blockOutChannels);
        crossAttention = List.copyOf(crossAttention);
        attentionHeads = List.copyOf(attentionHeads);
        transformerDepth = List.copyOf(transformerDepth);
        int n = blockOutChannels.size();
        if (n == 0) throw new IllegalArgumentException("UNet needs at least one level");
        if (crossAttention.size() != n || attentionHeads.size() != n || transformerDepth.size() != n)
            throw new IllegalArgumentException("UNet per-level lists differ in length: channels " + blockOutChannels
                    + ", attention " + crossAttention + ", heads " + attentionHeads + ", depth " + transformerDepth);
        for (int i = 0; i < n; i++) {
            int heads = attentionHeads.get(i);
            if (heads <= 0 || blockOutChannels.get(i) % heads != 0)
                throw new IllegalArgumentException("UNet level " + i + ": " + blockOutChannels.get(i) + " channels cannot split into " + heads + " heads");
        }
    }

    /** Number of resolution levels (down blocks). */
    public int levels() { return blockOutChannels.size(); }

    public int channels(int level) { return blockOutChannels.get(level); }

    public boolean hasAttention(int level) { return crossAttention.get(level); }

    public int heads(int level) { return attentionHeads.get(level); }

    public int headDim(int level) { return channels(level) / heads(level); }

    public int depth(int level) { return transformerDepth.get(level); }

    /** Width of the sinusoidal timestep projection ({@code blockOutChannels[0]}). */
    public int timeProjDim() { return channels(0); }

    /** Width of the timestep embedding MLP output ({@code 4 x blockOutChannels[0]}). */
    public int timeEmbedDim() { return 4 * channels(0); }

    /** The mid block's transformer: heads and depth of the deepest level. */
    public int midHeads() { return heads(levels() - 1); }

    public int midDepth() { return depth(levels() - 1); }

    /** Latent spatial size must be divisible by this for a clean round trip ({@code 2^(levels-1)}). */
    public int downsamplingFactor() { return 1 << (levels() - 1); }

    /** SD1.x (v1-inference.yaml, runwayml/stable-diffusion-v1-5). */
    public static UNetConfig sd1(int inChannels) {
        return new UNetConfig(inChannels, 4, List.of(320, 640, 1280, 1280), 2, List.of(true, true, true, false),
                List.of(8, 8, 8, 8), List.of(1, 1, 1, 1), 768, false, 32, 1e-5f, true, 0, false);
    }

    /** SD2.x (v2-inference.yaml): head dim 64, OpenCLIP context 1024, linear projections. */
    public static UNetConfig sd2(int inChannels) {
        return new UNetConfig(inChannels, 4, List.of(320, 640, 1280, 1280), 2, List.of(true, true, true, false),
                List.of(5, 10, 20, 20), List.of(1, 1, 1, 1), 1024, true, 32, 1e-5f, true, 0, false);
    }
}
