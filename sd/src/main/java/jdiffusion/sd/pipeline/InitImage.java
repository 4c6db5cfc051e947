package jdiffusion.sd.pipeline;

/**
 * The img2img / inpaint input at the target size, prepared as the WebUI's {@code StableDiffusionProcessingImg2Img.init}
 * does it:
 * <ul>
 *   <li>the image resized to width x height with the chosen resize mode (Lanczos, as Pillow);</li>
 *   <li>the mask: its alpha channel (thresholded at 128) when it has a varying one, else its luma; blurred by
 *       "mask blur"; resized like the image ({@link #mask()}, white = repaint);</li>
 *   <li>the overlay mask ({@code min(2 x mask, 255)}) that pastes the original back over the kept area at the end.</li>
 * </ul>
 */
public record InitImage(RgbImage image, byte[] mask, byte[] overlayMask) {

    /** Prepares {@code init} (and {@code mask}, may be null) for a run of {@code p}'s size, resize mode and mask blur. */
    public static InitImage prepare(RgbImage init, RgbImage mask, GenerationParams p) {
        int w = p.width(), h = p.height();
        RgbImage image = Resize.image(init, w, h, p.resizeMode());
        if (mask == null) return new InitImage(image, null, null);
        if (mask.width() != init.width() || mask.height() != init.height())
            throw new PipelineException("the mask is " + mask.width() + "x" + mask.height() + " but the init image is "
                    + init.width() + "x" + init.height() + ": they must have the same size");
        byte[] m = binaryOrLuma(mask);
        m = MaskBlur.blur(m, mask.width(), mask.height(), p.maskBlur());
        byte[] resized = Resize.mask(m, mask.width(), mask.height(), w, h, p.resizeMode());
        byte[] overlay = new byte[resized.length];
        for (int i = 0; i < resized.length; i++) overlay[i] = (byte) Math.min(255, 2 * (resized[i] & 0xff));
        return new InitImage(image, resized, overlay);
    }

    /** The WebUI's {@code create_binary_mask}: a varying alpha channel thresholded at 128, else the image's luma. */
    static byte[] binaryOrLuma(RgbImage mask) {
        if (mask.alpha() != null) {
            boolean opaque = true;
            for (byte a : mask.alpha()) if ((a & 0xff) != 255) { opaque = false; break; }
            if (!opaque) {
                byte[] m = new byte[mask.alpha().length];
                for (int i = 0; i < m.length; i++) m[i] = (byte) ((mask.alpha()[i] & 0xff) > 128 ? 255 : 0);
                return m;
            }
        }
        return mask.luma();
    }

    /**
     * The WebUI's {@code apply_overlay}: the original image where the overlay mask is black, the generated one where it is
     * white, mixed in between.
     */
    byte[] overlay(byte[] generated, int width, int height) {
        if (overlayMask == null || width != image.width() || height != image.height()) return generated;
        byte[] out = new byte[generated.length];
        byte[] orig = image.rgb();
        for (int p = 0; p < overlayMask.length; p++) {
            int m = overlayMask[p] & 0xff;
            for (int c = 0; c < 3; c++) {
                int i = 3 * p + c;
                out[i] = (byte) (((orig[i] & 0xff) * (255 - m) + (generated[i] & 0xff) * m + 127) / 255);
            }
        }
        return out;
    }
}
