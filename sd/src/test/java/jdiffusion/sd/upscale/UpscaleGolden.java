package jdiffusion.sd.upscale;

import jdiffusion.tensor.json.Json;
import jdiffusion.tensor.testing.Golden;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** The case lists and model files of {@code golden/upscale/}. */
final class UpscaleGolden {
    private UpscaleGolden() {}

    @SuppressWarnings("unchecked")
    static List<String> cases(String prefix) {
        try {
            Map<String, Object> index = Json.parseObject(Files.readString(Golden.file("upscale/index.json")));
            return ((List<String>) index.get("cases")).stream().filter(n -> n.startsWith(prefix)).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The case's {@code model_file} ("models/upscale/NAME.pth (...)") with extension {@code ext}. */
    static Path modelFile(Map<String, Object> json, String ext) {
        String f = ((String) json.get("model_file")).split(" ")[0];
        String base = f.substring("models/".length(), f.lastIndexOf('.'));
        return Golden.model(base + ext);
    }
}
