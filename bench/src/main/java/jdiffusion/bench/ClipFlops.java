package jdiffusion.bench;

import jdiffusion.sd.clip.ClipTextConfig;

/**
 * Floating-point operations of one CLIP text encoder call through all its layers (2 per multiply-add: the Linears
 * and the two attention products; norms, activations and the embedding lookup ignored). Attention is counted over
 * the full {@code L x L} scores although causal masking makes half of them irrelevant, as the UNet count does.
 * SD1.5 (ViT-L/14) at batch 2 x 77 tokens gives about 26.6 GFLOP.
 */
public final class ClipFlops {
    private ClipFlops() {}

    public static double perCall(ClipTextConfig c, int batch, int tokens) {
        double rows = (double) batch * tokens, d = c.hiddenSize();
        double projections = 2 * rows * d * d * 4;
        double mlp = 2 * rows * d * c.intermediateSize() * 2;
        double attention = 2.0 * 2 * batch * tokens * tokens * d;
        return c.layers() * (projections + mlp + attention);
    }
}
