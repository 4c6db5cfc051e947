package jdiffusion.sd.upscale;

import jdiffusion.sd.pipeline.PilResample;
import jdiffusion.sd.pipeline.RgbImage;

/** The WebUI's built-in upscalers without a model: "None" (leaves the size to the final Lanczos), "Lanczos" and "Nearest" (Pillow resizes by {@code int(size·scale)}). */
public record PillowUpscaler(Kind kind) implements Upscaler {
    public enum Kind { NONE, LANCZOS, NEAREST }

    public static final PillowUpscaler NONE = new PillowUpscaler(Kind.NONE), LANCZOS = new PillowUpscaler(Kind.LANCZOS), NEAREST = new PillowUpscaler(Kind.NEAREST);

    @Override public String name() {
        return switch (kind) {
            case NONE -> "None";
            case LANCZOS -> "Lanczos";
            case NEAREST -> "Nearest";
        };
    }

    @Override
    public RgbImage step(RgbImage image, double scale) {
        if (kind == Kind.NONE) return image;
        int w = (int) (image.width() * scale), h = (int) (image.height() * scale);
        if (kind == Kind.LANCZOS) return Upscaler.lanczos(image, w, h);
        if (w < 1 || h < 1) throw new UpscalerException("cannot resize a " + image.width() + "x" + image.height() + " image to " + w + "x" + h);
        return new RgbImage(PilResample.nearest(image.rgb(), image.width(), image.height(), 3, w, h), w, h);
    }
}
