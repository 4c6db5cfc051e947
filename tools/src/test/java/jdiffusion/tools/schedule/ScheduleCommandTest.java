package jdiffusion.tools.schedule;

import jdiffusion.tensor.SafeTensors;
import jdiffusion.tensor.json.Json;
import jdiffusion.tensor.testing.Golden;
import jdiffusion.tools.Captured;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class ScheduleCommandTest {
    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> json(String... args) {
        Captured c = Captured.run(args);
        assertEquals(0, c.status(), c.err());
        return (List<Map<String, Object>>) (List<?>) Json.parse(c.out());
    }

    @SuppressWarnings("unchecked")
    private static List<Object> values(Map<String, Object> m, String key) { return (List<Object>) m.get(key); }

    @Test
    void sigmasAndTimestepsAreTheOnesKDiffusionSamplesAt() {
        Map<String, Object> s = json("schedule", "--sampler", "DPM++ 2M", "--scheduler", "karras", "--steps", "20", "--json").getFirst();
        assertEquals("DPM++ 2M", s.get("sampler"));
        assertEquals("Karras", s.get("schedule"));
        try (SafeTensors g = SafeTensors.open(Golden.file("schedulers/kdiffusion_dpmpp_2m_karras_20steps.safetensors"))) {
            float[] sigmas = g.get("sigmas").toFloatArray();
            List<Object> ours = values(s, "sigmas"), t = values(s, "timesteps");
            assertEquals(sigmas.length, ours.size());
            for (int i = 0; i < sigmas.length; i++) assertEquals(sigmas[i], ((Double) ours.get(i)).floatValue(), 1e-6f * Math.max(1, sigmas[i]), "sigma " + i);
            for (int i = 0; i < 20; i++) {
                float expected = g.get(String.format("call%02d.t", i)).toFloatArray()[0];
                assertEquals(expected, ((Double) t.get(i)).floatValue(), 1e-3f, "timestep of call " + i);
            }
            assertNull(t.get(20), "the final sigma 0 is where sampling stops: no model call");
        }
    }

    @Test
    void severalScheduleTypesSideBySideAndAutomaticNamesWhatItMeans() {
        List<Map<String, Object>> all = json("schedule", "--sampler", "Euler a", "--scheduler", "automatic", "--scheduler", "karras",
                "--scheduler", "exponential", "--steps", "8", "--json");
        assertEquals(List.of("Automatic (Uniform)", "Karras", "Exponential"), all.stream().map(m -> m.get("schedule")).toList());
        for (Map<String, Object> m : all) assertEquals(9, values(m, "sigmas").size());
        Captured text = Captured.run("schedule", "--sampler", "Euler a", "--scheduler", "karras", "--scheduler", "uniform", "--steps", "4");
        assertEquals(0, text.status(), text.err());
        assertTrue(text.out().contains("Euler a / Karras"), text.out());
        assertTrue(text.out().matches("(?s).*\n +4 +0\\.000000 +- +0\\.000000 +-\n"), text.out());
    }

    @Test
    void timestepSamplersStepThroughWholeTimestepsHighestFirst() {
        Map<String, Object> s = json("schedule", "--sampler", "DDIM", "--steps", "10", "--json").getFirst();
        List<Object> t = values(s, "timesteps");
        assertEquals(901.0, t.getFirst());
        assertEquals(1.0, t.getLast());
        assertEquals(10, t.size());
    }

    @Test
    void aModelsOwnScheduleIsUsed() {
        List<Map<String, Object>> own = json("schedule", "--model", Golden.model("tiny-sd15.safetensors").toString(), "--steps", "5", "--json");
        List<Map<String, Object>> standard = json("schedule", "--steps", "5", "--json");
        assertEquals((Double) values(standard.getFirst(), "sigmas").getFirst(), (Double) values(own.getFirst(), "sigmas").getFirst(), 1e-5);
    }

    @Test
    void plotDrawsBothPanelsIntoOnePng(@TempDir Path dir) throws IOException {
        Path png = dir.resolve("s.png");
        Captured c = Captured.run("schedule", "--sampler", "Euler", "--scheduler", "karras", "--scheduler", "uniform", "--plot", png.toString());
        assertEquals(0, c.status(), c.err());
        BufferedImage img = ImageIO.read(png.toFile());
        assertTrue(img.getWidth() >= 2 * img.getHeight(), "two charts side by side");
    }

    @Test
    void badNamesGetOneLineListingTheValidOnes() {
        Captured s = Captured.run("schedule", "--sampler", "Eulr");
        assertEquals(1, s.status());
        assertTrue(s.err().contains("unknown sampler 'Eulr'") && s.err().contains("DPM++ 2M"), s.err());
        Captured t = Captured.run("schedule", "--scheduler", "karas");
        assertEquals(1, t.status());
        assertTrue(t.err().contains("unknown schedule type 'karas'") && t.err().contains("Karras"), t.err());
        Captured n = Captured.run("schedule", "--steps", "0");
        assertEquals(2, n.status());
        Captured m = Captured.run("schedule", "--model", "/nonexistent/model.safetensors");
        assertEquals(1, m.status());
        assertEquals(1, m.err().strip().lines().count(), m.err());
    }
}
