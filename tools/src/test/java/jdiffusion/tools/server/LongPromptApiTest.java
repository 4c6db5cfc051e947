package jdiffusion.tools.server;

import jdiffusion.tools.Captured;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * 100,000-character prompts of each shape (plain, nested, escaped, unbalanced) generate on the command line and
 * through the API instead of ending in a StackOverflowError (a 1,000-line trace, or a 500).
 */
class LongPromptApiTest {
    static final int LENGTH = 100_000;
    @TempDir static Path dir;
    static TinyServer s;

    @BeforeAll static void start() throws Exception { s = TinyServer.start(dir, 4, null); }

    @AfterAll static void stop() { if (s != null) s.close(); }

    static String fill(String unit) { return unit.repeat(LENGTH / unit.length() + 1).substring(0, LENGTH); }

    static Map<String, String> shapes() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("plain", fill("a photo of a cat, "));
        // round and square brackets in turn, so the weight stays near 1 (50,000 levels of "(" alone is 1.1^50000: inf)
        int k = (LENGTH - 3) / 4;
        m.put("nested", "([".repeat(k) + "cat" + "])".repeat(k));
        m.put("escaped", fill("\\(\\[cat\\]\\)"));
        m.put("unbalanced", fill("cat) dog] a:b| "));
        return m;
    }

    @Test
    void theCommandLineTakesThem() {
        for (Map.Entry<String, String> e : shapes().entrySet()) {
            Path out = dir.resolve("cli-" + e.getKey() + ".png");
            Captured c = Captured.run("txt2img", "--model", TinyServer.model().toString(), "--tokenizer", TinyServer.tokenizer().toString(),
                    "--threads", "2", "--prompt", e.getValue(), "--steps", "1", "--width", "64", "--height", "64", "--seed", "1",
                    "--out", out.toString());
            assertEquals(0, c.status(), e.getKey() + ": " + c.err().lines().limit(3).toList());
            assertEquals(out.toString(), c.out().strip());
        }
    }

    @Test
    void theApiTakesThem() throws Exception {
        for (Map.Entry<String, String> e : shapes().entrySet()) {
            TinyServer.Reply r = s.post("/sdapi/v1/txt2img", Map.of("prompt", e.getValue(), "steps", 1L, "width", 64L, "height", 64L,
                    "seed", 1L, "override_settings", Map.of("sd_model_checkpoint", "tiny")));
            assertEquals(200, r.status(), e.getKey() + ": " + r.text().substring(0, Math.min(300, r.text().length())));
            assertEquals(1, ((List<?>) r.json().get("images")).size(), e.getKey());
            Map<String, Object> info = jdiffusion.tensor.json.Json.parseObject((String) r.json().get("info"));
            assertTrue(((List<?>) info.get("infotexts")).getFirst().toString().startsWith(e.getValue().substring(0, 100)), e.getKey());
        }
    }
}
