package jdiffusion.sd.image;

import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class InfoTextTest {
    private static final String CIVITAI = """
            masterpiece, (best quality:1.2), 1girl, <lora:detail:0.6>
            city at night
            Negative prompt: (worst quality:1.4), lowres
            Steps: 20, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 7, Seed: 1, Size: 512x768, Model hash: 6ce0161689, Model: v1-5-pruned-emaonly, Lora hashes: "detail: 1234abcd", Version: v1.10.1""";

    @Test
    void parsesWebUiGenerationDataWithMultiLinePromptAndQuotedValues() {
        InfoText t = InfoText.parse(CIVITAI);
        assertEquals("masterpiece, (best quality:1.2), 1girl, <lora:detail:0.6>\ncity at night", t.prompt());
        assertEquals("(worst quality:1.4), lowres", t.negativePrompt());
        assertEquals("20", t.get("Steps"));
        assertEquals("DPM++ 2M", t.get("Sampler"));
        assertEquals("Karras", t.get("Schedule type"));
        assertEquals("512x768", t.get("Size"));
        assertEquals("detail: 1234abcd", t.get("Lora hashes"));
        assertEquals("v1.10.1", t.get("Version"));
    }

    @Test
    void formatQuotesValuesWithCommasOrColonsAndRoundTrips() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("Steps", "20");
        p.put("Sampler", "Euler a");
        p.put("Seed", "42");
        p.put("Lora hashes", "a: 1, b: 2");
        InfoText t = new InfoText("a cat", "", p);
        String s = t.format();
        assertEquals("a cat\nSteps: 20, Sampler: Euler a, Seed: 42, Lora hashes: \"a: 1, b: 2\"", s);
        assertEquals(t, InfoText.parse(s));
    }

    @Test
    void promptWithoutParameterLineIsAllPrompt() {
        InfoText t = InfoText.parse("just a prompt, with: a colon");
        assertEquals("just a prompt, with: a colon", t.prompt());
        assertTrue(t.parameters().isEmpty());
    }

    @Test
    void pngCarriesParametersChunkAndDecodes() throws Exception {
        byte[] rgb = new byte[5 * 3 * 3];
        for (int i = 0; i < rgb.length; i++) rgb[i] = (byte) (i * 17);
        byte[] png = Png.encode(rgb, 5, 3, Map.of("parameters", CIVITAI));
        assertEquals(CIVITAI, Png.readText(png, "x.png").get("parameters"));
        BufferedImage img = ImageIO.read(new ByteArrayInputStream(png));
        assertEquals(5, img.getWidth());
        int p = img.getRGB(4, 2), i = (2 * 5 + 4) * 3;
        assertEquals(rgb[i] & 0xff, (p >> 16) & 0xff);
        assertEquals(rgb[i + 1] & 0xff, (p >> 8) & 0xff);
        assertEquals(rgb[i + 2] & 0xff, p & 0xff);
    }

    @Test
    void nonLatinParametersGoToUtf8Chunk() {
        byte[] png = Png.encode(new byte[3], 1, 1, Map.of("parameters", "猫 🐱\nSteps: 1, Seed: 2, Sampler: Euler"));
        assertEquals("猫 🐱\nSteps: 1, Seed: 2, Sampler: Euler", Png.readText(png, "x.png").get("parameters"));
    }

    @Test
    void notAPngIsNamed() {
        ImageFormatException e = assertThrows(ImageFormatException.class, () -> Png.readText(new byte[]{1, 2, 3}, "cat.jpg"));
        assertTrue(e.getMessage().startsWith("cat.jpg"));
    }
}
