package jdiffusion.tools.generate;

import jdiffusion.sd.image.InfoText;
import jdiffusion.tensor.testing.Golden;
import jdiffusion.tools.Captured;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static jdiffusion.tools.generate.GenerateCommandTest.infotext;
import static jdiffusion.tools.generate.GenerateCommandTest.jsd;
import static jdiffusion.tools.generate.GenerateCommandTest.model;
import static jdiffusion.tools.generate.GenerateCommandTest.pixels;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code jsd txt2img --hr-*}: the hires fix on the command line, its infotext, and --from-png reproducing it. */
class HiresCliTest {
    @TempDir Path dir;

    @Test
    void hiresRunWritesTheWebUiHiresInfotextAndFromPngReproducesIt() throws Exception {
        Path esrgan = Files.createDirectories(dir.resolve("webui/models/ESRGAN"));
        Files.copy(Golden.model("upscale/tiny-esrgan-old-4x.pth"), esrgan.resolve("tiny-esrgan-old-4x.pth"));
        Path first = dir.resolve("first.png"), again = dir.resolve("again.png");
        Captured a = jsd(model(), "txt2img", "--models-dir", dir.resolve("webui").toString(), "--prompt", "a knight", "--negative-prompt", "ugly",
                "--sampler", "Euler a", "--steps", "3", "--width", "24", "--height", "16", "--seed", "5",
                "--hr-upscaler", "tiny-esrgan-old-4x", "--hr-scale", "1.5", "--hr-second-pass-steps", "2", "--denoising-strength", "0.5",
                "--hr-prompt", "a knight, detailed", "--out", first.toString());
        assertEquals(0, a.status(), a.err());
        String info = infotext(first);
        assertTrue(info.contains("Size: 24x16"), info);
        assertTrue(info.contains("Denoising strength: 0.5, Hires prompt: \"a knight, detailed\", Hires upscale: 1.5, Hires steps: 2, Hires upscaler: tiny-esrgan-old-4x"), info);
        assertEquals(36 * 24, pixels(first).length);

        Captured b = jsd(model(), "txt2img", "--models-dir", dir.resolve("webui").toString(), "--from-png", first.toString(), "--out", again.toString());
        assertEquals(0, b.status(), b.err());
        assertTrue(!b.err().contains("Hires"), "hires keys are understood: " + b.err());
        assertArrayEquals(pixels(first), pixels(again));
        assertEquals(InfoText.parse(info).parameters(), InfoText.parse(infotext(again)).parameters());
    }

    @Test
    void anUnknownUpscalerIsOneLineNamingTheChoices() {
        Captured a = jsd(model(), "txt2img", "--prompt", "x", "--steps", "1", "--width", "16", "--height", "16", "--hr-upscaler", "4x-Nope",
                "--out", dir.resolve("x.png").toString());
        assertEquals(1, a.err().lines().filter(l -> l.startsWith("jsd:")).count(), a.err());
        assertTrue(!a.err().contains("sample"), "fails before sampling: " + a.err());
        assertTrue(a.err().contains("no upscaler named \"4x-Nope\"") && a.err().contains("Lanczos"), a.err());
    }
}
