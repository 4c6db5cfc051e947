package jdiffusion.sd.controlnet;

import jdiffusion.sd.controlnet.preprocess.ControlResize;
import jdiffusion.sd.controlnet.preprocess.Preprocessors;
import jdiffusion.sd.controlnet.preprocess.Raster;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A request's ControlNet units made ready as the extension does ({@code controlnet.py}): target size aligned to 8, pixel
 * perfect resolution, the preprocessor, the resize mode, the hint; and the infotext entries it writes.
 */
public final class ControlNets implements ControlNetSetup {
    /** The extension's default number of units ({@code --controlnet-units}). */
    public static final int DEFAULT_MAX_UNITS = 3;

    private final ControlNetLibrary library;
    private final List<ControlNetUnitSpec> specs;
    private final Map<Integer, Raster> detected = new LinkedHashMap<>();

    public ControlNets(ControlNetLibrary library, List<ControlNetUnitSpec> specs, int maxUnits) {
        this.library = library;
        this.specs = List.copyOf(specs);
        long enabled = specs.stream().filter(ControlNetUnitSpec::enabled).count();
        if (enabled > maxUnits)
            throw new ControlNetException(enabled + " ControlNet units enabled, at most " + maxUnits + " allowed: raise --controlnet-units");
        for (int i = 0; i < specs.size(); i++) {
            ControlNetUnitSpec s = specs.get(i);
            if (!s.enabled()) continue;
            Preprocessors.normalise(s.module());
            if (s.image() == null)
                throw new ControlNetException("ControlNet unit " + i + " (" + s.module() + ", " + s.model() + ") has no input image: give one with image=FILE"
                        + " (an infotext does not carry it)");
            if (s.weight() < 0 || s.weight() > 2) throw new ControlNetException("ControlNet unit " + i + ": weight " + s.weight() + " is outside 0..2");
            if (s.guidanceStart() < 0 || s.guidanceEnd() > 1 || s.guidanceStart() > s.guidanceEnd())
                throw new ControlNetException("ControlNet unit " + i + ": guidance start " + s.guidanceStart() + " / end " + s.guidanceEnd()
                        + " must satisfy 0 <= start <= end <= 1");
        }
    }

    public List<ControlNetUnitSpec> specs() { return specs; }

    @Override public List<ControlUnit> units(int width, int height) {
        int h = ControlResize.alignToLatent(height), w = ControlResize.alignToLatent(width);
        List<ControlUnit> out = new ArrayList<>();
        for (int i = 0; i < specs.size(); i++) {
            ControlNetUnitSpec s = specs.get(i);
            if (!s.enabled()) continue;
            Raster map = detect(s, h, w);
            detected.put(i, map);
            Raster control = ControlResize.fit(map, s.resizeMode(), h, w);
            ControlNetLibrary.Loaded model = library.load(s.model());
            out.add(new ControlUnit(model.net(), control.toHint(), h, w, s.weight(), s.controlMode(), s.guidanceStart(), s.guidanceEnd()));
        }
        return out;
    }

    /** The unit's preprocessor output for a {@code h x w} target (pixel perfect chooses the resolution). */
    public static Raster detect(ControlNetUnitSpec s, int h, int w) {
        Raster image = s.image().rgb();
        int res = s.pixelPerfect() ? ControlResize.pixelPerfectResolution(image.height(), image.width(), h, w, s.resizeMode()) : s.resolution();
        double a = s.thresholdA() < 0 ? Preprocessors.defaultThresholdA(s.module()) : s.thresholdA();
        double b = s.thresholdB() < 0 ? Preprocessors.defaultThresholdB(s.module()) : s.thresholdB();
        return Preprocessors.run(s.module(), image, res, a, b);
    }

    /** The detected maps of the last {@link #units} call, by unit index (for previews and the API). */
    public Map<Integer, Raster> detectedMaps() { return Map.copyOf(detected); }

    @Override public Map<String, String> infotext() {
        Map<String, String> out = new LinkedHashMap<>();
        int k = 0;
        for (ControlNetUnitSpec s : specs) {
            if (!s.enabled()) continue;
            out.put("ControlNet " + k++, ControlNetInfotext.serialize(s, library.displayName(library.resolve(s.model()))));
        }
        return out;
    }
}
