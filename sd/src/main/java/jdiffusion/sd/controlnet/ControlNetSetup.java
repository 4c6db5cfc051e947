package jdiffusion.sd.controlnet;

import java.util.List;
import java.util.Map;

/** The ControlNet units of a generation request, made ready for the generation's size. */
public interface ControlNetSetup {
    ControlNetSetup NONE = new ControlNetSetup() {
        @Override public List<ControlUnit> units(int width, int height) { return List.of(); }

        @Override public Map<String, String> infotext() { return Map.of(); }
    };

    /** Each enabled unit with its hint preprocessed and resized for a {@code width x height} image. */
    List<ControlUnit> units(int width, int height);

    /** The infotext entries the extension writes ({@code ControlNet 0: "Module: ..."}). */
    Map<String, String> infotext();
}
