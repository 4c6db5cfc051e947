package jdiffusion.tools.server;

import jdiffusion.sd.controlnet.ControlMode;
import jdiffusion.sd.controlnet.ControlNetLibrary;
import jdiffusion.sd.controlnet.ControlNetUnitSpec;
import jdiffusion.sd.controlnet.ControlNets;
import jdiffusion.sd.controlnet.preprocess.ControlResize;
import jdiffusion.sd.controlnet.preprocess.PreprocessorException;
import jdiffusion.sd.controlnet.preprocess.Preprocessors;
import jdiffusion.sd.controlnet.preprocess.Raster;
import jdiffusion.sd.extra.ModelsFolder;
import jdiffusion.sd.image.Png;
import jdiffusion.sd.pipeline.RgbImage;

import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The sd-webui-controlnet extension's API: units in {@code alwayson_scripts.controlnet.args} of txt2img/img2img (its
 * {@code ControlNetUnit} field names), and {@code /controlnet/model_list}, {@code /controlnet/module_list},
 * {@code /controlnet/detect} and {@code /controlnet/version}.
 */
final class ControlNetApi {
    /** The extension version whose API this follows ({@code /controlnet/version}). */
    static final int VERSION = 2;

    private final ModelsFolder folder;
    private final long maxPixels;

    ControlNetApi(ModelsFolder folder, long maxPixels) {
        this.folder = folder;
        this.maxPixels = maxPixels;
    }

    /** {@code /controlnet/version}, {@code model_list}, {@code module_list}, {@code detect}. */
    List<Route> routes() {
        return List.of(
                Route.get("/controlnet/version", "The ControlNet extension API version this follows", Schema.map(Schema.any()),
                        c -> Map.of("version", VERSION)),
                Route.get("/controlnet/model_list", "ControlNet models (models/ControlNet, extensions/sd-webui-controlnet/models) as \"stem [hash]\"",
                        Schema.map(Schema.any()), c -> Map.of("model_list", modelNames())),
                Route.get("/controlnet/module_list", "Preprocessors: none, canny, invert, threshold run; the others are refused",
                        Schema.map(Schema.any()), c -> Map.of("module_list", Preprocessors.all())),
                Route.post("/controlnet/detect", "Runs a preprocessor on base64 images (controlnet_module, controlnet_input_images, "
                        + "controlnet_processor_res, controlnet_threshold_a/b)", Schema.map(Schema.any()), Schema.map(Schema.any()),
                        c -> detect(SdApi.object(c.body()))));
    }

    private List<String> modelNames() {
        ControlNetLibrary names = new ControlNetLibrary(null, null, folder);
        return names.names();
    }

    /** The units of a generation request's {@code alwayson_scripts.controlnet.args}; enabled ones only. */
    @SuppressWarnings("unchecked")
    List<ControlNetUnitSpec> units(Map<String, Object> body) {
        Object scripts = body.get("alwayson_scripts");
        if (!(scripts instanceof Map<?, ?> m)) return List.of();
        Object cn = null;
        for (Map.Entry<?, ?> e : m.entrySet()) if (String.valueOf(e.getKey()).equalsIgnoreCase("controlnet")) cn = e.getValue();
        if (cn == null) return List.of();
        if (!(cn instanceof Map<?, ?> c) || !(c.get("args") instanceof List<?> args))
            throw ApiException.badRequest("alwayson_scripts.controlnet must be {\"args\": [unit, ...]}");
        List<ControlNetUnitSpec> out = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            if (!(args.get(i) instanceof Map<?, ?> u)) throw ApiException.badRequest("alwayson_scripts.controlnet.args[" + i + "] must be an object");
            ControlNetUnitSpec s = unit((Map<String, Object>) u, "alwayson_scripts.controlnet.args[" + i + "]");
            if (s.enabled()) out.add(s);
        }
        return out;
    }

    ControlNetUnitSpec unit(Map<String, Object> u, String where) {
        try {
            boolean enabled = !Boolean.FALSE.equals(u.getOrDefault("enabled", true));
            String module = String.valueOf(u.getOrDefault("module", "none"));
            if (enabled) Preprocessors.normalise(module);
            String model = String.valueOf(u.getOrDefault("model", "None"));
            Raster image = null;
            Object img = u.containsKey("image") ? u.get("image") : u.get("input_image");
            if (img instanceof Map<?, ?> pair) img = pair.get("image");
            if (img instanceof String s && !s.isEmpty()) image = raster(ImageCodec.decode(s, where + ".image", maxPixels));
            if (enabled && image == null) throw ApiException.badRequest(where + ": no image (a base64 PNG/JPEG in \"image\")");
            if (enabled && model.equalsIgnoreCase("none")) throw ApiException.badRequest(where + ": no model (see /controlnet/model_list)");
            return new ControlNetUnitSpec(enabled, module, model, image, (float) num(u, "weight", 1),
                    ControlResize.Mode.parse(String.valueOf(u.getOrDefault("resize_mode", "Crop and Resize"))),
                    Boolean.TRUE.equals(u.get("low_vram")), (int) num(u, "processor_res", -1), num(u, "threshold_a", -1), num(u, "threshold_b", -1),
                    num(u, "guidance_start", 0), num(u, "guidance_end", 1), Boolean.TRUE.equals(u.get("pixel_perfect")),
                    ControlMode.parse(String.valueOf(u.getOrDefault("control_mode", "Balanced"))));
        } catch (PreprocessorException e) {
            throw ApiException.badRequest(where + ": " + e.getMessage());
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(where + ": " + e.getMessage());
        }
    }

    private static double num(Map<String, Object> u, String key, double fallback) {
        Object v = u.get(key);
        if (v == null) return fallback;
        if (v instanceof Number n) return n.doubleValue();
        try {
            return Double.parseDouble(v.toString());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be a number, got \"" + v + "\"");
        }
    }

    static Raster raster(RgbImage img) { return new Raster(img.height(), img.width(), 3, img.rgb()); }

    /**
     * {@code /controlnet/detect}: {@code controlnet_module}, {@code controlnet_input_images} (base64),
     * {@code controlnet_processor_res}, {@code controlnet_threshold_a/b} → {@code images} (base64 PNG) and {@code info}.
     */
    private Map<String, Object> detect(Map<String, Object> body) {
        String module = String.valueOf(body.getOrDefault("controlnet_module", "none"));
        if (!(body.get("controlnet_input_images") instanceof List<?> inputs) || inputs.isEmpty())
            throw ApiException.badRequest("controlnet_input_images must be a non-empty list of base64 images");
        int res = (int) num(body, "controlnet_processor_res", 512);
        double a = num(body, "controlnet_threshold_a", -1), b = num(body, "controlnet_threshold_b", -1);
        List<String> images = new ArrayList<>();
        for (int i = 0; i < inputs.size(); i++) {
            Raster in = raster(ImageCodec.decode(String.valueOf(inputs.get(i)), "controlnet_input_images[" + i + "]", maxPixels));
            ControlNetUnitSpec spec = new ControlNetUnitSpec(true, module, "", in, 1f, ControlResize.Mode.JUST_RESIZE, false, res, a, b, 0, 1, false,
                    ControlMode.BALANCED);
            Raster map;
            try {
                map = ControlNets.detect(spec, in.height(), in.width());
            } catch (PreprocessorException e) {
                throw ApiException.badRequest(e.getMessage());
            }
            images.add(Base64.getEncoder().encodeToString(Png.encode(map.data(), map.width(), map.height(), Map.of())));
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("images", images);
        out.put("info", "Success");
        return out;
    }
}
