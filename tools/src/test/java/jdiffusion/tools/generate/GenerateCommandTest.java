package jdiffusion.tools.generate;

import jdiffusion.sd.image.InfoText;
import jdiffusion.sd.image.Png;
import jdiffusion.tensor.testing.Golden;
import jdiffusion.tools.Captured;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code jsd txt2img/img2img/inpaint} in-process on the tiny model: files, infotexts, reproduction, one-line errors. */
class GenerateCommandTest {
    @TempDir Path dir;

    static List<String> model() {
        return List.of("--model", Golden.model("tiny-sd15.safetensors").toString(),
                "--tokenizer", Golden.model("clip-tokenizer-sd1").toString(), "--threads", "2");
    }

    static Captured jsd(List<String> common, String... args) {
        List<String> all = new ArrayList<>();
        all.add(args[0]);
        all.addAll(common);
        all.addAll(Arrays.asList(args).subList(1, args.length));
        return Captured.run(all.toArray(String[]::new));
    }

    static int[] pixels(Path png) throws Exception {
        BufferedImage img = ImageIO.read(png.toFile());
        return img.getRGB(0, 0, img.getWidth(), img.getHeight(), null, 0, img.getWidth());
    }

    static String infotext(Path png) throws Exception {
        return Png.readText(Files.readAllBytes(png), png.toString()).get("parameters");
    }

    @Test
    void txt2imgWritesAPngWhoseInfotextFedBackWithFromPngReproducesTheIdenticalImage() throws Exception {
        Path first = dir.resolve("first.png"), again = dir.resolve("again.png");
        Captured a = jsd(model(), "txt2img", "--prompt", "a (red:1.2) cottage, [forest:lake:2]", "--negative-prompt", "blurry",
                "--sampler", "Euler a", "--steps", "4", "--width", "64", "--height", "48", "--seed", "-1", "--cfg-scale", "6.5",
                "--out", first.toString());
        assertEquals(0, a.status(), a.err());
        assertEquals(first.toString(), a.out().strip());
        assertTrue(a.err().contains("(random)"), "the random seed is reported: " + a.err());
        String info = infotext(first);
        InfoText parsed = InfoText.parse(info);
        assertEquals("a (red:1.2) cottage, [forest:lake:2]", parsed.prompt());
        assertEquals("blurry", parsed.negativePrompt());
        assertEquals("4", parsed.get("Steps"));
        assertEquals("Euler a", parsed.get("Sampler"));
        assertEquals("Automatic", parsed.get("Schedule type"));
        assertEquals("6.5", parsed.get("CFG scale"));
        assertEquals("64x48", parsed.get("Size"));
        assertEquals("tiny-sd15", parsed.get("Model"));
        assertEquals(10, parsed.get("Model hash").length());
        assertTrue(info.contains("\nSteps: 4, Sampler: Euler a, Schedule type: Automatic, CFG scale: 6.5, Seed: "), info);

        Captured b = jsd(model(), "txt2img", "--from-png", first.toString(), "--out", again.toString());
        assertEquals(0, b.status(), b.err());
        assertFalse(b.err().contains("(random)"), "the seed comes from the infotext");
        assertArrayEquals(pixels(first), pixels(again));
        assertEquals(info, infotext(again));
    }

    static List<String> webUiCases() { return Golden.caseNames("webui/index.json"); }

    /** golden/webui: each case's cli block, passed as jsd options (model file only, nothing else), gives its image within +-2. */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.MethodSource("webUiCases")
    @SuppressWarnings("unchecked")
    void webUiGoldenCliBlocksReproduceTheirImages(String name) throws Exception {
        try (Golden.Case c = Golden.open("webui/" + name)) {
            java.util.Map<String, Object> cli = (java.util.Map<String, Object>) c.json().get("cli");
            Path out = dir.resolve(name + ".png");
            Captured r = Captured.run("txt2img", "--model", Golden.model("tiny-sd15.safetensors").toString(),
                    "--prompt", (String) cli.get("prompt"), "--negative-prompt", (String) cli.get("negative_prompt"),
                    "--sampler", (String) cli.get("sampler"), "--scheduler", (String) cli.get("schedule_type"),
                    "--steps", cli.get("steps").toString(), "--cfg-scale", cli.get("cfg_scale").toString(),
                    "--width", cli.get("width").toString(), "--height", cli.get("height").toString(),
                    "--seed", cli.get("seed").toString(), "--rng", ((String) cli.get("rng")).split("\\s+")[0],
                    "--clip-skip", cli.get("clip_skip").toString(), "--batch-size", cli.get("batch_size").toString(),
                    "--out", out.toString());
            assertEquals(0, r.status(), r.err());
            int[] px = pixels(out);
            float[] expected = c.floats("image_uint8");
            int worst = 0;
            for (int p = 0; p < px.length; p++)
                for (int ch = 0; ch < 3; ch++)
                    worst = Math.max(worst, Math.abs((int) expected[p * 3 + ch] - ((px[p] >> (16 - 8 * ch)) & 0xff)));
            assertTrue(worst <= 2, name + ": PNG differs from the WebUI image by up to " + worst);
        }
    }

    @Test
    void infotextTextWithUnknownKeysRunsAndReportsThem() throws Exception {
        Path out = dir.resolve("x.png");
        String text = "a castle\nNegative prompt: fog\nSteps: 3, Sampler: DPM++ 2M Karras, CFG scale: 5, Seed: 7, Size: 32x32, "
                + "Model hash: 0123456789, Hires upscale: 2, Clip skip: 2, RNG: CPU, ADetailer model: face_yolov8n.pt";
        Captured c = jsd(model(), "txt2img", "--infotext", text, "--out", out.toString());
        assertEquals(0, c.status(), c.err());
        assertTrue(c.err().contains("ignored infotext keys") && c.err().contains("ADetailer model"), c.err());
        assertFalse(c.err().contains("Hires upscale"), "txt2img runs the hires pass: " + c.err());
        InfoText info = InfoText.parse(infotext(out));
        assertEquals("DPM++ 2M", info.get("Sampler"));
        assertEquals("Karras", info.get("Schedule type"));
        assertEquals("7", info.get("Seed"));
        assertEquals("2", info.get("Clip skip"));
        assertEquals("CPU", info.get("RNG"));
        assertEquals("2", info.get("Hires upscale"), "the hires pass ran");
        assertEquals(null, info.get("ADetailer model"), "no ADetailer ran, so the output does not claim one");
        assertTrue(info.get("Version").startsWith("jsd "), info.get("Version"));
    }

    @Test
    void seedResizeAndEnsdReachTheInfotext() throws Exception {
        Path out = dir.resolve("r.png");
        Captured c = jsd(model(), "txt2img", "--prompt", "x", "--steps", "2", "--width", "32", "--height", "32", "--seed", "3",
                "--sampler", "Euler a", "--seed-resize-from", "48x40", "--ensd", "31337", "--out", out.toString());
        assertEquals(0, c.status(), c.err());
        InfoText info = InfoText.parse(infotext(out));
        assertEquals("48x40", info.get("Seed resize from"));
        assertEquals("31337", info.get("ENSD"));
    }

    @Test
    void outdirGetsWebUiNumberedNamesAndABatchUsesSeedPlusI() throws Exception {
        Captured c = jsd(model(), "txt2img", "--prompt", "x", "--steps", "2", "--width", "32", "--height", "32", "--seed", "41",
                "--batch-size", "2", "--outdir", dir.toString());
        assertEquals(0, c.status(), c.err());
        assertEquals(List.of(dir.resolve("00000-41.png").toString(), dir.resolve("00001-42.png").toString()), c.out().strip().lines().toList());
        assertEquals("42", InfoText.parse(infotext(dir.resolve("00001-42.png"))).get("Seed"));
        Captured d = jsd(model(), "txt2img", "--prompt", "x", "--steps", "1", "--width", "32", "--height", "32", "--seed", "5",
                "--outdir", dir.toString());
        assertEquals(dir.resolve("00002-5.png").toString(), d.out().strip());
    }

    @Test
    void img2imgAndInpaintRunFromImageFiles() throws Exception {
        Path init = dir.resolve("init.png"), mask = dir.resolve("mask.png");
        BufferedImage img = new BufferedImage(40, 40, BufferedImage.TYPE_INT_RGB), m = new BufferedImage(40, 40, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 40; y++)
            for (int x = 0; x < 40; x++) {
                img.setRGB(x, y, (x * 6) << 16 | (y * 6) << 8 | 128);
                m.setRGB(x, y, x > 20 ? 0xffffff : 0);
            }
        ImageIO.write(img, "png", init.toFile());
        ImageIO.write(m, "png", mask.toFile());
        Captured c = jsd(model(), "img2img", "--prompt", "x", "--steps", "4", "--width", "32", "--height", "32", "--seed", "3",
                "--init-image", init.toString(), "--denoising-strength", "0.5", "--resize-mode", "crop-and-resize", "--out", dir.resolve("i.png").toString());
        assertEquals(0, c.status(), c.err());
        assertEquals("0.5", InfoText.parse(infotext(dir.resolve("i.png"))).get("Denoising strength"));
        Captured d = jsd(model(), "inpaint", "--prompt", "x", "--steps", "4", "--width", "40", "--height", "40", "--seed", "3",
                "--init-image", init.toString(), "--mask", mask.toString(), "--out", dir.resolve("p.png").toString());
        assertEquals(0, d.status(), d.err());
        int[] px = pixels(dir.resolve("p.png"));
        assertEquals(img.getRGB(2, 2), px[2 * 40 + 2], "far from the mask the original pixels come back");
        assertEquals("4", InfoText.parse(infotext(dir.resolve("p.png"))).get("Mask blur"));
        Captured e = jsd(model(), "inpaint", "--prompt", "x", "--steps", "3", "--width", "32", "--height", "32", "--seed", "3",
                "--init-image", init.toString(), "--mask", mask.toString(), "--inpaint-area", "only-masked", "--inpaint-padding", "8",
                "--out", dir.resolve("m.png").toString());
        assertEquals(0, e.status(), e.err());
        BufferedImage onlyMasked = ImageIO.read(dir.resolve("m.png").toFile());
        assertEquals(40, onlyMasked.getWidth(), "an only-masked result has the init image's size");
        assertEquals("Only masked", InfoText.parse(infotext(dir.resolve("m.png"))).get("Inpaint area"));
    }

    @Test
    void previewEveryNStepsWritesALatentPreviewAndDdimRuns() throws Exception {
        Captured c = jsd(model(), "txt2img", "--prompt", "x", "--steps", "4", "--sampler", "DDIM", "--width", "32", "--height", "32",
                "--seed", "9", "--preview-every", "2", "--outdir", dir.toString());
        assertEquals(0, c.status(), c.err());
        BufferedImage preview = ImageIO.read(dir.resolve("preview.png").toFile());
        assertEquals(16, preview.getWidth(), "the cheap preview is at latent resolution");
        assertEquals("DDIM", InfoText.parse(infotext(dir.resolve("00000-9.png"))).get("Sampler"));
    }

    @Test
    void helpListsTheWebUiOptionNames() {
        Captured c = Captured.run("txt2img", "--help");
        assertEquals(0, c.status());
        for (String o : List.of("--prompt", "--negative-prompt", "--steps", "--sampler", "--scheduler", "--cfg-scale", "--seed", "--rng",
                "--clip-skip", "--width", "--height", "--batch-size", "--batch-count", "--model", "--vae", "--tokenizer", "--out",
                "--outdir", "--preview-every", "--from-png", "--infotext", "DDIM"))
            assertTrue(c.out().contains(o), o);
        assertTrue(Captured.run("inpaint", "--help").out().contains("--mask-blur"));
    }

    @Test
    void badInputIsOneClearLineAndANonZeroExit() throws Exception {
        Captured sampler = jsd(model(), "txt2img", "--prompt", "x", "--sampler", "Euler b");
        assertEquals(1, sampler.status());
        assertTrue(sampler.err().contains("unknown sampler 'Euler b'") && sampler.err().contains("DPM++ 2M"), sampler.err());
        assertEquals(1, sampler.err().strip().lines().count(), sampler.err());

        Captured size = jsd(model(), "txt2img", "--prompt", "x", "--width", "100");
        assertTrue(size.status() != 0 && size.err().contains("not a multiple of 8: use 96 or 104"), size.err());
        Captured odd = jsd(model(), "txt2img", "--prompt", "x", "--height", "61");
        assertTrue(odd.status() != 0 && odd.err().contains("height 61 is not a multiple of 8: use 64"), odd.err());

        Captured missing = jsd(List.of(), "txt2img", "--prompt", "x", "--model", dir.resolve("nope.safetensors").toString());
        assertTrue(missing.status() != 0 && missing.err().contains("nope.safetensors") && missing.err().strip().lines().count() == 1, missing.err());

        Captured noTokenizer = jsd(List.of(), "txt2img", "--prompt", "x", "--model", Golden.model("tiny-sd15.safetensors").toString(),
                "--tokenizer", dir.toString());
        assertTrue(noTokenizer.status() != 0 && noTokenizer.err().contains("tokenizer"), noTokenizer.err());

        Path exists = dir.resolve("exists.png");
        Files.writeString(exists, "x");
        Captured overwrite = jsd(model(), "txt2img", "--prompt", "x", "--out", exists.toString());
        assertTrue(overwrite.status() != 0 && overwrite.err().contains("never overwrites"), overwrite.err());
        assertEquals("x", Files.readString(exists));

        Captured image = jsd(model(), "img2img", "--prompt", "x", "--init-image", exists.toString(), "--width", "32", "--height", "32");
        assertTrue(image.status() != 0 && image.err().contains("not a readable image"), image.err());
    }
}
