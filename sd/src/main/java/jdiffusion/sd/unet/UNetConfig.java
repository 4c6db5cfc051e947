package jdiffusion.sd.unet;

import java.util.List;

/**
 * The shape of a Stable Diffusion 1.x/2.x/XL UNet in diffusers terms ({@code UNet2DConditionModel}), produced by
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
 * @param vectorDim         width of the extra conditioning vector {@code y} (sgm {@code adm_in_channels}, diffusers
 *                          {@code projection_class_embeddings_input_dim}): SDXL's pooled text + size embeddings, mapped
 *                          by {@code add_embedding} (sgm {@code label_emb.0}) and added to the timestep embedding;
 *                          {@code 0} when the UNet takes no vector (SD1/SD2)
 * @param timeIdDim         width of the sinusoidal embedding of each SDXL time id (size, crop, aesthetic score) that
 *                          makes up the vector (diffusers {@code addition_time_embed_dim}: 256); {@code 0} without a vector
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
        boolean upcastAttention,
        int vectorDim,
        int timeIdDim) {

    /** A UNet without the SDXL conditioning vector (SD1/SD2). */
    public UNetConfig(int inChannels, int outChannels, List<Integer> blockOutChannels, int layersPerBlock, List<Boolean> crossAttention,
                      List<Integer> attentionHeads, List<Integer> transformerDepth, int contextDim, boolean linearProjection, int normGroups,
                      float normEps, boolean flipSinToCos, int freqShift, boolean upcastAttention) {
        this(inChannels, outChannels, blockOutChannels, layersPerBlock, crossAttention, attentionHeads, transformerDepth, contextDim,
                linearProjection, normGroups, normEps, flipSinToCos, freqShift, upcastAttention, 0, 0);
    }

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
        if (vectorDim < 0 || timeIdDim < 0 || (vectorDim == 0) != (timeIdDim == 0))
            throw new IllegalArgumentException("UNet conditioning vector: width " + vectorDim + " and time-id embedding width " + timeIdDim
                    + " must both be positive (SDXL) or both 0");
    }

    /** Whether the UNet takes SDXL's conditioning vector {@code y} beside the text context. */
    public boolean hasVector() { return vectorDim > 0; }

    /** This configuration with SDXL's conditioning vector. */
    public UNetConfig withVector(int vectorDim, int timeIdDim) {
        return new UNetConfig(inChannels, outChannels, blockOutChannels, layersPerBlock, crossAttention, attentionHeads, transformerDepth,
                contextDim, linearProjection, normGroups, normEps, flipSinToCos, freqShift, upcastAttention, vectorDim, timeIdDim);
    }

    /** Heads per level for a fixed head width (sgm {@code num_head_channels}, SD2/SDXL: 64). */
    public static List<Integer> headsOfWidth(List<Integer> channels, int headWidth) {
        List<Integer> heads = new java.util.ArrayList<>();
        for (int c : channels) heads.add(Math.max(1, c / headWidth));
        return heads;
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

    /**
     * SDXL 1.0 base (sgm sd_xl_base.yaml): 3 levels, no attention at full resolution, 2 and 10 transformer blocks
     * (the mid block 10 too), 64-wide heads, context 2048 (CLIP-L + bigG), vector 2816 = 1280 pooled + 6 x 256.
     */
    public static UNetConfig sdxl(int inChannels) {
        List<Integer> channels = List.of(320, 640, 1280);
        return new UNetConfig(inChannels, 4, channels, 2, List.of(false, true, true), headsOfWidth(channels, 64), List.of(1, 2, 10),
                2048, true, 32, 1e-5f, true, 0, false, 2816, 256);
    }

    /**
     * SDXL 1.0 refiner (sgm sd_xl_refiner.yaml): 4 levels of 384 x (1, 2, 4, 4), attention at the middle two, 4
     * transformer blocks everywhere, 64-wide heads, context 1280 (bigG), vector 2560 = 1280 pooled + 5 x 256.
     */
    public static UNetConfig sdxlRefiner() {
        List<Integer> channels = List.of(384, 768, 1536, 1536);
        return new UNetConfig(4, 4, channels, 2, List.of(false, true, true, false), headsOfWidth(channels, 64), List.of(4, 4, 4, 4),
                1280, true, 32, 1e-5f, true, 0, false, 2560, 256);
    }
}
