package jdiffusion.tools.server;

import jdiffusion.tensor.json.Json;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import static jdiffusion.tools.server.SdApiTest.body;
import static org.junit.jupiter.api.Assertions.*;

/** The jsd extension field {@code jsd_attention_maps} of txt2img: absent unless asked for; when asked, a heat map per prompt token. */
class AttentionMapsApiTest {
    @TempDir static Path dir;
    static TinyServer s;

    @BeforeAll static void start() throws Exception { s = TinyServer.start(dir, 4, null); }

    @AfterAll static void stop() { if (s != null) s.close(); }

    @Test
    @SuppressWarnings("unchecked")
    void askedForTheReplyCarriesOneHeatMapPerPromptTokenAndWebUiClientsSeeNothingNew() throws Exception {
        TinyServer.Reply plain = s.post("/sdapi/v1/txt2img", body("prompt", "a red barn", "seed", 3L));
        assertEquals(200, plain.status(), plain.text());
        assertFalse(plain.json().containsKey("jsd_attention_maps"));

        TinyServer.Reply r = s.post("/sdapi/v1/txt2img", body("prompt", "a (red:1.2) barn BREAK hill", "seed", 3L, "jsd_attention_maps", true));
        assertEquals(200, r.status(), r.text());
        List<Map<String, Object>> maps = (List<Map<String, Object>>) (List<?>) r.json().get("jsd_attention_maps");
        assertEquals(List.of("a", "red", "barn", "hill"), maps.stream().map(m -> m.get("token")).toList());
        assertEquals(List.of(1L, 2L, 3L, 78L), maps.stream().map(m -> m.get("key")).toList());
        assertEquals(1.2, (Double) maps.get(1).get("weight"), 1e-12);
        BufferedImage img = ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode((String) maps.getFirst().get("image"))));
        assertEquals(64, img.getWidth());
        assertEquals(64, img.getHeight());
        assertNotNull(Json.write(r.json()));
    }
}
