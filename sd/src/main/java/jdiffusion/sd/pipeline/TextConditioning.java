package jdiffusion.sd.pipeline;

/**
 * One prompt's conditioning: the cross-attention context {@code [tokens, dim]} floats ({@code tokens = 77 x chunks}
 * for CLIP: the WebUI concatenates its 75-token windows) and, for SDXL, the UNet's vector {@code y} (pooled text and
 * size embeddings; null for SD1/SD2).
 */
public record TextConditioning(float[] values, int tokens, int dim, float[] vector) {
    public TextConditioning {
        if (values.length != tokens * dim)
            throw new IllegalArgumentException("conditioning holds " + values.length + " values, not " + tokens + "x" + dim);
    }

    /** A context without a vector (SD1/SD2). */
    public TextConditioning(float[] values, int tokens, int dim) { this(values, tokens, dim, null); }

    /** SDXL's {@code {crossattn, vector}} as one conditioning. */
    public static TextConditioning of(SdxlConditioning c) {
        TextConditioning x = c.crossattn();
        return new TextConditioning(x.values(), x.tokens(), x.dim(), c.vector());
    }
}
