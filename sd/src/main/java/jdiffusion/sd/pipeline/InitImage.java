package jdiffusion.sd.pipeline;

/**
 * The img2img / inpaint input at the target size, prepared as the WebUI's {@code StableDiffusionProcessingImg2Img.init}
 * does it:
 * <ul>
 *   <li>the image resized to width x height with the chosen resize mode (Lanczos, as Pillow);</li>
 *   <li>the mask: its alpha channel (thresholded at 128) when it has a varying one, else its luma; blurred by
 *       "mask blur"; resized like the image ({@link #mask()}, white = repaint);</li>
 *   <li>the overlay that pastes the original back over the kept area at the end: {@code min(2 x mask, 255)} at the
 *       target size for "whole picture"; for "only masked" the blurred mask at the original size, with the generated
 *       crop scaled back into place ({@link #pasteTo()}).</li>
 * </ul>
 *
 * @param image       what the run starts from, at the target size
 * @param mask        the processing mask at the target size, or null for plain img2img
 * @param original    the init image as given (the canvas of an "only masked" result), or null
 * @param overlayMask mask of the final paste-back, at the output size, or null
 * @param pasteTo     "only masked": {@code x, y, w, h} of the crop in the original image; null otherwise
 */
public record InitImage(RgbImage image, byte[] mask, RgbImage original, byte[] overlayMask, int[] pasteTo) {

    /** Prepares {@code init} (and {@code mask}, may be null) for a run of {@code p}'s size, resize mode, mask blur and inpaint area. */
    public static InitImage prepare(RgbImage init, RgbImage mask, GenerationParams p) {
        int w = p.width(), h = p.height();
        if (mask == null) return new InitImage(Resize.image(init, w, h, p.resizeMode()), null, null, null, null);
        // a mask of another size than the image is fine, as in the WebUI: it is blurred at its own size and resized
        // (Pillow's Lanczos, the resize_image path for an "L" image) to where it is used
        byte[] m = MaskBlur.blur(binaryOrLuma(mask), mask.width(), mask.height(), p.maskBlur());
        if (p.inpaintFullRes()) {
            int[] box = cropRegion(m, mask.width(), mask.height(), p.inpaintPadding());
            if (box != null) {
                box = expandCropRegion(box, w, h, mask.width(), mask.height());
                int cw = box[2] - box[0], ch = box[3] - box[1];
                byte[] cropMask = crop(m, mask.width(), mask.height(), 1, box);
                // the WebUI crops the image with the box found in the mask; outside the image Pillow's crop is black
                byte[] cropImage = crop(init.rgb(), init.width(), init.height(), 3, box);
                byte[] processingMask = Resize.mask(cropMask, cw, ch, w, h, ResizeMode.RESIZE_AND_FILL);
                RgbImage image = new RgbImage(Resize.resize(cropImage, cw, ch, 3, w, h, ResizeMode.RESIZE_AND_FILL), w, h);
                // its mask_for_overlay is resized to the image (with the run's resize mode) when their sizes differ
                byte[] overlay = mask.width() == init.width() && mask.height() == init.height() ? m
                        : Resize.mask(m, mask.width(), mask.height(), init.width(), init.height(), p.resizeMode());
                return new InitImage(filled(image, processingMask, p), processingMask, init, overlay, new int[] {box[0], box[1], cw, ch});
            }
            // a blank mask: the WebUI falls back to plain img2img
            return new InitImage(Resize.image(init, w, h, p.resizeMode()), null, null, null, null);
        }
        RgbImage image = Resize.image(init, w, h, p.resizeMode());
        byte[] resized = Resize.mask(m, mask.width(), mask.height(), w, h, p.resizeMode());
        byte[] overlay = new byte[resized.length];
        for (int i = 0; i < resized.length; i++) overlay[i] = (byte) Math.min(255, 2 * (resized[i] & 0xff));
        return new InitImage(filled(image, resized, p), resized, image, overlay, null);
    }

    /** Any masked content but "original" starts from the image with the masked area filled from around it (WebUI {@code masking.fill}). */
    private static RgbImage filled(RgbImage image, byte[] mask, GenerationParams p) {
        if (p.maskedContent() == MaskedContent.ORIGINAL) return image;
        return new RgbImage(MaskedFill.fill(image.rgb(), mask, image.width(), image.height()), image.width(), image.height());
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

    /** The WebUI's {@code get_crop_region_v2}: the bounding box of non-zero mask pixels grown by {@code pad}, or null. */
    static int[] cropRegion(byte[] mask, int w, int h, int pad) {
        int x1 = w, y1 = h, x2 = 0, y2 = 0;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                if (mask[y * w + x] != 0) {
                    x1 = Math.min(x1, x);
                    y1 = Math.min(y1, y);
                    x2 = Math.max(x2, x + 1);
                    y2 = Math.max(y2, y + 1);
                }
        if (x2 == 0) return null;
        if (pad == 0) return new int[] {x1, y1, x2, y2};
        return new int[] {Math.max(x1 - pad, 0), Math.max(y1 - pad, 0), Math.min(x2 + pad, w), Math.min(y2 + pad, h)};
    }

    /** The WebUI's {@code expand_crop_region}: grow the box to the processing aspect ratio, shifted to stay inside the image. */
    static int[] expandCropRegion(int[] box, int processingW, int processingH, int imageW, int imageH) {
        int x1 = box[0], y1 = box[1], x2 = box[2], y2 = box[3];
        double ratioCrop = (double) (x2 - x1) / (y2 - y1), ratioProcessing = (double) processingW / processingH;
        if (ratioCrop > ratioProcessing) {
            int diff = (int) ((x2 - x1) / ratioProcessing - (y2 - y1));
            y1 -= Math.floorDiv(diff, 2);
            y2 += diff - Math.floorDiv(diff, 2);
            if (y2 >= imageH) { int d = y2 - imageH; y2 -= d; y1 -= d; }
            if (y1 < 0) { y2 -= y1; y1 = 0; }
            if (y2 >= imageH) y2 = imageH;
        } else {
            int diff = (int) ((y2 - y1) * ratioProcessing - (x2 - x1));
            x1 -= Math.floorDiv(diff, 2);
            x2 += diff - Math.floorDiv(diff, 2);
            if (x2 >= imageW) { int d = x2 - imageW; x2 -= d; x1 -= d; }
            if (x1 < 0) { x2 -= x1; x1 = 0; }
            if (x2 >= imageW) x2 = imageW;
        }
        return new int[] {x1, y1, x2, y2};
    }

    /** Pillow's {@code crop}: the box may reach outside the {@code w x h} image, which reads as zeros there. */
    private static byte[] crop(byte[] px, int w, int h, int ch, int[] box) {
        int cw = box[2] - box[0], chh = box[3] - box[1];
        byte[] out = new byte[cw * chh * ch];
        int x0 = Math.max(0, box[0]), x1 = Math.min(w, box[2]);
        if (x1 <= x0) return out;
        for (int y = 0; y < chh; y++) {
            int sy = box[1] + y;
            if (sy < 0 || sy >= h) continue;
            System.arraycopy(px, (sy * w + x0) * ch, out, (y * cw + x0 - box[0]) * ch, (x1 - x0) * ch);
        }
        return out;
    }

    /**
     * The WebUI's {@code apply_overlay}: for "only masked" the generated image is first scaled back into its crop of the
     * original ("crop and resize"); then the original shows where the overlay mask is black, the generated image where it
     * is white, mixed in between.
     */
    RgbImage finish(RgbImage generated) {
        if (overlayMask == null) return generated;
        byte[] canvas;
        int w, h;
        if (pasteTo != null) {
            w = original.width();
            h = original.height();
            canvas = new byte[w * h * 3];
            byte[] scaled = Resize.resize(generated.rgb(), generated.width(), generated.height(), 3, pasteTo[2], pasteTo[3], ResizeMode.CROP_AND_RESIZE);
            for (int y = 0; y < pasteTo[3]; y++)
                System.arraycopy(scaled, y * pasteTo[2] * 3, canvas, ((pasteTo[1] + y) * w + pasteTo[0]) * 3, pasteTo[2] * 3);
        } else {
            if (generated.width() != original.width() || generated.height() != original.height()) return generated;
            w = generated.width();
            h = generated.height();
            canvas = generated.rgb();
        }
        byte[] out = new byte[w * h * 3];
        byte[] orig = original.rgb();
        for (int p = 0; p < w * h; p++) {
            int m = overlayMask[p] & 0xff;
            for (int c = 0; c < 3; c++) {
                int i = 3 * p + c;
                out[i] = (byte) (((orig[i] & 0xff) * (255 - m) + (canvas[i] & 0xff) * m + 127) / 255);
            }
        }
        return new RgbImage(out, w, h);
    }
}
