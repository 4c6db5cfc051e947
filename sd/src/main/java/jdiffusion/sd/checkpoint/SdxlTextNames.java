package jdiffusion.sd.checkpoint;

import jdiffusion.tensor.ckpt.TensorFile;

/**
 * Where SDXL's text encoders live in an sgm single file, and the renaming of each to Hugging Face names
 * ({@code CLIPTextModel} / {@code CLIPTextModelWithProjection}, which {@code ClipTextEncoder} reads).
 *
 * <pre>
 * base     conditioner.embedders.0.transformer.text_model.*   CLIP-L, already Hugging Face names ({@link LdmNames#clip})
 *          conditioner.embedders.1.model.*                    OpenCLIP-bigG ({@link LdmNames#openClip}: fused in_proj split
 *                                                             into q/k/v rows, text_projection [W, P] read transposed)
 * refiner  conditioner.embedders.0.model.*                    OpenCLIP-bigG only
 * diffusers text_encoder/ (CLIP-L), text_encoder_2/ (bigG with text_projection.weight [P, W]): names as they are
 * </pre>
 */
final class SdxlTextNames {
    private SdxlTextNames() {}

    static final String CONDITIONER_PREFIX = "conditioner.";
    static final String BASE_CLIP_L_PREFIX = "conditioner.embedders.0.transformer.";
    static final String BASE_BIG_G_PREFIX = "conditioner.embedders.1.model.";
    static final String REFINER_BIG_G_PREFIX = "conditioner.embedders.0.model.";

    /** The bigG tower's prefix in {@code f}: the base's second embedder, or the refiner's only one; null when neither. */
    static String bigGPrefix(TensorFile f) {
        if (f.contains(BASE_BIG_G_PREFIX + "ln_final.weight")) return BASE_BIG_G_PREFIX;
        if (f.contains(REFINER_BIG_G_PREFIX + "ln_final.weight")) return REFINER_BIG_G_PREFIX;
        return null;
    }

    /** CLIP-L under {@code conditioner.embedders.0.transformer.} (the sgm base): the SD1 table. */
    static KeyMap clipL() { return LdmNames.clip(); }

    /** OpenCLIP-bigG with {@code layers} resblocks: the SD2 OpenCLIP table, whose {@code text_projection} SDXL uses. */
    static KeyMap bigG(int layers) { return LdmNames.openClip(layers); }

    /** diffusers {@code text_encoder/} and {@code text_encoder_2/}: Hugging Face names as they are. */
    static KeyMap diffusers() { return LdmNames.diffusersClip(); }
}
