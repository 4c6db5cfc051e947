package jdiffusion.sd.controlnet;

import jdiffusion.sd.controlnet.preprocess.ControlResize;
import jdiffusion.sd.controlnet.preprocess.Preprocessors;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.TreeMap;

/**
 * The extension's infotext entry per enabled unit, {@code ControlNet 0: "Module: canny, Model: name [hash], Weight: 1.0,
 * Resize Mode: Crop and Resize, Processor Res: 512, Threshold A: 100.0, Threshold B: 200.0, Guidance Start: 0.0,
 * Guidance End: 1.0, Pixel Perfect: False, Control Mode: Balanced, Hr Option: Both"} (fields in its
 * {@code infotext_fields} order, values as Python prints them, hidden sliders left out), and reading it back.
 */
public final class ControlNetInfotext {
    private ControlNetInfotext() {}

    public static String serialize(ControlNetUnitSpec s, String modelName) {
        String module = Preprocessors.normalise(s.module());
        Map<String, String> f = new LinkedHashMap<>();
        f.put("Module", module);
        f.put("Model", modelName);
        f.put("Weight", Float.toString(s.weight()));
        f.put("Resize Mode", s.resizeMode().label());
        if (!module.equals("none")) f.put("Processor Res", Integer.toString(s.resolution()));
        double a = s.thresholdA() < 0 ? Preprocessors.defaultThresholdA(module) : s.thresholdA();
        double b = s.thresholdB() < 0 ? Preprocessors.defaultThresholdB(module) : s.thresholdB();
        if (a != -1) f.put("Threshold A", py(a));
        if (b != -1) f.put("Threshold B", py(b));
        f.put("Guidance Start", py(s.guidanceStart()));
        f.put("Guidance End", py(s.guidanceEnd()));
        f.put("Pixel Perfect", s.pixelPerfect() ? "True" : "False");
        f.put("Control Mode", s.controlMode().label());
        f.put("Hr Option", "Both");
        List<String> parts = new ArrayList<>();
        f.forEach((k, v) -> parts.add(k + ": " + v));
        return String.join(", ", parts);
    }

    /** Python's {@code str(float)} for the values units carry. */
    static String py(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) return (long) v + ".0";
        return Double.toString(v);
    }

    /**
     * The units an infotext's {@code ControlNet N} entries describe, in N order, without images (a PNG does not carry them).
     * Unknown fields are ignored; a malformed entry is an error naming it.
     */
    public static List<ControlNetUnitSpec> parse(Map<String, String> parameters) {
        TreeMap<Integer, String> entries = new TreeMap<>();
        for (Map.Entry<String, String> e : parameters.entrySet()) {
            if (!e.getKey().matches("ControlNet \\d+")) continue;
            entries.put(Integer.parseInt(e.getKey().substring("ControlNet ".length())), e.getValue());
        }
        List<ControlNetUnitSpec> out = new ArrayList<>();
        for (Map.Entry<Integer, String> e : entries.entrySet()) out.add(parseUnit("ControlNet " + e.getKey(), e.getValue()));
        return out;
    }

    static ControlNetUnitSpec parseUnit(String key, String value) {
        Map<String, String> f = new LinkedHashMap<>();
        for (String part : value.split(",\\s*")) {
            int colon = part.indexOf(':');
            if (colon < 0) throw new ControlNetException("infotext " + key + ": cannot read \"" + part + "\" (expected \"Field: value\")");
            f.put(part.substring(0, colon).trim().toLowerCase(Locale.ROOT), part.substring(colon + 1).trim());
        }
        if (!f.containsKey("model")) throw new ControlNetException("infotext " + key + " names no Model: \"" + value + "\"");
        try {
            String module = f.getOrDefault("module", "none");
            return new ControlNetUnitSpec(true, module, f.get("model"), null,
                    Float.parseFloat(f.getOrDefault("weight", "1")),
                    ControlResize.Mode.parse(f.getOrDefault("resize mode", "Crop and Resize")),
                    Boolean.parseBoolean(f.getOrDefault("low vram", "False")),
                    (int) Double.parseDouble(f.getOrDefault("processor res", "-1")),
                    Double.parseDouble(f.getOrDefault("threshold a", "-1")), Double.parseDouble(f.getOrDefault("threshold b", "-1")),
                    Double.parseDouble(f.getOrDefault("guidance start", "0")), Double.parseDouble(f.getOrDefault("guidance end", "1")),
                    f.getOrDefault("pixel perfect", "False").equalsIgnoreCase("true"),
                    ControlMode.parse(f.getOrDefault("control mode", "Balanced")));
        } catch (IllegalArgumentException e) {
            throw new ControlNetException("infotext " + key + ": " + e.getMessage());
        }
    }
}
