package jdiffusion.sd.upscale;

import jdiffusion.sd.pipeline.RgbImage;
import jdiffusion.tensor.Backend;

/**
 * The WebUI's ESRGAN / RealESRGAN upscalers: each {@link #step} is one tiled pass of the model
 * ({@code upscale_with_model} with the {@code ESRGAN_tile} / {@code ESRGAN_tile_overlap} settings).
 */
public record ModelUpscaler(String name, Backend backend, UpscaleModel model, int tile, int overlap) implements Upscaler {
    @Override
    public RgbImage step(RgbImage image, double scale) { return TiledUpscale.upscale(backend, model, image, tile, overlap); }
}
