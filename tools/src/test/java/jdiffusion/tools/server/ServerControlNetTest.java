package jdiffusion.tools.server;

import jdiffusion.sd.image.Png;
import jdiffusion.tensor.testing.Golden;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static jdiffusion.tools.server.SdApiTest.images;
import static jdiffusion.tools.server.SdApiTest.pixels;
import static jdiffusion.tools.server.SdApiTest.png;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The extension's API: golden/controlnet/webui_cn_two_units_euler_a_48x40's own {@code txt2img_api_request}
 * ({@code alwayson_scripts.controlnet.args}) reproduces its image; {@code /controlnet/model_list}, {@code module_list},
 * {@code version} and {@code detect}.
 */
class ServerControlNetTest {
    @TempDir static Path dir;
    static TinyServer s;
    static final String CASE = "controlnet/webui_cn_two_units_euler_a_48x40";

    @BeforeAll
    static void start() throws Exception {
        s = TinyServer.start(dir, 4, null);
        Files.createDirectories(s.root.resolve("models/ControlNet"));
        Files.copy(Golden.model("tiny-controlnet-sd15.safetensors"), s.root.resolve("models/ControlNet/tiny-controlnet-sd15.safetensors"));
    }

    @AfterAll static void stop() { if (s != null) s.close(); }

    @Test
    @SuppressWarnings("unchecked")
    void theGoldenApiRequestReproducesTheExtensionsImage() throws Exception {
        try (Golden.Case c = Golden.open(CASE)) {
            Map<String, Object> body = new LinkedHashMap<>((Map<String, Object>) c.json().get("txt2img_api_request"));
            Map<String, Object> overrides = new LinkedHashMap<>((Map<String, Object>) body.get("override_settings"));
            overrides.put("sd_model_checkpoint", "tiny");
            body.put("override_settings", overrides);
            TinyServer.Reply r = s.post("/sdapi/v1/txt2img", body);
            assertEquals(200, r.status(), r.text());
            byte[] served = png(images(r).getFirst());
            int[] got = pixels(served);
            float[] expected = c.floats("image_uint8");
            int worst = 0;
            for (int p = 0; p < got.length; p++)
                for (int ch = 0; ch < 3; ch++) worst = Math.max(worst, Math.abs((int) expected[p * 3 + ch] - ((got[p] >> (16 - 8 * ch)) & 0xff)));
            assertTrue(worst <= 2, "uint8 image differs by up to " + worst);
            assertTrue(Png.readText(served, "served").get("parameters").contains("ControlNet 1: \"Module: invert, Model: tiny-controlnet-sd15 [c4277bb3]"));
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void listsVersionAndDetect() throws Exception {
        assertEquals(List.of("tiny-controlnet-sd15 [c4277bb3]"), s.get("/controlnet/model_list").json().get("model_list"));
        List<Object> modules = (List<Object>) s.get("/controlnet/module_list").json().get("module_list");
        assertTrue(modules.contains("canny") && modules.contains("openpose"), modules.toString());
        assertEquals(2L, ((Number) s.get("/controlnet/version").json().get("version")).longValue());
        String input = Base64.getEncoder().encodeToString(Files.readAllBytes(Golden.file(CASE + "_unit0_input.png")));
        TinyServer.Reply d = s.post("/controlnet/detect", Map.of("controlnet_module", "canny", "controlnet_input_images", List.of(input),
                "controlnet_processor_res", 64L, "controlnet_threshold_a", 100L, "controlnet_threshold_b", 200L));
        assertEquals(200, d.status(), d.text());
        int[] map = pixels(Base64.getDecoder().decode((String) ((List<Object>) d.json().get("images")).getFirst()));
        try (Golden.Case c = Golden.open(CASE)) {
            float[] expected = c.floats("unit0.detected_map_uint8");
            assertEquals(expected.length / 3, map.length);
            for (int p = 0; p < map.length; p++) assertEquals((int) expected[p * 3], (map[p] >> 16) & 0xff, "detected map pixel " + p);
        }
        TinyServer.Reply page = s.get("/"), script = s.get("/controlnet.js");
        assertTrue(page.text().contains("id=\"controlnet\"") && page.text().contains("controlnet.js"), "the page has the ControlNet units");
        assertEquals(200, script.status());
        assertTrue(script.text().contains("alwayson") || script.text().contains("controlnet/detect"), script.text());
        TinyServer.Reply bad = s.post("/controlnet/detect", Map.of("controlnet_module", "depth_midas", "controlnet_input_images", List.of(input)));
        assertEquals(400, bad.status());
        assertTrue(bad.text().contains("depth_midas"), bad.text());
    }
}
