package jdiffusion.sd.pipeline;

/**
 * The micro-conditioning values SDXL's vector carries beside the pooled text embedding (sgm's
 * {@code original_size_as_tuple}, {@code crop_coords_top_left}, {@code target_size_as_tuple}, {@code aesthetic_score};
 * diffusers' {@code add_time_ids}). Sizes are in pixels, (height, width) order as sgm and diffusers use them. The base
 * uses original size, crop and target size; the refiner original size, crop and aesthetic score.
 */
public record SdxlSizeConditioning(float originalHeight, float originalWidth, float cropTop, float cropLeft,
                                   float targetHeight, float targetWidth, float aestheticScore) {
    /** The WebUI's default {@code sdxl_refiner_high_aesthetic_score}, used for prompts. */
    public static final float WEBUI_POSITIVE_AESTHETIC = 6.0f;
    /** The WebUI's default {@code sdxl_refiner_low_aesthetic_score}, used for negative prompts. */
    public static final float WEBUI_NEGATIVE_AESTHETIC = 2.5f;

    /**
     * The WebUI 1.10's values ({@code sd_models_xl.get_learned_conditioning}): original and target size are the image's
     * {@code (height, width)}, the crop is the {@code sdxl_crop_top/left} settings (0, 0 by default), the aesthetic
     * score 6.0 for prompts and 2.5 for negative prompts.
     */
    public static SdxlSizeConditioning webUi(int width, int height, int cropTop, int cropLeft, boolean negative) {
        return new SdxlSizeConditioning(height, width, cropTop, cropLeft, height, width,
                negative ? WEBUI_NEGATIVE_AESTHETIC : WEBUI_POSITIVE_AESTHETIC);
    }

    /** The values the vector embeds after the pooled text: 6 for the base, 5 (aesthetic score last) for the refiner. */
    float[] values(boolean aestheticScore) {
        return aestheticScore ? new float[] {originalHeight, originalWidth, cropTop, cropLeft, aestheticScore()}
                : new float[] {originalHeight, originalWidth, cropTop, cropLeft, targetHeight, targetWidth};
    }
}
