package jdiffusion.sd.unet;

import jdiffusion.tensor.Backend;
import jdiffusion.tensor.Tensor;

/**
 * Looks at every cross-attention layer as it runs (the text-to-image attention, not self-attention), for tools that
 * draw what each prompt token attends to. Passed through the {@link AttentionContext}; a UNet without one pays
 * nothing. {@code q} and {@code k} are released after the call, so an observer copies what it keeps, e.g. the
 * probabilities {@link Backend#attentionProbabilities} computes from them.
 */
@FunctionalInterface
public interface AttentionObserver {
    /**
     * @param layer the layer's module path, e.g. {@code down_blocks.0.attentions.1.transformer_blocks.0.attn2}
     * @param q     queries {@code [B, h·w, heads·d]} (image positions in row-major order)
     * @param k     keys {@code [B, tokens, heads·d]}
     */
    void crossAttention(String layer, Backend backend, Tensor q, Tensor k, int heads);
}
