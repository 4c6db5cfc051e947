package jdiffusion.sd.upscale;

import jdiffusion.sd.pipeline.RgbImage;

import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The WebUI's Extras "Upscale" ({@code scripts/postprocessing_upscale.py}): scale by a factor, or to a size (the
 * factor that covers it, then optionally cropped to it around the centre), with a first upscaler and an optional
 * second one blended over it ({@code Image.blend} with the second's visibility). Sizes come out of
 * {@link Upscaler#upscale}, so a multiple of 8.
 *
 * @param scale  the factor when {@code width}/{@code height} are 0
 * @param crop   with a target size: cut the result to it ("Crop to fit")
 */
public record ExtrasUpscale(Upscaler first, Upscaler second, double secondVisibility, double scale, int width, int height, boolean crop) {
    public ExtrasUpscale {
        if (!(secondVisibility >= 0 && secondVisibility <= 1)) throw new UpscalerException("--upscaler-2-visibility must lie in 0..1, got " + secondVisibility);
        if (width == 0 && height == 0 && !(scale > 0)) throw new UpscalerException("upscale factor must be positive, got " + scale);
        if ((width > 0) != (height > 0)) throw new UpscalerException("give both --width and --height (or --scale)");
    }

    /** The result and what the WebUI records about it ("Postprocess upscale by", "Postprocess upscaler", ...). */
    public record Result(RgbImage image, Map<String, String> info) {}

    public Result apply(RgbImage image) {
        Map<String, String> info = new LinkedHashMap<>();
        RgbImage up = upscale(first, image, info);
        info.put("Postprocess upscaler", first.name());
        if (second != null && secondVisibility > 0) {
            RgbImage other = upscale(second, image, info);
            up = blend(up, other, (float) secondVisibility);
            info.put("Postprocess upscaler 2", second.name());
        }
        return new Result(up, info);
    }

    private RgbImage upscale(Upscaler upscaler, RgbImage image, Map<String, String> info) {
        double by = scale;
        if (width > 0) {
            by = Math.max((double) width / image.width(), (double) height / image.height());
            info.put("Postprocess upscale to", width + "x" + height);
        } else info.put("Postprocess upscale by", number(scale));
        RgbImage out = upscaler.upscale(image, by);
        if (width > 0 && crop) {
            out = ImageGrid.crop(out, out.width() / 2 - width / 2, out.height() / 2 - height / 2, width, height);
            info.put("Postprocess crop to", width + "x" + height);
        }
        return out;
    }

    /** Pillow's {@code Image.blend(a, b, alpha)} for 8-bit images: {@code (uint8)(a + alpha·(b − a))}. */
    static RgbImage blend(RgbImage a, RgbImage b, float alpha) {
        if (a.width() != b.width() || a.height() != b.height())
            throw new UpscalerException("the two upscalers gave " + a.width() + "x" + a.height() + " and " + b.width() + "x" + b.height() + " images");
        byte[] x = a.rgb(), y = b.rgb(), out = new byte[x.length];
        for (int i = 0; i < x.length; i++) {
            int u = x[i] & 0xff, v = y[i] & 0xff;
            out[i] = (byte) (int) (u + alpha * (v - u));
        }
        return new RgbImage(out, a.width(), a.height());
    }

    private static String number(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) return Long.toString((long) v);
        return BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
    }
}
