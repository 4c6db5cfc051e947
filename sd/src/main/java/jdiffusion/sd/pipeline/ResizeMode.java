package jdiffusion.sd.pipeline;

import java.util.Locale;

/** The WebUI's img2img "Resize mode": how an init image of another size becomes width x height. */
public enum ResizeMode {
    /** Stretch to the target size, ignoring the aspect ratio (mode 0). */
    JUST_RESIZE("Just resize"),
    /** Scale to cover the target, then cut the overflow equally from both sides (mode 1). */
    CROP_AND_RESIZE("Crop and resize"),
    /** Scale to fit inside the target, then fill the bands by stretching the edge pixels (mode 2). */
    RESIZE_AND_FILL("Resize and fill");

    private final String label;

    ResizeMode(String label) { this.label = label; }

    public String label() { return label; }

    /** By label ("Crop and resize"), id ("crop", "crop-and-resize") or the WebUI's number (0, 1, 2). */
    public static ResizeMode parse(String s) {
        String k = s.strip().toLowerCase(Locale.ROOT).replace('_', ' ').replace('-', ' ');
        return switch (k) {
            case "0", "just resize", "resize", "stretch" -> JUST_RESIZE;
            case "1", "crop and resize", "crop" -> CROP_AND_RESIZE;
            case "2", "resize and fill", "fill" -> RESIZE_AND_FILL;
            default -> throw new PipelineException("unknown resize mode '" + s + "': use just-resize, crop-and-resize or resize-and-fill (0, 1, 2)");
        };
    }
}
