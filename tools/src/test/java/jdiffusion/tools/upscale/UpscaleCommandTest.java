package jdiffusion.tools.upscale;

import jdiffusion.sd.image.Png;
import jdiffusion.tensor.testing.Golden;
import jdiffusion.tools.Captured;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code jsd upscale}: files and folders, model and Lanczos upscalers, sizes, blending, never overwriting, one-line errors. */
class UpscaleCommandTest {
    @TempDir Path dir;

    private Path image(String name, int w, int h) throws Exception {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) img.setRGB(x, y, (x * 37 + y * 11) % 256 << 16 | (x * y) % 256 << 8 | (255 - x * 5 % 256));
        Path p = dir.resolve(name);
        Files.createDirectories(p.getParent());
        ImageIO.write(img, "png", p.toFile());
        return p;
    }

    private static int[] size(Path png) throws Exception {
        BufferedImage img = ImageIO.read(png.toFile());
        return new int[] {img.getWidth(), img.getHeight()};
    }

    @Test
    void aFolderIsUpscaledByAModelFromTheModelsFolderIntoNewNumberedFiles() throws Exception {
        Path esrgan = Files.createDirectories(dir.resolve("webui/models/ESRGAN"));
        Files.copy(Golden.model("upscale/tiny-realesr-compact-x4.pth"), esrgan.resolve("4x-tiny.pth"));
        image("in/a.png", 20, 12);
        image("in/b.png", 9, 9);
        Path outDir = dir.resolve("out");
        Captured c = Captured.run("upscale", dir.resolve("in").toString(), "--upscaler", "4x-tiny", "--scale", "2",
                "--models-dir", dir.resolve("webui").toString(), "--outdir", outDir.toString(), "--threads", "2");
        assertEquals(0, c.status(), c.err());
        List<Path> written = c.out().lines().map(Path::of).toList();
        assertEquals(2, written.size());
        assertTrue(written.get(0).getFileName().toString().matches("00000-a\\.png"), written.toString());
        assertEquals(List.of(40, 24), List.of(size(written.get(0))[0], size(written.get(0))[1]));
        assertEquals(List.of(16, 16), List.of(size(written.get(1))[0], size(written.get(1))[1]), "9x9 x2 = 18, down to a multiple of 8");
        Map<String, String> text = Png.readText(Files.readAllBytes(written.get(0)), "a");
        assertEquals("Postprocess upscale by: 2, Postprocess upscaler: 4x-tiny", text.get("postprocessing"));

        Captured again = Captured.run("upscale", dir.resolve("in/a.png").toString(), "--upscaler", "Lanczos", "--width", "48", "--height", "16",
                "--upscaler-2", "Nearest", "--upscaler-2-visibility", "0.5", "--outdir", outDir.toString());
        assertEquals(0, again.status(), again.err());
        Path third = Path.of(again.out().strip());
        assertEquals("00002-a.png", third.getFileName().toString(), "the existing files are kept");
        assertEquals(List.of(48, 16), List.of(size(third)[0], size(third)[1]));
    }

    @Test
    void aSwinIrModelIsRefusedInOneLineNamingTheArchitecture() throws Exception {
        Files.createDirectories(dir.resolve("webui/models/SwinIR"));
        Files.writeString(dir.resolve("webui/models/SwinIR/SwinIR_4x.pth"), "x");
        Captured c = Captured.run("upscale", image("a.png", 8, 8).toString(), "--upscaler", "SwinIR_4x", "--models-dir", dir.resolve("webui").toString(),
                "--outdir", dir.resolve("o").toString());
        assertEquals(1, c.status());
        assertEquals(1, c.err().strip().lines().count(), c.err());
        assertTrue(c.err().contains("SwinIR model, an architecture jsd does not run yet"), c.err());
    }
}
