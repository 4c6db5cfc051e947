package jdiffusion.tools.server;

import jdiffusion.tensor.json.Json;
import jdiffusion.tensor.testing.Golden;
import jdiffusion.tools.Captured;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A WebUI models folder holding nothing but a checkpoint (and the ldm .yaml the tiny model needs for its head count):
 * no tokenizer folder, no --tokenizer; CLIP's vocabulary shipped in the jar serves the command line and the server.
 */
class BareModelsFolderTest {
    @TempDir Path dir;

    private Path bareFolder() throws Exception {
        Path sd = Files.createDirectories(dir.resolve("webui/models/Stable-diffusion"));
        Files.createSymbolicLink(sd.resolve("tiny.safetensors"), Golden.model("tiny-sd15.safetensors").toAbsolutePath());
        Files.createSymbolicLink(sd.resolve("tiny.yaml"), Golden.model("tiny-sd15.yaml").toAbsolutePath());
        return dir.resolve("webui");
    }

    @Test
    void txt2imgRunsWithoutATokenizerFolder() throws Exception {
        Path root = bareFolder();
        Path out = dir.resolve("out.png");
        Captured c = Captured.run("txt2img", "--models-dir", root.toString(), "--model", "tiny", "--prompt", "a red barn",
                "--steps", "2", "--width", "64", "--height", "64", "--seed", "1", "--threads", "2", "--out", out.toString());
        assertEquals(0, c.status(), c.err());
        assertTrue(Files.size(out) > 0);
        Captured same = Captured.run("txt2img", "--model", root.resolve("models/Stable-diffusion/tiny.safetensors").toString(),
                "--tokenizer", Golden.model("clip-tokenizer-sd1").toString(), "--prompt", "a red barn",
                "--steps", "2", "--width", "64", "--height", "64", "--seed", "1", "--threads", "2", "--out", dir.resolve("folder.png").toString());
        assertEquals(0, same.status(), same.err());
        assertEquals(-1, Files.mismatch(out, dir.resolve("folder.png")), "the bundled tokenizer gives the tokenizer folder's image");
    }

    @Test
    @SuppressWarnings("unchecked")
    void theServerLoadsAndGeneratesWithoutATokenizerFolder() throws Exception {
        try (JsdServer server = JsdServer.start(ServerConfig.loopback(bareFolder(), null, null, 2))) {
            HttpClient http = HttpClient.newHttpClient();
            URI uri = server.uri().resolve("/sdapi/v1/txt2img");
            String body = Json.write(Map.of("prompt", "a red barn", "width", 64L, "height", 64L, "steps", 2L, "seed", 1L,
                    "override_settings", Map.of("sd_model_checkpoint", "tiny")));
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), r.body());
            assertEquals(1, ((List<Object>) ((Map<String, Object>) Json.parse(r.body())).get("images")).size(), r.body());
        }
    }
}
