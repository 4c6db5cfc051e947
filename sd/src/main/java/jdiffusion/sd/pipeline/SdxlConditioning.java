package jdiffusion.sd.pipeline;

/**
 * One prompt's SDXL conditioning, sgm's {@code {crossattn, vector}}.
 *
 * @param crossattn the UNet's cross-attention context {@code [77 × windows, 2048]} (CLIP-L's 768 then bigG's 1280
 *                  channels; the refiner: bigG's 1280 only)
 * @param vector    the UNet's {@code y} input for {@code label_emb} ({@code adm_in_channels}: 2816 base, 2560 refiner):
 *                  bigG's pooled output then the sinusoidal size/crop/target (or aesthetic) embeddings
 */
public record SdxlConditioning(TextConditioning crossattn, float[] vector) {}
