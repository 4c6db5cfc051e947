package jdiffusion.sd.upscale;

import jdiffusion.sd.pipeline.RgbImage;
import jdiffusion.tensor.Backend;
import jdiffusion.tensor.Tensor;

/**
 * The WebUI's {@code upscaler_utils.upscale_with_model}: the image cut into {@code tile}-pixel tiles overlapping by
 * {@code overlap} ({@link ImageGrid}), each run through the model on its own, and the results blended back.
 * A tile size of 0 or less runs the whole image at once.
 */
public final class TiledUpscale {
    /** The WebUI's {@code ESRGAN_tile} / {@code ESRGAN_tile_overlap} defaults. */
    public static final int DEFAULT_TILE = 192, DEFAULT_OVERLAP = 8;

    private TiledUpscale() {}

    public static RgbImage upscale(Backend backend, UpscaleModel model, RgbImage image, int tile, int overlap) {
        if (tile <= 0) return patch(backend, model, image);
        if (overlap < 0 || overlap >= tile)
            throw new UpscalerException("upscaler tile overlap " + overlap + " must be at least 0 and smaller than the tile size " + tile);
        return ImageGrid.split(image, tile, overlap).map(t -> patch(backend, model, t)).combine();
    }

    /**
     * {@code upscale_pil_patch}: RGB bytes to a BGR tensor of {@code v / 255} (computed in double, stored as float),
     * the model, then {@code round(255·v)} half to even in float and back to RGB.
     */
    static RgbImage patch(Backend backend, UpscaleModel model, RgbImage image) {
        int w = image.width(), h = image.height(), n = w * h;
        byte[] rgb = image.rgb();
        float[] bgr = new float[3 * n];
        for (int i = 0; i < n; i++)
            for (int c = 0; c < 3; c++) bgr[(2 - c) * n + i] = (float) ((rgb[3 * i + c] & 0xff) / 255.0);
        Tensor out = model.upscale(backend, backend.fromFloats(bgr, 1, 3, h, w));
        int ow = out.size(3), oh = out.size(2), on = ow * oh;
        float[] v = backend.toFloatArray(out);
        backend.release(out);
        byte[] px = new byte[3 * on];
        for (int i = 0; i < on; i++)
            for (int c = 0; c < 3; c++) {
                float f = Math.min(Math.max(v[(2 - c) * on + i], 0f), 1f);
                px[3 * i + c] = (byte) (int) Math.rint(255.0f * f);
            }
        return new RgbImage(px, ow, oh);
    }
}
