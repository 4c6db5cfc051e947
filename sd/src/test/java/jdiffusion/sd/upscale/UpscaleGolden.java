package jdiffusion.sd.upscale;

import jdiffusion.tensor.testing.Golden;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** The case lists and model files of {@code golden/upscale/}. */
final class UpscaleGolden {
    private UpscaleGolden() {}

    static List<String> cases(String prefix) {
        return Golden.caseNames("upscale/index.json").stream().filter(n -> n.startsWith(prefix)).toList();
    }

    /** The case's {@code model_file} ("models/upscale/NAME.pth (...)") with extension {@code ext}. */
    static Path modelFile(Map<String, Object> json, String ext) {
        String f = ((String) json.get("model_file")).split(" ")[0];
        String base = f.substring("models/".length(), f.lastIndexOf('.'));
        return Golden.model(base + ext);
    }
}
