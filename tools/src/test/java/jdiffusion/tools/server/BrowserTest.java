package jdiffusion.tools.server;

import jdiffusion.tensor.testing.Golden;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The web page in headless Chromium: fill the form (also by pasting generation data), generate with the tiny model,
 * watch the progress bar move and the image arrive in the gallery; a screenshot goes to {@code tools/target/web-ui.png}.
 * Skips where Chromium is not installed, except in CI ({@code CI=true}), where it must run.
 */
class BrowserTest {
    @TempDir Path dir;

    static Path chromium() {
        for (String p : List.of("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"))
            if (Files.isExecutable(Path.of(p))) return Path.of(p);
        return null;
    }

    @Test
    void pageFillsFromPastedDataGeneratesWithAMovingProgressBarAndShowsTheImage() throws Exception {
        Path chromium = chromium();
        if (chromium == null) {
            if ("true".equalsIgnoreCase(System.getenv("CI"))) fail("CI=true but chromium is not installed (.ci/run installs it)");
            assumeTrue(false, "chromium is not installed");
        }
        try (TinyServer s = TinyServer.start(dir.resolve("webui"), 4, null);
             DevToolsSession page = DevToolsSession.launch(chromium, Files.createDirectories(dir.resolve("profile")))) {
            // the page polls progress 4 times a second: sampling should last a few seconds
            int steps = s.stepsLasting(3);
            page.call("Page.navigate", Map.of("url", s.server.uri().toString()));
            waitFor(page, "document.readyState === 'complete' && document.getElementById('status').textContent === 'ready'", 30_000);

            // pickers insert their tags at the cursor
            page.eval("document.getElementById('prompt').value = 'x'; document.getElementById('lora').value = 'paper-cut';"
                    + "document.getElementById('lora-insert').click(); document.getElementById('embedding').value = 'bad-hands';"
                    + "document.getElementById('embedding-insert').click(); 0");
            assertEquals("x, <lora:paper-cut:1>, bad-hands", page.eval("document.getElementById('prompt').value"));

            // a legacy sampler name carries its schedule; quoted values may hold commas
            String legacy = "two lines\\nof prompt\\nSteps: 5, Sampler: DPM++ 2M Karras, CFG scale: 4, Seed: 1, "
                    + "Lora hashes: \\\"a: 1, b: 2\\\", Size: 64x48";
            page.eval("document.getElementById('paste').value = \"" + legacy + "\"; document.getElementById('paste-apply').click(); 0");
            assertEquals("two lines\nof prompt||5|DPM++ 2M|Karras|4|1|64|48",
                    page.eval("['prompt','negative','steps','sampler','scheduler','cfg','seed','width','height']"
                            + ".map(id => document.getElementById(id).value).join('|')"));

            String infotext = "a lighthouse at dusk, (watercolor:1.2)\\nNegative prompt: fog\\n"
                    + "Steps: " + steps + ", Sampler: Euler a, Schedule type: Karras, CFG scale: 6.5, Seed: 42, Size: 64x64, Model: tiny";
            page.eval("document.getElementById('paste-box').open = true; document.getElementById('paste').value = \"" + infotext + "\";"
                    + "document.getElementById('paste-apply').click(); 0");
            assertEquals("a lighthouse at dusk, (watercolor:1.2)|fog|" + steps + "|Euler a|Karras|6.5|42|64|64|tiny.safetensors",
                    page.eval("['prompt','negative','steps','sampler','scheduler','cfg','seed','width','height','model']"
                            + ".map(id => document.getElementById(id).value).join('|').replace(/ \\[[0-9a-f]+]$/, '')"));

            page.eval("document.getElementById('generate').click(); 0");
            TreeSet<Double> progress = new TreeSet<>();
            boolean previewSeen = false;
            long deadline = System.currentTimeMillis() + 120_000;
            while (System.currentTimeMillis() < deadline) {
                String state = (String) page.eval("[document.getElementById('progress-fill').dataset.value || '0',"
                        + "document.getElementById('preview').hidden ? 0 : document.getElementById('preview').src.length,"
                        + "document.querySelectorAll('#gallery img').length].join(',')");
                String[] parts = state.split(",");
                double v = Double.parseDouble(parts[0]);
                if (v > 0 && v < 1) progress.add(v);
                if (Integer.parseInt(parts[1]) > 100) previewSeen = true;
                if (Integer.parseInt(parts[2]) > 0) break;
                Thread.sleep(40);
            }
            assertEquals(1L, page.eval("document.querySelectorAll('#gallery img').length"), "the image arrived in the gallery");
            waitFor(page, "document.querySelector('#gallery img').complete && document.querySelector('#gallery img').naturalWidth === 64", 10_000);
            String caption = (String) page.eval("document.querySelector('#gallery figcaption').textContent");
            assertTrue(caption.startsWith("a lighthouse at dusk, (watercolor:1.2)\nNegative prompt: fog\nSteps: " + steps + ", Sampler: Euler a, "
                    + "Schedule type: Karras, CFG scale: 6.5, Seed: 42, Size: 64x64"), caption);
            assertTrue(progress.size() >= 2, "the progress bar moved through several values: " + progress);
            assertTrue(previewSeen, "a live preview was shown while sampling");
            assertEquals("", page.eval("document.getElementById('error').textContent"));

            Map<String, Object> shot = page.call("Page.captureScreenshot", Map.of("format", "png"));
            Path out = Golden.repoRoot().resolve("tools/target/web-ui.png");
            Files.createDirectories(out.getParent());
            Files.write(out, Base64.getDecoder().decode((String) shot.get("data")));
            assertTrue(Files.size(out) > 10_000);

            // the Inside view: ask for attention maps, then each prompt token has a button showing its map over the image
            page.eval("document.getElementById('prompt').value = 'a red (barn:1.2) BREAK hill'; document.getElementById('steps').value = '2';"
                    + "document.getElementById('inside').checked = true; document.getElementById('generate').click(); 0");
            waitFor(page, "document.querySelectorAll('#gallery img').length === 2 && !document.getElementById('inside-view').hidden", 120_000);
            assertEquals("a (0:1)|red (0:2)|barn (0:3)|hill (1:1)",
                    page.eval("[...document.querySelectorAll('#inside-tokens button')].map(b => b.textContent).join('|')"));
            String first = (String) page.eval("document.getElementById('inside-image').src");
            page.eval("document.querySelectorAll('#inside-tokens button')[3].click(); 0");
            assertNotEquals(first, page.eval("document.getElementById('inside-image').src"), "another token, another map");
            assertEquals("attention map of \"hill\"", page.eval("document.getElementById('inside-image').alt"));
            waitFor(page, "document.getElementById('inside-image').complete && document.getElementById('inside-image').naturalWidth === 64", 10_000);
            page.eval("document.getElementById('inside-view').scrollIntoView(); 0");
            Map<String, Object> inside = page.call("Page.captureScreenshot", Map.of("format", "png"));
            Files.write(Golden.repoRoot().resolve("tools/target/web-ui-inside.png"), Base64.getDecoder().decode((String) inside.get("data")));
        }
    }

    private static void waitFor(DevToolsSession page, String condition, long millis) throws Exception {
        long deadline = System.currentTimeMillis() + millis;
        List<Object> seen = new ArrayList<>();
        while (System.currentTimeMillis() < deadline) {
            Object v = page.eval("!!(" + condition + ")");
            if (Boolean.TRUE.equals(v)) return;
            seen.add(v);
            Thread.sleep(50);
        }
        fail("timed out waiting for " + condition);
    }
}
