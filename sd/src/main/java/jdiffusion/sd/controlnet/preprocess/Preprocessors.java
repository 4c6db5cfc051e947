package jdiffusion.sd.controlnet.preprocess;

import java.util.List;
import java.util.Locale;

/**
 * The extension's preprocessors ("modules"). The model-free ones run here; the others need their own networks
 * (pose, depth, line-art, ... detectors) and are refused by name: feed an already-detected map with module "none".
 */
public final class Preprocessors {
    private Preprocessors() {}

    /** Modules that run here. */
    public static final List<String> SUPPORTED = List.of("none", "canny", "invert", "threshold");

    /** Modules the extension lists that need a detector network (refused for now). */
    public static final List<String> NEEDS_NETWORK = List.of(
            "depth_midas", "depth_leres", "depth_leres++", "depth_zoe", "depth_anything", "depth_hand_refiner", "normal_bae", "normal_midas",
            "openpose", "openpose_face", "openpose_faceonly", "openpose_full", "openpose_hand", "dw_openpose_full", "animal_openpose",
            "lineart_standard", "lineart_realistic", "lineart_coarse", "lineart_anime", "lineart_anime_denoise", "mlsd",
            "softedge_hed", "softedge_hedsafe", "softedge_pidinet", "softedge_pidisafe", "softedge_teed", "scribble_hed", "scribble_pidinet",
            "scribble_xdog", "seg_ofade20k", "seg_ofcoco", "seg_ufade20k", "seg_anime_face", "shuffle", "tile_resample", "tile_colorfix",
            "tile_colorfix+sharp", "blur_gaussian", "inpaint", "inpaint_only", "inpaint_only+lama", "reference_only", "reference_adain",
            "reference_adain+attn", "recolor_luminance", "recolor_intensity", "ip-adapter_clip_sd15", "ip-adapter_clip_sdxl",
            "ip-adapter_face_id", "ip-adapter_face_id_plus", "instant_id_face_embedding", "instant_id_face_keypoints", "t2ia_color_grid",
            "t2ia_sketch_pidi", "t2ia_style_clipvision", "revision_clipvision", "revision_ignore_prompt", "densepose", "densepose_parula",
            "te_hed", "anime_face_segment", "facexlib", "mediapipe_face", "segment_anything");

    /** Every module name the extension lists, supported first. */
    public static List<String> all() {
        return java.util.stream.Stream.concat(SUPPORTED.stream(), NEEDS_NETWORK.stream()).toList();
    }

    /** The extension's default thresholds per module ({@code -1} where the module has none). */
    public static double defaultThresholdA(String module) {
        return switch (normalise(module)) {
            case "canny" -> 100;
            case "threshold" -> 127;
            default -> -1;
        };
    }

    public static double defaultThresholdB(String module) { return normalise(module).equals("canny") ? 200 : -1; }

    /** The module's canonical name ("None" and "binary" spellings accepted), or a one-line refusal. */
    public static String normalise(String module) {
        String m = module.trim().toLowerCase(Locale.ROOT);
        if (m.isEmpty()) return "none";
        if (m.equals("binary")) return "threshold";
        if (SUPPORTED.contains(m)) return m;
        if (NEEDS_NETWORK.contains(m))
            throw new PreprocessorException("ControlNet preprocessor \"" + module + "\" needs its own detector network, which is not supported yet: "
                    + "run it elsewhere and pass the detected map with module=none");
        throw new PreprocessorException("unknown ControlNet preprocessor \"" + module + "\": use one of " + SUPPORTED + " (or module=none with an already-detected map)");
    }

    /** Runs {@code module} at {@code resolution} (ignored by invert and none): the detected map, three channels. */
    public static Raster run(String module, Raster image, int resolution, double thresholdA, double thresholdB) {
        Raster rgb = image.rgb();
        return switch (normalise(module)) {
            case "none" -> rgb;
            case "invert" -> {
                Raster out = Raster.blank(rgb.height(), rgb.width(), 3);
                for (int i = 0; i < out.data().length; i++) out.data()[i] = (byte) (255 - (rgb.data()[i] & 0xff));
                yield out;
            }
            case "canny" -> {
                ControlResize.Padded p = ControlResize.withPad(rgb, resolution);
                yield p.removePad(Canny.detect(p.image(), thresholdA, thresholdB)).rgb();
            }
            case "threshold" -> {
                ControlResize.Padded p = ControlResize.withPad(rgb, resolution);
                Raster in = p.image(), out = Raster.blank(in.height(), in.width(), 3);
                for (int i = 0; i < in.height() * in.width(); i++) {
                    int min = Math.min(in.data()[3 * i] & 0xff, Math.min(in.data()[3 * i + 1] & 0xff, in.data()[3 * i + 2] & 0xff));
                    if (min > thresholdA) java.util.Arrays.fill(out.data(), 3 * i, 3 * i + 3, (byte) 255);
                }
                yield p.removePad(out);
            }
            default -> throw new AssertionError(module);
        };
    }
}
