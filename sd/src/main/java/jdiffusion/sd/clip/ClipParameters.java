package jdiffusion.sd.clip;

import jdiffusion.nn.ParameterShapes;
import jdiffusion.tensor.Tensor;

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
        ParameterShapes m = new ParameterShapes();
        int d = c.hiddenSize();
        m.put("text_model.embeddings.token_embedding.weight", c.vocabSize(), d);
        m.put("text_model.embeddings.position_embedding.weight", c.maxPositions(), d);
        for (int i = 0; i < c.layers(); i++) {
            String p = "text_model.encoder.layers." + i;
            m.norm(p + ".layer_norm1", d);
            for (String proj : new String[] {"q_proj", "k_proj", "v_proj", "out_proj"}) m.linear(p + ".self_attn." + proj, d, d);
            m.norm(p + ".layer_norm2", d);
            m.linear(p + ".mlp.fc1", d, c.intermediateSize());
            m.linear(p + ".mlp.fc2", c.intermediateSize(), d);
        }
        m.norm("text_model.final_layer_norm", d);
        if (c.hasProjection()) m.put("text_projection.weight", c.projectionDim(), d);
        return m.map();
    }

    /** Parameter count of the configuration. */
    public static long count(ClipTextConfig c) {
        long n = 0;
        for (int[] s : shapes(c).values()) n += Tensor.numel(s);
        return n;
    }
}
