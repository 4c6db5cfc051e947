package jdiffusion.tools.generate;

import jdiffusion.sd.image.InfoText;
import jdiffusion.tensor.testing.Golden;
import jdiffusion.tools.Captured;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code jsd txt2img} on the tiny SDXL base with {@code --refiner}: the WebUI golden's image from its cli block, and the infotext. */
class SdxlCliTest {
    @TempDir Path dir;

    @Test
    @SuppressWarnings("unchecked")
    void refinerFlagsReproduceTheWebUiRefinerSwitchImage() throws Exception {
        String name = "webui_sdxl_refiner_switch0.8_euler_a_48x32";
        Map<String, Object> cli;
        float[] expected;
        try (var c = Golden.open("sdxl/" + name)) {
            cli = (Map<String, Object>) c.json().get("cli");
            expected = c.floats("image_uint8");
        }
        Path out = dir.resolve("refined.png");
        Captured r = Captured.run("txt2img", "--model", Golden.model("tiny-sdxl.safetensors").toString(),
                "--refiner", Golden.model("tiny-sdxl-refiner.safetensors").toString(), "--refiner-switch-at", "0.8",
                "--prompt", (String) cli.get("prompt"), "--negative-prompt", (String) cli.get("negative_prompt"),
                "--sampler", (String) cli.get("sampler"), "--steps", String.valueOf(cli.get("steps")), "--cfg-scale", "7",
                "--width", "48", "--height", "32", "--seed", String.valueOf(cli.get("seed")), "--threads", "2", "--out", out.toString());
        assertEquals(0, r.status(), r.err());
        BufferedImage img = javax.imageio.ImageIO.read(out.toFile());
        int worst = 0;
        for (int y = 0; y < img.getHeight(); y++)
            for (int x = 0; x < img.getWidth(); x++) {
                int rgb = img.getRGB(x, y), at = (y * img.getWidth() + x) * 3;
                int[] px = {(rgb >> 16) & 0xff, (rgb >> 8) & 0xff, rgb & 0xff};
                for (int k = 0; k < 3; k++) worst = Math.max(worst, Math.abs(px[k] - (int) expected[at + k]));
            }
        assertTrue(worst <= 2, "uint8 image differs by up to " + worst);
        InfoText info = InfoText.parse(GenerateCommandTest.infotext(out));
        assertTrue(info.get("Refiner").startsWith("tiny-sdxl-refiner ["), info.format());
        assertEquals("0.8", info.get("Refiner switch at"));
        assertEquals("tiny-sdxl", info.get("Model"));
    }

    @Test
    void switchAtWithoutARefinerIsAUsageError() {
        Captured r = Captured.run("txt2img", "--model", Golden.model("tiny-sdxl.safetensors").toString(), "--prompt", "x",
                "--refiner-switch-at", "0.5", "--out", dir.resolve("x.png").toString());
        assertEquals(List.of(true), List.of(r.status() != 0 && r.err().contains("--refiner")), r.err());
    }
}
