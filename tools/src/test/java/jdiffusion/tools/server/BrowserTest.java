package jdiffusion.tools.server;

import jdiffusion.tensor.testing.Golden;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
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
 * The web page in headless Chromium: fill the form (also by pasting generation data, clip skip included), generate with
 * the tiny model, watch the progress bar move and the image arrive in the gallery; img2img and inpaint with a mask
 * painted with the mouse; signing in with --api-auth. Screenshots go to {@code tools/target/web-ui*.png}.
 * Skips where Chromium is not installed, except in CI ({@code CI=true}), where it must run.
 */
class BrowserTest {
    @TempDir Path dir;

    /** The browser: {@code -Djsd.test.chromium=PATH} (empty: none, as CI's no-browser check sets it), else a system one. */
    static Path chromium() {
        String given = System.getProperty("jsd.test.chromium");
        if (given != null) return given.isBlank() ? null : Path.of(given);
        for (String p : List.of("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"))
            if (Files.isExecutable(Path.of(p))) return Path.of(p);
        return null;
    }

    @Test
    void pageFillsFromPastedDataGeneratesWithAMovingProgressBarAndShowsTheImage() throws Exception {
        Path chromium = chromiumOrSkip();
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
                    + "Steps: " + steps + ", Sampler: Euler a, Schedule type: Karras, CFG scale: 6.5, Seed: 42, Size: 64x64, Model: tiny, "
                    + "Clip skip: 2, Hires upscale: 2";
            page.eval("document.getElementById('paste-box').open = true; document.getElementById('paste').value = \"" + infotext + "\";"
                    + "document.getElementById('paste-apply').click(); 0");
            assertEquals("a lighthouse at dusk, (watercolor:1.2)|fog|" + steps + "|Euler a|Karras|6.5|42|64|64|tiny.safetensors",
                    page.eval("['prompt','negative','steps','sampler','scheduler','cfg','seed','width','height','model']"
                            + ".map(id => document.getElementById(id).value).join('|').replace(/ \\[[0-9a-f]+]$/, '')"));
            assertEquals("2", page.eval("document.getElementById('clip_skip').value"), "the pasted clip skip is in the form");
            assertEquals("not applied (jsd does not support them): Hires upscale", page.eval("document.getElementById('paste-note').textContent"));

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
            assertTrue(caption.contains(", Clip skip: 2"), "the pasted clip skip was sent with Generate: " + caption);
            assertTrue(progress.size() >= 2, "the progress bar moved through several values: " + progress);
            assertTrue(previewSeen, "a live preview was shown while sampling");
            assertEquals("", page.eval("document.getElementById('error').textContent"));

            Map<String, Object> shot = page.call("Page.captureScreenshot", Map.of("format", "png"));
            Path out = Golden.repoRoot().resolve("tools/target/web-ui.png");
            Files.createDirectories(out.getParent());
            Files.write(out, Base64.getDecoder().decode((String) shot.get("data")));
            assertTrue(Files.size(out) > 10_000);
        }
    }

    static Path chromiumOrSkip() {
        Path chromium = chromium();
        if (chromium == null) {
            if ("true".equalsIgnoreCase(System.getenv("CI"))) fail("CI=true but chromium is not installed (.ci/run installs it)");
            assumeTrue(false, "chromium is not installed");
        }
        return chromium;
    }

    /** The page's img2img and inpaint: an init image from the file input, a mask painted with the mouse, invert and clear. */
    @Test
    void img2imgAndInpaintWithAMaskPaintedOnTheInitImage() throws Exception {
        Path chromium = chromiumOrSkip();
        BufferedImage init = new BufferedImage(64, 64, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 64; y++) for (int x = 0; x < 64; x++) init.setRGB(x, y, (x * 4) << 16 | (y * 4) << 8 | 128);
        Path initFile = dir.resolve("init.png");
        ImageIO.write(init, "png", initFile.toFile());
        try (TinyServer s = TinyServer.start(dir.resolve("webui"), 4, null);
             DevToolsSession page = DevToolsSession.launch(chromium, Files.createDirectories(dir.resolve("profile")))) {
            page.call("Page.navigate", Map.of("url", s.server.uri().toString()));
            waitFor(page, "document.readyState === 'complete' && document.getElementById('status').textContent === 'ready'", 60_000);
            page.eval("const set = (id, v) => document.getElementById(id).value = v; set('prompt', 'a wall'); set('steps', 4); set('width', 64);"
                    + "set('height', 64); set('seed', 11); set('sampler', 'Euler'); set('scheduler', 'Automatic'); set('denoise', 0.5);"
                    + "document.querySelector('.tab[data-mode=img2img]').click(); 0");
            assertEquals(false, page.eval("document.getElementById('init-box').hidden"));
            assertEquals(true, page.eval("document.getElementById('mask-tools').hidden"), "no mask tools in img2img");

            Map<String, Object> doc = page.call("DOM.getDocument", Map.of());
            long root = (Long) ((Map<?, ?>) doc.get("root")).get("nodeId");
            long input = (Long) page.call("DOM.querySelector", Map.of("nodeId", root, "selector", "#init-file")).get("nodeId");
            page.call("DOM.setFileInputFiles", Map.of("nodeId", input, "files", List.of(initFile.toString())));
            waitFor(page, "document.getElementById('init-image').naturalWidth === 64 && document.getElementById('mask-canvas').width === 64", 10_000);

            page.eval("document.getElementById('generate').click(); 0");
            waitFor(page, "document.querySelectorAll('#gallery img').length === 1", 120_000);
            assertEquals("", page.eval("document.getElementById('error').textContent"));
            String caption = (String) page.eval("document.querySelector('#gallery figcaption').textContent");
            assertTrue(caption.startsWith("a wall\n") && caption.contains("Denoising strength: 0.5") && !caption.contains("Mask blur"), caption);

            // inpaint: nothing painted is an error before any request
            page.eval("document.querySelector('.tab[data-mode=inpaint]').click(); document.getElementById('generate').click(); 0");
            assertTrue(((String) page.eval("document.getElementById('error').textContent")).contains("paint the area"));

            // paint the right half with the mouse (a 64 px brush on the canvas shown at its size)
            String[] rect = ((String) page.eval("(() => { const r = document.getElementById('mask-canvas').getBoundingClientRect();"
                    + "return [r.left, r.top, r.width, r.height].join(','); })()")).split(",");
            double left = Double.parseDouble(rect[0]), top = Double.parseDouble(rect[1]), w = Double.parseDouble(rect[2]), h = Double.parseDouble(rect[3]);
            assertTrue(w >= 64 && h >= 64, "the painter is shown: " + String.join(",", rect));
            page.eval("document.getElementById('brush').value = " + (int) Math.ceil(w / 4) + "; 0");
            mouse(page, "mousePressed", left + w * 0.8, top + 2);
            for (int i = 1; i <= 8; i++) mouse(page, "mouseMoved", left + w * 0.8, top + h * i / 8.0);
            mouse(page, "mouseReleased", left + w * 0.8, top + h - 1);
            String alpha = "(x, y) => document.getElementById('mask-canvas').getContext('2d').getImageData(x, y, 1, 1).data[3]";
            assertEquals("255,0", page.eval("[(" + alpha + ")(52, 32), (" + alpha + ")(8, 32)].join(',')"), "painted right, not left");
            page.eval("document.getElementById('mask-invert').click(); 0");
            assertEquals("0,255", page.eval("[(" + alpha + ")(52, 32), (" + alpha + ")(8, 32)].join(',')"), "inverted");
            page.eval("document.getElementById('mask-invert').click(); document.getElementById('mask_blur').value = 0; 0");

            page.eval("document.getElementById('generate').click(); 0");
            waitFor(page, "document.querySelectorAll('#gallery img').length === 2", 120_000);
            assertEquals("", page.eval("document.getElementById('error').textContent"));
            String second = (String) page.eval("document.querySelectorAll('#gallery figcaption')[1].textContent");
            assertTrue(second.contains("Mask blur: 0") && second.contains("Denoising strength: 0.5"), "the gallery keeps generation order: " + second);
            // the unpainted left side keeps the init image exactly; the painted side was regenerated
            waitFor(page, "document.querySelectorAll('#gallery img')[1].complete", 10_000);
            String px = (String) page.eval("(() => { const img = document.querySelectorAll('#gallery img')[1]; const c = document.createElement('canvas');"
                    + "c.width = 64; c.height = 64; const g = c.getContext('2d'); g.drawImage(img, 0, 0);"
                    + "return [...g.getImageData(3, 5, 1, 1).data.slice(0, 3), ...g.getImageData(56, 32, 1, 1).data.slice(0, 3)].join(','); })()");
            assertTrue(px.startsWith("12,20,128,"), "left side is the init image: " + px);
            assertNotEquals("224,128,128", px.substring(px.indexOf(',', px.indexOf(',', px.indexOf(',') + 1) + 1) + 1), "right side was inpainted");

            Map<String, Object> shot = page.call("Page.captureScreenshot", Map.of("format", "png"));
            Path out = Golden.repoRoot().resolve("tools/target/web-ui-inpaint.png");
            Files.createDirectories(out.getParent());
            Files.write(out, Base64.getDecoder().decode((String) shot.get("data")));

            page.eval("document.getElementById('mask-clear').click(); 0");
            assertEquals("0,0", page.eval("[(" + alpha + ")(52, 32), (" + alpha + ")(8, 32)].join(',')"), "cleared");
        }
    }

    /** With --api-auth the page asks for the credentials in its own form (no browser dialog) and then works. */
    @Test
    void withApiAuthThePageSignsInThroughItsOwnForm() throws Exception {
        Path chromium = chromiumOrSkip();
        try (TinyServer s = TinyServer.start(dir.resolve("webui"), 4, "alice:s3cret");
             DevToolsSession page = DevToolsSession.launch(chromium, Files.createDirectories(dir.resolve("profile")))) {
            page.call("Page.navigate", Map.of("url", s.server.uri().toString()));
            waitFor(page, "document.readyState === 'complete' && !document.getElementById('login').hidden", 30_000);
            assertEquals(true, page.eval("document.getElementById('app').hidden"));
            page.eval("document.getElementById('login-user').value = 'alice'; document.getElementById('login-password').value = 'wrong';"
                    + "document.getElementById('login-submit').click(); 0");
            waitFor(page, "document.getElementById('login-error').textContent.includes('wrong user name or password')", 10_000);
            page.eval("document.getElementById('login-password').value = 's3cret'; document.getElementById('login-submit').click(); 0");
            waitFor(page, "document.getElementById('status').textContent === 'ready' && !document.getElementById('app').hidden", 30_000);
            assertEquals(true, page.eval("document.getElementById('login').hidden"));
            assertTrue((Long) page.eval("document.getElementById('model').options.length") >= 2, "the API answered with the credentials");
        }
    }

    private static void mouse(DevToolsSession page, String type, double x, double y) throws Exception {
        Map<String, Object> e = new java.util.LinkedHashMap<>();
        e.put("type", type);
        e.put("x", x);
        e.put("y", y);
        e.put("button", "left");
        e.put("buttons", type.equals("mouseReleased") ? 0L : 1L);
        e.put("clickCount", 1L);
        page.call("Input.dispatchMouseEvent", e);
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
