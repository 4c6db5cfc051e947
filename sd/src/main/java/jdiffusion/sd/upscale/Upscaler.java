package jdiffusion.sd.upscale;

import jdiffusion.sd.pipeline.PilResample;
import jdiffusion.sd.pipeline.RgbImage;

/**
 * One of the WebUI's upscalers ({@code modules/upscaler.py}): a named way to make an image larger.
 * {@link #upscale} is {@code Upscaler.upscale}: the target is {@code scale} times the size rounded down to a
 * multiple of 8; {@link #step} is applied up to three times until the image reaches it (a 4× model asked for
 * 6× runs twice), then a Lanczos resize gives the exact target size.
 */
public interface Upscaler {
    /** The name the WebUI lists it under ("Lanczos", "R-ESRGAN 4x+", a model's file name without extension). */
    String name();

    /** One application ({@code do_upscale}); {@code scale} is the factor asked of {@link #upscale}. */
    RgbImage step(RgbImage image, double scale);

    default RgbImage upscale(RgbImage image, double scale) {
        int destW = (int) (Math.floor(image.width() * scale / 8) * 8), destH = (int) (Math.floor(image.height() * scale / 8) * 8);
        for (int i = 0; i < 3; i++) {
            if (image.width() >= destW && image.height() >= destH && (i > 0 || scale != 1)) break;
            int w = image.width(), h = image.height();
            image = step(image, scale);
            if (image.width() == w && image.height() == h) break;
        }
        if (image.width() != destW || image.height() != destH) image = lanczos(image, destW, destH);
        return image;
    }

    /** Pillow's {@code resize((w, h), LANCZOS)}. */
    static RgbImage lanczos(RgbImage image, int w, int h) {
        if (w < 1 || h < 1) throw new UpscalerException("cannot resize a " + image.width() + "x" + image.height() + " image to " + w + "x" + h);
        return new RgbImage(PilResample.resize(image.rgb(), image.width(), image.height(), 3, w, h, PilResample.Filter.LANCZOS), w, h);
    }

    /**
     * {@code images.resize_image(0, image, width, height, upscaler)} (what hires fix and img2img call): with no
     * upscaler ("None") one Lanczos resize; else the upscaler's {@link #upscale} when it must grow, then Lanczos to
     * the exact size when it is not there yet.
     */
    static RgbImage resizeImage(RgbImage image, int width, int height, Upscaler upscaler) {
        if (upscaler == null || upscaler instanceof PillowUpscaler p && p.kind() == PillowUpscaler.Kind.NONE)
            return lanczos(image, width, height);
        double scale = Math.max((double) width / image.width(), (double) height / image.height());
        if (scale > 1.0) image = upscaler.upscale(image, scale);
        if (image.width() != width || image.height() != height) image = lanczos(image, width, height);
        return image;
    }
}
