package jdiffusion.sd.clip;

import jdiffusion.tensor.Tensor;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Every weight a {@link ClipTextConfig} implies, with its shape, under the Hugging Face {@code CLIPTextModel} names
 * {@link ClipTextEncoder} reads ({@code text_model.}...), in module order. Used to make random weights for benchmarks;
 * like {@code UNetParameters} it is what a checkpoint of that configuration must hold.
 */
public final class ClipParameters {
    private ClipParameters() {}

    /** Name to shape ({@code [out, in]} for Linears). */
    public static Map<String, int[]> shapes(ClipTextConfig c) {
        Map<String, int[]> m = new LinkedHashMap<>();
        int d = c.hiddenSize();
        m.put("text_model.embeddings.token_embedding.weight", new int[] {c.vocabSize(), d});
        m.put("text_model.embeddings.position_embedding.weight", new int[] {c.maxPositions(), d});
        for (int i = 0; i < c.layers(); i++) {
            String p = "text_model.encoder.layers." + i;
            norm(m, p + ".layer_norm1", d);
            for (String proj : new String[] {"q_proj", "k_proj", "v_proj", "out_proj"}) linear(m, p + ".self_attn." + proj, d, d);
            norm(m, p + ".layer_norm2", d);
            linear(m, p + ".mlp.fc1", d, c.intermediateSize());
            linear(m, p + ".mlp.fc2", c.intermediateSize(), d);
        }
        norm(m, "text_model.final_layer_norm", d);
        return m;
    }

    /** Parameter count of the configuration. */
    public static long count(ClipTextConfig c) {
        long n = 0;
        for (int[] s : shapes(c).values()) n += Tensor.numel(s);
        return n;
    }

    private static void linear(Map<String, int[]> m, String p, int in, int out) {
        m.put(p + ".weight", new int[] {out, in});
        m.put(p + ".bias", new int[] {out});
    }

    private static void norm(Map<String, int[]> m, String p, int ch) {
        m.put(p + ".weight", new int[] {ch});
        m.put(p + ".bias", new int[] {ch});
    }
}
