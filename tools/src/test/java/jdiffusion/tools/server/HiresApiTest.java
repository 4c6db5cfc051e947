package jdiffusion.tools.server;

import jdiffusion.sd.image.Png;
import jdiffusion.tensor.json.Json;
import jdiffusion.tensor.testing.Golden;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hires fix and the Extras routes over HTTP: {@code enable_hr} + {@code hr_*} of the golden cases' API bodies (the
 * latent-upscaler cases reproduce the WebUI's image within ±2; the pixel-upscaler ones depend on an unseeded VAE
 * sample, so they are checked for size and infotext), {@code upscalers}, {@code latent-upscale-modes},
 * {@code extra-single-image}, {@code extra-batch-images}, and the ESRGAN_tile options.
 */
class HiresApiTest {
    @TempDir static Path dir;
    static TinyServer s;

    @BeforeAll static void start() throws Exception {
        Path esrgan = Files.createDirectories(dir.resolve("models/ESRGAN"));
        Files.copy(Golden.model("upscale/tiny-esrgan-old-4x.pth"), esrgan.resolve("tiny-esrgan-old-4x.pth"));
        Files.createDirectories(dir.resolve("models/SwinIR"));
        Files.writeString(dir.resolve("models/SwinIR/SwinIR_4x.pth"), "x");
        s = TinyServer.start(dir, 4, null);
    }

    @AfterAll static void stop() { if (s != null) s.close(); }

    static BufferedImage decode(Object base64) throws Exception {
        return ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode((String) base64)));
    }

    @Test
    @SuppressWarnings("unchecked")
    void goldenApiBodiesRunTheHiresFix() throws Exception {
        for (String name : Golden.caseNames("upscale/index_hires.json")) {
            Map<String, Object> json = Json.parseObject(Files.readString(Golden.file("upscale/" + name + ".json")));
            Map<String, Object> body = new LinkedHashMap<>((Map<String, Object>) json.get("api_txt2img_request"));
            Map<String, Object> overrides = new LinkedHashMap<>((Map<String, Object>) body.get("override_settings"));
            overrides.put("sd_model_checkpoint", "tiny");
            body.put("override_settings", overrides);
            TinyServer.Reply r = s.post("/sdapi/v1/txt2img", body);
            assertEquals(200, r.status(), name + ": " + r.text());
            BufferedImage img = decode(((List<Object>) r.json().get("images")).getFirst());
            Map<String, Object> hires = (Map<String, Object>) json.get("hires");
            List<Number> target = (List<Number>) hires.get("target_wh");
            assertEquals(target.get(0).intValue(), img.getWidth(), name);
            assertEquals(target.get(1).intValue(), img.getHeight(), name);
            String info = (String) ((List<Object>) Json.parseObject((String) r.json().get("info")).get("infotexts")).getFirst();
            String want = (String) json.get("infotext");
            String hiresPart = want.substring(want.indexOf("Denoising strength"), want.indexOf(", Version"));
            assertTrue(info.replace(".0,", ",").contains(hiresPart.replace(".0,", ",")), name + ": " + info + " lacks " + hiresPart);
            if (!((String) body.get("hr_upscaler")).startsWith("Latent")) continue; // the WebUI's unseeded VAE sample decides the rest
            try (var c = Golden.open("upscale/" + name)) {
                float[] expected = c.floats("image_uint8");
                int worst = 0;
                for (int y = 0; y < img.getHeight(); y++)
                    for (int x = 0; x < img.getWidth(); x++) {
                        int rgb = img.getRGB(x, y), i = (y * img.getWidth() + x) * 3;
                        worst = Math.max(worst, Math.abs((int) expected[i] - (rgb >> 16 & 0xff)));
                        worst = Math.max(worst, Math.abs((int) expected[i + 1] - (rgb >> 8 & 0xff)));
                        worst = Math.max(worst, Math.abs((int) expected[i + 2] - (rgb & 0xff)));
                    }
                assertTrue(worst <= 2, name + ": the API image differs from the WebUI's by up to " + worst);
            }
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void upscalersModesAndExtrasRoutesAnswerAsTheWebUi() throws Exception {
        List<Object> ups = s.get("/sdapi/v1/upscalers").list();
        List<Object> names = ups.stream().map(u -> ((Map<String, Object>) u).get("name")).toList();
        assertEquals(List.of("None", "Lanczos", "Nearest", "tiny-esrgan-old-4x", "SwinIR_4x"), names);
        assertEquals(7, s.get("/sdapi/v1/latent-upscale-modes").list().size() + 1);
        assertEquals(Map.of("name", "Latent (nearest-exact)"), s.get("/sdapi/v1/latent-upscale-modes").list().getLast());

        BufferedImage in = new BufferedImage(20, 12, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 12; y++) for (int x = 0; x < 20; x++) in.setRGB(x, y, x * 12 << 16 | y * 20 << 8 | 99);
        java.io.ByteArrayOutputStream png = new java.io.ByteArrayOutputStream();
        ImageIO.write(in, "png", png);
        String b64 = Base64.getEncoder().encodeToString(png.toByteArray());
        TinyServer.Reply one = s.post("/sdapi/v1/extra-single-image", Map.of("image", b64, "upscaler_1", "tiny-esrgan-old-4x", "upscaling_resize", 2L,
                "upscaler_2", "Lanczos", "extras_upscaler_2_visibility", 0.5));
        assertEquals(200, one.status(), one.text());
        BufferedImage out = decode(one.json().get("image"));
        assertEquals(40, out.getWidth());
        assertEquals(24, out.getHeight());
        assertTrue(((String) one.json().get("html_info")).contains("Postprocess upscaler 2: Lanczos"), one.text());

        TinyServer.Reply batch = s.post("/sdapi/v1/extra-batch-images", Map.of("imageList", List.of(Map.of("data", b64, "name", "a.png"), Map.of("data", b64, "name", "b.png")),
                "upscaler_1", "Nearest", "resize_mode", 1L, "upscaling_resize_w", 32L, "upscaling_resize_h", 32L));
        assertEquals(200, batch.status(), batch.text());
        List<Object> images = (List<Object>) batch.json().get("images");
        assertEquals(2, images.size());
        assertEquals(32, decode(images.get(1)).getWidth());

        TinyServer.Reply swin = s.post("/sdapi/v1/extra-single-image", Map.of("image", b64, "upscaler_1", "SwinIR_4x"));
        assertEquals(422, swin.status(), swin.text());
        assertTrue(swin.text().contains("SwinIR"), swin.text());

        assertEquals(192L, s.get("/sdapi/v1/options").json().get("ESRGAN_tile"));
        assertEquals(200, s.post("/sdapi/v1/options", Map.of("ESRGAN_tile", 0L)).status());
        assertEquals(0L, s.get("/sdapi/v1/options").json().get("ESRGAN_tile"));
        assertEquals(200, s.post("/sdapi/v1/options", Map.of("ESRGAN_tile", 192L)).status());
        assertEquals(422, s.post("/sdapi/v1/txt2img", Map.of("enable_hr", true, "hr_upscaler", "4x-missing", "width", 16L, "height", 16L, "steps", 1L,
                "override_settings", Map.of("sd_model_checkpoint", "tiny"))).status());
    }
}
