package jdiffusion.tools.generate;

import jdiffusion.sd.image.InfoText;
import jdiffusion.tensor.SafeTensorsWriter;
import jdiffusion.tensor.Tensor;
import jdiffusion.tensor.ckpt.ModelHash;
import jdiffusion.tensor.testing.Golden;
import jdiffusion.tools.Captured;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static jdiffusion.tools.generate.GenerateCommandTest.infotext;
import static jdiffusion.tools.generate.GenerateCommandTest.pixels;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code jsd txt2img --models-dir WEBUI}: a WebUI folder holding a LoRA, an embedding, a hypernetwork and a wildcard file,
 * all used from one prompt, each changing the image, all recorded in the PNG's infotext, and the PNG reproducible.
 */
class ExtraNetworksCliTest {
    @TempDir Path dir;
    Path root;

    @BeforeEach
    void webUiFolder() throws Exception {
        root = dir.resolve("webui");
        Files.createDirectories(root.resolve("models/Lora/styles"));
        Files.createDirectories(root.resolve("models/hypernetworks"));
        Files.createDirectories(root.resolve("embeddings"));
        Files.createDirectories(root.resolve("wildcards"));
        Files.copy(Golden.file("lora/tiny-sd15_lora_locon.safetensors"), root.resolve("models/Lora/styles/inkstyle.safetensors"));
        Files.copy(Golden.file("embeddings/tinyemb.pt"), root.resolve("embeddings/tinyemb.pt"));
        Files.writeString(root.resolve("wildcards/color.txt"), "red\ngreen\nblue\n");
        // a WebUI hypernetwork for the tiny model's 32-wide contexts: [1, 2, 1], relu, in the safetensors form
        Random r = new Random(1);
        Map<String, Tensor> hn = new LinkedHashMap<>();
        for (int kv = 0; kv < 2; kv++) {
            hn.put("32." + kv + ".linear.0.weight", random(r, 0.3f, 64, 32));
            hn.put("32." + kv + ".linear.0.bias", random(r, 0.1f, 64));
            hn.put("32." + kv + ".linear.2.weight", random(r, 0.3f, 32, 64));
            hn.put("32." + kv + ".linear.2.bias", random(r, 0.1f, 32));
        }
        SafeTensorsWriter.write(root.resolve("models/hypernetworks/sketchy.safetensors"), hn,
                Map.of("layer_structure", "[1, 2, 1]", "activation_func", "\"relu\"", "activate_output", "false"), true);
    }

    static Tensor random(Random r, float scale, int... shape) {
        float[] v = new float[Math.toIntExact(Tensor.numel(shape))];
        for (int i = 0; i < v.length; i++) v[i] = (float) r.nextGaussian() * scale;
        return Tensor.of(v, shape);
    }

    Captured txt2img(String prompt, Path out, String... more) {
        List<String> args = new ArrayList<>(List.of("txt2img", "--model", Golden.model("tiny-sd15.safetensors").toString(),
                "--tokenizer", Golden.model("clip-tokenizer-sd1").toString(), "--threads", "2", "--models-dir", root.toString(),
                "--sampler", "Euler", "--steps", "3", "--width", "32", "--height", "32", "--seed", "5", "--out", out.toString()));
        if (prompt != null) args.addAll(List.of("--prompt", prompt, "--negative-prompt", "blurry"));
        args.addAll(Arrays.asList(more));
        return Captured.run(args.toArray(String[]::new));
    }

    static final String PROMPT = "a __color__ house by tinyemb <lora:inkstyle:0.8> <hypernet:sketchy:0.5>";

    @Test
    void oneRunUsesLoraEmbeddingHypernetworkAndWildcardAndRecordsThemInThePng() throws Exception {
        Path all = dir.resolve("all.png");
        Captured c = txt2img(PROMPT, all);
        assertEquals(0, c.status(), c.err());
        InfoText info = InfoText.parse(infotext(all));
        assertTrue(info.prompt().matches("a (red|green|blue) house by tinyemb <lora:inkstyle:0.8> <hypernet:sketchy:0.5>"), info.prompt());
        assertEquals(PROMPT, info.get("Wildcard prompt"));
        assertEquals("inkstyle: " + ModelHash.addNet(root.resolve("models/Lora/styles/inkstyle.safetensors")).substring(0, 12), info.get("Lora hashes"));
        assertEquals("tinyemb: " + ModelHash.sha256(root.resolve("embeddings/tinyemb.pt")).substring(0, 12), info.get("TI hashes"));
        assertEquals("sketchy", info.get("Hypernet"));
        assertEquals(ModelHash.sha256(root.resolve("models/hypernetworks/sketchy.safetensors")).substring(0, 10), info.get("Hypernet hash"));
        assertEquals("0.5", info.get("Hypernet strength"));

        // each network changes the image: leave one out at a time (the wildcard drawn stays the same: same seed)
        String color = info.prompt().split(" ")[1];
        for (String without : List.of(
                "a " + color + " house by tinyemb <hypernet:sketchy:0.5>",
                "a " + color + " house by someone <lora:inkstyle:0.8> <hypernet:sketchy:0.5>",
                "a " + color + " house by tinyemb <lora:inkstyle:0.8>")) {
            Path other = dir.resolve(Math.abs(without.hashCode()) + ".png");
            Captured o = txt2img(without, other);
            assertEquals(0, o.status(), o.err());
            assertFalse(Arrays.equals(pixels(all), pixels(other)), "leaving a network out changes the image: " + without);
        }

        Path again = dir.resolve("again.png");
        Captured b = txt2img(null, again, "--from-png", all.toString());
        assertEquals(0, b.status(), b.err());
        assertArrayEquals(pixels(all), pixels(again), "the PNG's infotext with the same folder reproduces the image");
        assertEquals(info.get("Lora hashes"), InfoText.parse(infotext(again)).get("Lora hashes"));
    }

    @Test
    void unknownNetworkNamesAreWarnedAboutAndTheRunGoesOn() throws Exception {
        Path out = dir.resolve("x.png");
        Captured c = txt2img("a house <lora:nosuch:0.5> <hypernet:nothere>", out);
        assertEquals(0, c.status(), c.err());
        assertTrue(c.err().contains("networks not found: nosuch, nothere"), c.err());
        assertEquals(null, InfoText.parse(infotext(out)).get("Lora hashes"));
    }

    @Test
    void tagsInTheNegativePromptAreTextAsInTheWebUi() throws Exception {
        Path out = dir.resolve("neg.png");
        Captured c = txt2img(null, out, "--prompt", "a house", "--negative-prompt", "<lora:inkstyle:1>");
        assertEquals(0, c.status(), c.err());
        InfoText info = InfoText.parse(infotext(out));
        assertEquals("<lora:inkstyle:1>", info.negativePrompt());
        assertEquals(null, info.get("Lora hashes"), "the WebUI activates networks from the positive prompt only");
    }

    @Test
    void aLoraForAnotherBaseStopsTheRunWithOneLine() throws Exception {
        SafeTensorsWriter.write(root.resolve("models/Lora/xl.safetensors"), Map.of(
                "lora_te1_text_model_encoder_layers_0_mlp_fc1.lora_down.weight", Tensor.zeros(4, 768),
                "lora_te1_text_model_encoder_layers_0_mlp_fc1.lora_up.weight", Tensor.zeros(3072, 4)));
        Captured c = txt2img("a house <lora:xl:1>", dir.resolve("y.png"));
        assertEquals(1, c.status(), c.err());
        assertTrue(c.err().contains("xl.safetensors") && c.err().contains("tiny-sd15") && c.err().contains("SDXL"), c.err());
        assertEquals(1, c.err().strip().lines().filter(l -> l.startsWith("jsd")).count(), c.err());
    }
}
