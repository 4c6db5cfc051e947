package jdiffusion.tools.generate;

import jdiffusion.tools.Captured;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static jdiffusion.tools.generate.GenerateCommandTest.jsd;
import static jdiffusion.tools.generate.GenerateCommandTest.model;
import static jdiffusion.tools.generate.GenerateCommandTest.pixels;
import static org.junit.jupiter.api.Assertions.*;

/** {@code --save-steps}: per-step latent previews and decoded x0, the contact sheet and the animation. */
class SaveStepsTest {
    @TempDir Path dir;

    @Test
    void everyStepIsWrittenAndTheLastX0IsTheImageEulerEndsOn() throws Exception {
        Path out = dir.resolve("image.png"), steps = dir.resolve("steps");
        Captured c = jsd(model(), "txt2img", "--prompt", "a red cottage", "--sampler", "Euler", "--steps", "3", "--width", "64", "--height", "48",
                "--seed", "7", "--out", out.toString(), "--save-steps", steps.toString());
        assertEquals(0, c.status(), c.err());
        assertTrue(c.err().contains("wrote 3 steps of the first image to " + steps), c.err());
        for (int i = 1; i <= 3; i++) {
            BufferedImage latent = ImageIO.read(steps.resolve("step-0" + i + "-latent.png").toFile());
            BufferedImage x0 = ImageIO.read(steps.resolve("step-0" + i + "-x0.png").toFile());
            assertEquals(32, latent.getWidth(), "latent resolution (the tiny VAE halves)");
            assertEquals(64, x0.getWidth());
            assertEquals(48, x0.getHeight());
        }
        // Euler's last step moves x to its denoised prediction, so the last x0 decodes to the image itself
        assertArrayEquals(pixels(out), pixels(steps.resolve("step-03-x0.png")));
        assertNotNull(ImageIO.read(steps.resolve("contact-sheet.png").toFile()));
        try (ImageInputStream in = ImageIO.createImageInputStream(steps.resolve("steps.gif").toFile())) {
            ImageReader r = ImageIO.getImageReadersByFormatName("gif").next();
            r.setInput(in);
            assertEquals(3, r.getNumImages(true), "one frame per step");
            String tree = String.valueOf(r.getStreamMetadata());
            assertNotNull(tree);
        }
        assertTrue(new String(Files.readAllBytes(steps.resolve("steps.gif")), java.nio.charset.StandardCharsets.ISO_8859_1).contains("NETSCAPE2.0"),
                "the loop extension");
    }

    @Test
    void aFolderThatHoldsFilesIsRefusedBeforeAnythingRuns() throws Exception {
        Path steps = Files.createDirectories(dir.resolve("steps"));
        Files.writeString(steps.resolve("mine.txt"), "keep me");
        Captured c = jsd(model(), "txt2img", "--prompt", "x", "--steps", "2", "--width", "64", "--height", "64", "--outdir", dir.resolve("o").toString(),
                "--save-steps", steps.toString());
        assertEquals(1, c.status());
        assertEquals(1, c.err().strip().lines().count(), c.err());
        assertTrue(c.err().contains("is not empty"), c.err());
        assertEquals(List.of(steps.resolve("mine.txt")), Files.list(steps).toList());
        assertFalse(Files.exists(dir.resolve("o")), "nothing generated");
    }
}
