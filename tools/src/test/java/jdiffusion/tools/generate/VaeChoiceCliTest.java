package jdiffusion.tools.generate;

import jdiffusion.sd.image.InfoText;
import jdiffusion.tensor.SafeTensors;
import jdiffusion.tensor.SafeTensorsWriter;
import jdiffusion.tensor.Tensor;
import jdiffusion.tensor.testing.Golden;
import jdiffusion.tools.Captured;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

import static jdiffusion.tools.generate.GenerateCommandTest.infotext;
import static jdiffusion.tools.generate.GenerateCommandTest.pixels;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

/** {@code --vae auto|none|NAME}: auto takes the sibling {@code <model>.vae.safetensors}, none the model's own, a name models/VAE's file. */
class VaeChoiceCliTest {
    @TempDir Path dir;

    Captured txt2img(Path model, Path out, String... vae) {
        java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("txt2img", "--model", model.toString(),
                "--tokenizer", Golden.model("clip-tokenizer-sd1").toString(), "--threads", "2", "--models-dir", dir.resolve("webui").toString(),
                "--prompt", "a boat", "--sampler", "Euler", "--steps", "2", "--width", "32", "--height", "32", "--seed", "3", "--out", out.toString()));
        args.addAll(Arrays.asList(vae));
        return Captured.run(args.toArray(String[]::new));
    }

    @Test
    void autoTakesTheSiblingVaeNoneTheModelsOwnAndANameTheFolders() throws Exception {
        Path model = dir.resolve("webui/models/Stable-diffusion/tiny.safetensors");
        Files.createDirectories(model.getParent());
        Files.createDirectories(dir.resolve("webui/models/VAE"));
        Files.copy(Golden.model("tiny-sd15.safetensors"), model);
        Files.copy(Golden.model("tiny-sd15.yaml"), model.resolveSibling("tiny.yaml"));
        // a stand-alone VAE (ldm names) that differs from the model's own in its last bias
        Map<String, Tensor> vae = new LinkedHashMap<>();
        try (SafeTensors f = SafeTensors.open(Golden.model("tiny-sd15.safetensors"))) {
            for (String n : f.names()) {
                if (!n.startsWith("first_stage_model.")) continue;
                float[] v = f.get(n).toFloatArray();
                if (n.endsWith("decoder.conv_out.bias")) for (int i = 0; i < v.length; i++) v[i] += 0.5f;
                vae.put(n.substring("first_stage_model.".length()), Tensor.of(v, f.get(n).shape()));
            }
        }
        SafeTensorsWriter.write(model.resolveSibling("tiny.vae.safetensors"), vae);
        Files.copy(model.resolveSibling("tiny.vae.safetensors"), dir.resolve("webui/models/VAE/bright.safetensors"));

        Path auto = dir.resolve("auto.png"), none = dir.resolve("none.png"), named = dir.resolve("named.png");
        assertEquals(0, txt2img(model, auto).status());
        Captured n = txt2img(Path.of("tiny"), none, "--vae", "none");
        assertEquals(0, n.status(), n.err());
        Captured b = txt2img(model, named, "--vae", "bright");
        assertEquals(0, b.status(), b.err());
        InfoText a = InfoText.parse(infotext(auto)), o = InfoText.parse(infotext(none)), v = InfoText.parse(infotext(named));
        assertEquals("tiny.vae.safetensors", a.get("VAE"), "the WebUI writes the file name");
        assertEquals(10, a.get("VAE hash").length());
        assertNull(o.get("VAE"));
        assertEquals("tiny", o.get("Model"), "--model by name from models/Stable-diffusion");
        assertEquals("bright.safetensors", v.get("VAE"));
        assertFalse(Arrays.equals(pixels(auto), pixels(none)), "the sibling VAE is used by default");
        assertArrayEquals(pixels(auto), pixels(named), "the same VAE by name");
    }
}
