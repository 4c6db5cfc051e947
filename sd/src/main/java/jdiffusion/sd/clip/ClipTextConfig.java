package jdiffusion.sd.clip;

/**
 * The shape of a CLIP text transformer in Hugging Face {@code CLIPTextConfig} terms.
 *
 * @param hiddenSize        width ({@code 768} CLIP ViT-L/14 in SD1, {@code 1024} OpenCLIP ViT-H/14 in SD2)
 * @param layers            transformer layers present in the weights ({@code 12}; SD2 files hold 24, diffusers SD2 23)
 * @param heads             attention heads ({@code 12} / {@code 16})
 * @param intermediateSize  MLP width ({@code 3072} / {@code 4096})
 * @param activation        MLP activation ({@code quick_gelu} for OpenAI CLIP, {@code gelu} for OpenCLIP)
 * @param vocabSize         token embedding rows ({@code 49408})
 * @param maxPositions      position embedding rows ({@code 77})
 * @param layerNormEps      LayerNorm epsilon ({@code 1e-5})
 * @param padTokenId        padding id the tokenizer should use ({@code 49407} SD1, {@code 0} SD2)
 * @param eosTokenId        end-of-text id; the pooled output is taken at its first occurrence ({@code 49407})
 * @param skippedLayers     layers the family leaves out of its conditioning at "clip skip 1": 0 for SD1 and
 *                          diffusers SD2 folders (their text encoder is already cut to 23 layers), 1 for
 *                          SD2 single files (ldm's {@code layer: penultimate} over the full 24)
 * @param projectionDim     width of {@code text_projection} applied to the pooled output ({@code 1280} for SDXL's
 *                          OpenCLIP-bigG, Hugging Face {@code CLIPTextModelWithProjection}); 0 when the model has none
 *                          in use (SD1, SD2)
 */
public record ClipTextConfig(
        int hiddenSize,
        int layers,
        int heads,
        int intermediateSize,
        Activation activation,
        int vocabSize,
        int maxPositions,
        float layerNormEps,
        int padTokenId,
        int eosTokenId,
        int skippedLayers,
        int projectionDim) {

    /** MLP activations CLIP text models use. */
    public enum Activation {
        QUICK_GELU, GELU;

        /** From Hugging Face's {@code hidden_act} names. */
        public static Activation parse(String name) {
            return switch (name) {
                case "quick_gelu" -> QUICK_GELU;
                case "gelu" -> GELU;
                default -> throw new IllegalArgumentException("unsupported CLIP activation \"" + name + "\" (expected quick_gelu or gelu)");
            };
        }
    }

    public ClipTextConfig {
        if (heads <= 0 || hiddenSize % heads != 0)
            throw new IllegalArgumentException("CLIP width " + hiddenSize + " cannot split into " + heads + " heads");
        if (skippedLayers < 0 || skippedLayers >= layers)
            throw new IllegalArgumentException("CLIP skips " + skippedLayers + " of " + layers + " layers");
        if (projectionDim < 0) throw new IllegalArgumentException("CLIP projection width " + projectionDim + " is negative");
    }

    /** A text model without a projection in use (SD1, SD2). */
    public ClipTextConfig(int hiddenSize, int layers, int heads, int intermediateSize, Activation activation, int vocabSize,
                          int maxPositions, float layerNormEps, int padTokenId, int eosTokenId, int skippedLayers) {
        this(hiddenSize, layers, heads, intermediateSize, activation, vocabSize, maxPositions, layerNormEps, padTokenId, eosTokenId,
                skippedLayers, 0);
    }

    /** OpenAI CLIP ViT-L/14, the SD1.x text encoder. */
    public static ClipTextConfig sd1() {
        return new ClipTextConfig(768, 12, 12, 3072, Activation.QUICK_GELU, 49408, 77, 1e-5f, 49407, 49407, 0);
    }

    /** OpenCLIP ViT-H/14 as stored in SD2.x single files (24 layers, conditioning from the 23rd). */
    public static ClipTextConfig sd2() {
        return new ClipTextConfig(1024, 24, 16, 4096, Activation.GELU, 49408, 77, 1e-5f, 0, 49407, 1);
    }

    /**
     * Layers to leave out of the conditioning when ldm runs a text tower of {@code architectureLayers} layers up to
     * {@code skipFromEnd} before its end, but the file holds only {@code present} of them: diffusers' conversion back to
     * a single file drops the 24th OpenCLIP layer, which "penultimate" never ran, so 23 present layers all run.
     */
    public static int skippedOf(int present, int architectureLayers, int skipFromEnd) {
        return Math.max(0, Math.min(present - 1, present - (architectureLayers - skipFromEnd)));
    }

    /** OpenAI CLIP ViT-L/14 as SDXL base uses it: the SD1 encoder, its penultimate layer taken without the final norm. */
    public static ClipTextConfig sdxlClipL() { return sd1(); }

    /**
     * OpenCLIP ViT-bigG/14, SDXL's second encoder: 32 layers, exact GELU, pads with id 0, pooled output projected to
     * 1280 ({@code text_projection}).
     */
    public static ClipTextConfig sdxlBigG() {
        return new ClipTextConfig(1280, 32, 20, 5120, Activation.GELU, 49408, 77, 1e-5f, 0, 49407, 0, 1280);
    }

    public ClipTextConfig withLayers(int layers, int skippedLayers) {
        return new ClipTextConfig(hiddenSize, layers, heads, intermediateSize, activation, vocabSize, maxPositions,
                layerNormEps, padTokenId, eosTokenId, skippedLayers, projectionDim);
    }

    /** This configuration with a {@code text_projection} of width {@code projectionDim} on the pooled output. */
    public ClipTextConfig withProjection(int projectionDim) {
        return new ClipTextConfig(hiddenSize, layers, heads, intermediateSize, activation, vocabSize, maxPositions,
                layerNormEps, padTokenId, eosTokenId, skippedLayers, projectionDim);
    }

    public boolean hasProjection() { return projectionDim > 0; }
}
