package jdiffusion.tools.generate;

import jdiffusion.sd.image.InfoText;
import jdiffusion.tensor.testing.Golden;
import jdiffusion.tools.Captured;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static jdiffusion.tools.generate.GenerateCommandTest.infotext;
import static jdiffusion.tools.generate.GenerateCommandTest.pixels;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code --controlnet}: golden/controlnet/webui_cn_two_units_euler_a_48x40 from the command line (model by the name the
 * extension shows, from models/ControlNet), its infotext, and the run repeated from the PNG with the unit images given again.
 */
class ControlNetCliTest {
    @TempDir Path dir;

    static final String CASE = "controlnet/webui_cn_two_units_euler_a_48x40";

    Captured jsd(String... extra) {
        List<String> args = new ArrayList<>(List.of("txt2img", "--model", Golden.model("tiny-sd15.safetensors").toString(),
                "--models-dir", dir.resolve("webui").toString(), "--threads", "2"));
        args.addAll(List.of(extra));
        return Captured.run(args.toArray(String[]::new));
    }

    @Test
    void twoUnitsFromTheCommandLineMatchTheExtensionAndRepeatFromThePng() throws Exception {
        Path cn = dir.resolve("webui/models/ControlNet/tiny-controlnet-sd15.safetensors");
        Files.createDirectories(cn.getParent());
        Files.copy(Golden.model("tiny-controlnet-sd15.safetensors"), cn);
        String unit0 = Golden.file(CASE + "_unit0_input.png").toString(), unit1 = Golden.file(CASE + "_unit1_input.png").toString();
        Path out = dir.resolve("cn.png"), again = dir.resolve("again.png");
        Captured a = jsd("--prompt", "a bowl of fruit on a table", "--negative-prompt", "ugly", "--sampler", "Euler a", "--steps", "8",
                "--cfg-scale", "7", "--width", "48", "--height", "40", "--seed", "777", "--out", out.toString(),
                "--controlnet", "model=tiny-controlnet-sd15 [c4277bb3],image=" + unit0 + ",module=canny,weight=0.7,resize=just,res=64,low=100,high=200",
                "--controlnet", "model=tiny-controlnet-sd15,image=" + unit1 + ",module=invert,weight=0.5,resize=crop,end=0.5,mode=prompt");
        assertEquals(0, a.status(), a.err());
        try (var c = Golden.open(CASE)) {
            float[] expected = c.floats("image_uint8");
            int[] got = pixels(out);
            int worst = 0;
            for (int p = 0; p < got.length; p++)
                for (int ch = 0; ch < 3; ch++) worst = Math.max(worst, Math.abs((int) expected[p * 3 + ch] - ((got[p] >> (16 - 8 * ch)) & 0xff)));
            assertTrue(worst <= 2, "uint8 image differs by up to " + worst);
        }
        InfoText info = InfoText.parse(infotext(out));
        assertEquals("Module: canny, Model: tiny-controlnet-sd15 [c4277bb3], Weight: 0.7, Resize Mode: Just Resize, Processor Res: 64, "
                + "Threshold A: 100.0, Threshold B: 200.0, Guidance Start: 0.0, Guidance End: 1.0, Pixel Perfect: False, Control Mode: Balanced, "
                + "Hr Option: Both", info.get("ControlNet 0"));
        assertTrue(info.get("ControlNet 1").startsWith("Module: invert, Model: tiny-controlnet-sd15 [c4277bb3], Weight: 0.5, Resize Mode: Crop and Resize"),
                info.get("ControlNet 1"));

        Captured missing = jsd("--from-png", out.toString(), "--out", again.toString());
        assertNotEquals(0, missing.status());
        assertTrue(missing.err().contains("--controlnet-image"), missing.err());
        Captured b = jsd("--from-png", out.toString(), "--out", again.toString(), "--controlnet-image", unit0, "--controlnet-image", unit1);
        assertEquals(0, b.status(), b.err());
        assertArrayEquals(pixels(out), pixels(again));
        assertEquals(info.get("ControlNet 1"), InfoText.parse(infotext(again)).get("ControlNet 1"));
    }

    static String lastLine(Captured c) { return c.err().strip().lines().reduce((x, y) -> y).orElse(""); }

    @Test
    void detectorModulesAndUnknownModelsAreRefusedInOneLine() throws Exception {
        Files.createDirectories(dir.resolve("webui/models/ControlNet"));
        Captured a = jsd("--prompt", "x", "--steps", "1", "--width", "32", "--height", "32", "--out", dir.resolve("x.png").toString(),
                "--controlnet", "model=nothing,image=" + Golden.file(CASE + "_unit0_input.png") + ",module=openpose");
        assertNotEquals(0, a.status());
        assertTrue(lastLine(a).contains("openpose") && lastLine(a).contains("module=none") && !a.err().contains("\tat "), a.err());
        Captured b = jsd("--prompt", "x", "--steps", "1", "--width", "32", "--height", "32", "--out", dir.resolve("y.png").toString(),
                "--controlnet", "model=nothing,image=" + Golden.file(CASE + "_unit0_input.png") + ",module=canny");
        assertNotEquals(0, b.status());
        assertTrue(lastLine(b).contains("ControlNet model \"nothing\" not found") && !b.err().contains("\tat "), b.err());
    }
}
