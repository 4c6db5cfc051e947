package jdiffusion.sd.pipeline;

/**
 * One prompt's cross-attention context: {@code [tokens, dim]} floats, {@code tokens = 77 x chunks} for CLIP
 * (the WebUI concatenates its 75-token windows).
 */
public record TextConditioning(float[] values, int tokens, int dim) {
    public TextConditioning {
        if (values.length != tokens * dim)
            throw new IllegalArgumentException("conditioning holds " + values.length + " values, not " + tokens + "x" + dim);
    }
}
