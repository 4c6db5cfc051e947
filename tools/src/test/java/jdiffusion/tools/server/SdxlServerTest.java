package jdiffusion.tools.server;

import jdiffusion.tensor.testing.Golden;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One server process switching between an SD 1.x and an SDXL checkpoint, both listed by {@code sd-models}. */
class SdxlServerTest {
    @TempDir Path dir;

    @Test
    void switchesBetweenSd1AndSdxlInOneProcess() throws Exception {
        Path root = TinyServer.webUiFolder(dir);
        Path sd = root.resolve("models/Stable-diffusion");
        Files.createSymbolicLink(sd.resolve("xl.safetensors"), Golden.model("tiny-sdxl.safetensors"));
        Files.createSymbolicLink(sd.resolve("xl.yaml"), Golden.model("tiny-sdxl.yaml"));
        ServerConfig config = ServerConfig.loopback(root, null, TinyServer.tokenizer(), 2).withQueueSize(2).withMaxPixels(256 * 256);
        try (JsdServer server = JsdServer.start(config)) {
            TinyServer s = new TinyServer(root, server, null);
            List<Object> models = s.get("/sdapi/v1/sd-models").list();
            assertTrue(models.stream().anyMatch(m -> "xl".equals(((Map<?, ?>) m).get("model_name"))), models.toString());
            assertTrue(models.stream().anyMatch(m -> "tiny".equals(((Map<?, ?>) m).get("model_name"))), models.toString());
            for (String model : List.of("xl", "tiny", "xl")) {
                TinyServer.Reply r = s.post("/sdapi/v1/txt2img", Map.of("prompt", "a house", "width", 48L, "height", 32L, "steps", 2L,
                        "override_settings", Map.of("sd_model_checkpoint", model)));
                assertEquals(200, r.status(), r.text());
                assertEquals(model, SdApiTest.info(r).get("sd_model_name"));
            }
        }
    }
}
