package jdiffusion.tools.generate;

import jdiffusion.sd.controlnet.ControlMode;
import jdiffusion.sd.controlnet.ControlNetUnitSpec;
import jdiffusion.sd.controlnet.preprocess.ControlResize;
import jdiffusion.sd.controlnet.preprocess.Raster;
import jdiffusion.sd.pipeline.RgbImage;
import jdiffusion.tools.UsageException;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * {@code --controlnet "model=NAME,image=FILE,module=canny,weight=0.8,start=0,end=1,mode=balanced,resize=crop"}: one unit,
 * with the extension's defaults for what is left out. Keys: model (required), image (required), module, weight, start, end,
 * mode (balanced, prompt, control or the extension's labels), resize (just, crop, fill or the labels), res, threshold-a,
 * threshold-b (also low/high), pixel-perfect, low-vram (ignored).
 */
final class ControlNetOption {
    private ControlNetOption() {}

    static final String HELP = "a ControlNet unit (repeatable): \"model=NAME,image=FILE,module=canny,weight=1,start=0,end=1,mode=balanced,resize=crop"
            + "[,res=512,low=100,high=200,pixel-perfect=true]\"; modules: none, canny, invert, threshold";

    static ControlNetUnitSpec parse(String text) {
        Map<String, String> kv = new LinkedHashMap<>();
        for (String part : text.split(",")) {
            if (part.isBlank()) continue;
            int eq = part.indexOf('=');
            if (eq < 0) throw new UsageException("--controlnet: \"" + part.strip() + "\" is not key=value (in \"" + text + "\")");
            kv.put(part.substring(0, eq).strip().toLowerCase(Locale.ROOT).replace('_', '-'), part.substring(eq + 1).strip());
        }
        String model = kv.remove("model");
        if (model == null || model.isEmpty()) throw new UsageException("--controlnet needs model=NAME (a file in models/ControlNet, or a path): \"" + text + "\"");
        String image = kv.remove("image");
        ControlNetUnitSpec d = ControlNetUnitSpec.defaults(model, null);
        try {
            String module = kv.getOrDefault("module", "none");
            kv.remove("module");
            float weight = Float.parseFloat(orDefault(kv, "weight", "1"));
            double start = Double.parseDouble(orDefault(kv, "start", "0")), end = Double.parseDouble(orDefault(kv, "end", "1"));
            ControlMode mode = ControlMode.parse(orDefault(kv, "mode", "balanced"));
            ControlResize.Mode resize = ControlResize.Mode.parse(orDefault(kv, "resize", d.resizeMode().label()));
            int res = Integer.parseInt(orDefault(kv, "res", orDefault(kv, "processor-res", "-1")));
            double a = Double.parseDouble(orDefault(kv, "threshold-a", orDefault(kv, "low", "-1")));
            double b = Double.parseDouble(orDefault(kv, "threshold-b", orDefault(kv, "high", "-1")));
            boolean pixelPerfect = bool(orDefault(kv, "pixel-perfect", "false"));
            boolean lowVram = bool(orDefault(kv, "low-vram", "false"));
            if (!kv.isEmpty()) throw new UsageException("--controlnet: unknown key(s) " + kv.keySet() + " (see jsd txt2img --help)");
            Raster raster = image == null ? null : read(Path.of(image));
            return new ControlNetUnitSpec(true, module, model, raster, weight, resize, lowVram, res, a, b, start, end, pixelPerfect, mode);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--controlnet \"" + text + "\": " + e.getMessage());
        }
    }

    static Raster read(Path file) {
        RgbImage img = RgbImage.read(file);
        return new Raster(img.height(), img.width(), 3, img.rgb());
    }

    private static String orDefault(Map<String, String> kv, String key, String fallback) {
        String v = kv.remove(key);
        return v == null ? fallback : v;
    }

    private static boolean bool(String v) {
        return switch (v.toLowerCase(Locale.ROOT)) {
            case "true", "1", "yes", "on" -> true;
            case "false", "0", "no", "off" -> false;
            default -> throw new IllegalArgumentException("expected true or false, got \"" + v + "\"");
        };
    }
}
