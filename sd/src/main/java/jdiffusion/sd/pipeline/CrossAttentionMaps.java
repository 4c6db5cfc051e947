package jdiffusion.sd.pipeline;

import jdiffusion.sd.unet.AttentionObserver;
import jdiffusion.tensor.Backend;
import jdiffusion.tensor.Tensor;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntPredicate;
import java.util.function.Predicate;

/**
 * Per-token cross-attention maps of a run, by the DAAM method (Tang et al. 2022, "What the DAAM"): at every chosen
 * step and cross-attention layer, the probabilities {@code softmax(q kᵀ / sqrt(d))} of the first image's prompt
 * (batch row 0: the WebUI batches the prompt before the negative prompt) summed over heads give, per token, a map at
 * the layer's resolution; each is upsampled bilinearly to the latent size and summed over layers and steps.
 * <pre>
 *   layer map  [tokens, h, w]  = Σ_heads P[0, head, :, token]          (kept per layer: {@link #layerMaps})
 *   aggregate  [tokens, H, W]  = Σ_steps Σ_layers upsample(layer map)   ({@link #aggregate})
 * </pre>
 * A call whose keys are not the prompt's (a negative prompt of another length, run as its own batch) is skipped.
 */
public final class CrossAttentionMaps implements AttentionObserver {
    private final int latentHeight, latentWidth;
    private int tokens;
    private final Predicate<String> layers;
    private final IntPredicate steps;
    private final Map<String, float[]> layerMaps = new LinkedHashMap<>();
    private final Map<String, int[]> layerSizes = new LinkedHashMap<>();
    private float[] aggregate;
    private final List<String> skipped = new ArrayList<>();
    private int step = 1;
    private int calls;

    /**
     * @param tokens the prompt's key count (77 per chunk), or 0 to take it from the first call (the prompt's: the WebUI
     *               runs it before the negative prompt)
     * @param layers which layers count, by module path ({@code down_blocks.0.attentions.0.transformer_blocks.0.attn2})
     * @param steps  which sampler steps count (1-based)
     */
    public CrossAttentionMaps(int latentHeight, int latentWidth, int tokens, Predicate<String> layers, IntPredicate steps) {
        this.latentHeight = latentHeight;
        this.latentWidth = latentWidth;
        this.tokens = tokens;
        this.layers = layers;
        this.steps = steps;
        this.aggregate = tokens > 0 ? new float[tokens * latentHeight * latentWidth] : null;
    }

    /** The sampler step (1-based) the next model calls belong to. */
    public void step(int step) { this.step = step; }

    @Override
    public void crossAttention(String layer, Backend backend, Tensor q, Tensor k, int heads) {
        if (tokens <= 0) {
            tokens = k.size(1);
            aggregate = new float[tokens * latentHeight * latentWidth];
        }
        if (k.size(1) != tokens || !layers.test(layer) || !steps.test(step)) return;
        int lq = q.size(1);
        int[] hw = layerSize(lq);
        if (hw == null) {
            if (!skipped.contains(layer)) skipped.add(layer);
            return;
        }
        Tensor p = backend.attentionProbabilities(q.narrow(0, 0, 1), k.narrow(0, 0, 1), heads);
        float[] probs = backend.toFloatArray(p); // [1, heads, lq, tokens]
        backend.release(p);
        float[] map = layerMaps.computeIfAbsent(layer, l -> new float[tokens * lq]);
        layerSizes.putIfAbsent(layer, hw);
        float[] one = new float[tokens * lq];
        for (int h = 0; h < heads; h++)
            for (int i = 0; i < lq; i++) {
                int row = (h * lq + i) * tokens;
                for (int t = 0; t < tokens; t++) one[t * lq + i] += probs[row + t];
            }
        for (int i = 0; i < one.length; i++) map[i] += one[i];
        addUpsampled(one, hw[0], hw[1]);
        calls++;
    }

    /** The layer's grid for {@code lq} positions: the latent halved (rounding up, as stride-2 convolutions do) k times. */
    private int[] layerSize(int lq) {
        for (int f = 0, h = latentHeight, w = latentWidth; f < 8; f++, h = (h + 1) / 2, w = (w + 1) / 2)
            if (h * w == lq) return new int[]{h, w};
        return null;
    }

    /** Each token's map resized onto the latent grid and added in. */
    private void addUpsampled(float[] maps, int h, int w) {
        int plane = latentHeight * latentWidth;
        for (int t = 0; t < tokens; t++) {
            float[] up = bilinear(maps, t * h * w, h, w, latentHeight, latentWidth);
            for (int i = 0; i < plane; i++) aggregate[t * plane + i] += up[i];
        }
    }

    /** Bilinear resize (align_corners=False, as torch's interpolate) of the {@code [h, w]} map at {@code offset} to {@code [outH, outW]}. */
    public static float[] bilinear(float[] src, int offset, int h, int w, int outH, int outW) {
        float[] out = new float[outH * outW];
        for (int y = 0; y < outH; y++) {
            double sy = Math.max(0, (y + 0.5) * h / outH - 0.5);
            int y0 = Math.min((int) sy, h - 1), y1 = Math.min(y0 + 1, h - 1);
            double fy = sy - y0;
            for (int x = 0; x < outW; x++) {
                double sx = Math.max(0, (x + 0.5) * w / outW - 0.5);
                int x0 = Math.min((int) sx, w - 1), x1 = Math.min(x0 + 1, w - 1);
                double fx = sx - x0;
                out[y * outW + x] = (float) ((1 - fy) * ((1 - fx) * src[offset + y0 * w + x0] + fx * src[offset + y0 * w + x1])
                        + fy * ((1 - fx) * src[offset + y1 * w + x0] + fx * src[offset + y1 * w + x1]));
            }
        }
        return out;
    }

    /** Per chosen layer, its head-summed probabilities {@code [tokens, h, w]} summed over the chosen steps' calls. */
    public Map<String, float[]> layerMaps() { return Collections.unmodifiableMap(layerMaps); }

    /** A layer's {@code {h, w}}. */
    public int[] layerSize(String layer) { return layerSizes.get(layer).clone(); }

    /** {@code [tokens, latentHeight, latentWidth]}: every layer map upsampled and summed. */
    public float[] aggregate() { return aggregate == null ? new float[0] : aggregate.clone(); }

    public int latentHeight() { return latentHeight; }

    public int latentWidth() { return latentWidth; }

    public int tokens() { return tokens; }

    /** How many layer calls were summed. */
    public int calls() { return calls; }

    /** Layers whose size matched no halving of the latent (so not summed). */
    public List<String> skippedLayers() { return List.copyOf(skipped); }
}
