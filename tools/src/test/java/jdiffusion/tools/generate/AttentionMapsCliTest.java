package jdiffusion.tools.generate;

import jdiffusion.sd.clip.ClipTokenizer;
import jdiffusion.sd.prompt.ChunkedPrompt;
import jdiffusion.sd.prompt.PromptChunker;
import jdiffusion.tensor.SafeTensors;
import jdiffusion.tensor.json.Json;
import jdiffusion.tensor.testing.Golden;
import jdiffusion.tools.Captured;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static jdiffusion.tools.generate.GenerateCommandTest.jsd;
import static jdiffusion.tools.generate.GenerateCommandTest.model;
import static org.junit.jupiter.api.Assertions.*;

/** {@code --attention-maps}: token listing by the WebUI's chunking, the files, layer/step selection, invariants, errors. */
class AttentionMapsCliTest {
    @TempDir Path dir;

    private static int calls(String err) {
        Matcher m = Pattern.compile("attention maps of (\\d+) layer call").matcher(err);
        assertTrue(m.find(), err);
        return Integer.parseInt(m.group(1));
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> tokens(Path maps) throws Exception {
        return (List<Map<String, Object>>) (List<?>) Json.parse(Files.readString(maps.resolve("tokens.json")));
    }

    @Test
    void tokensFollowTheWebUisChunkingAndTheMapsHoldEveryKey() throws Exception {
        Path maps = dir.resolve("maps");
        String prompt = "a (red:1.3) cottage BREAK [forest], lake <lora:none:1>";
        Captured c = jsd(model(), "txt2img", "--prompt", prompt, "--negative-prompt", "blurry", "--steps", "2", "--width", "64", "--height", "48",
                "--seed", "5", "--outdir", dir.resolve("out").toString(), "--attention-maps", maps.toString());
        assertEquals(0, c.status(), c.err());
        List<Map<String, Object>> tokens = tokens(maps);
        ClipTokenizer tok = ClipTokenizer.load(Golden.model("clip-tokenizer-sd1"));
        ChunkedPrompt chunked = new PromptChunker(tok).chunk("a (red:1.3) cottage BREAK [forest], lake ");
        assertEquals(2, chunked.chunks().size(), "BREAK starts a second window");
        assertEquals(List.of("a", "red", "cottage", "forest", ",", "lake"), tokens.stream().map(t -> t.get("token")).toList());
        assertEquals(List.of(0L, 0L, 0L, 1L, 1L, 1L), tokens.stream().map(t -> t.get("chunk")).toList());
        assertEquals(List.of(1L, 2L, 3L, 1L, 2L, 3L), tokens.stream().map(t -> t.get("index")).toList());
        assertEquals(List.of(1L, 2L, 3L, 78L, 79L, 80L), tokens.stream().map(t -> t.get("key")).toList());
        for (Map<String, Object> t : tokens) {
            int chunk = ((Long) t.get("chunk")).intValue(), index = ((Long) t.get("index")).intValue();
            assertEquals((long) chunked.chunks().get(chunk).tokens()[index], t.get("id"));
            assertEquals(chunked.chunks().get(chunk).multipliers()[index], (Double) t.get("weight"), 1e-12);
        }
        assertEquals(1.3, (Double) tokens.get(1).get("weight"), 1e-12);
        assertEquals(1 / 1.1, (Double) tokens.get(3).get("weight"), 1e-12);
        assertTrue(c.err().matches("(?s).*\n +1 +1 +78 +forest +0\\.909\n.*"), c.err());

        // the negative prompt has one window and so runs as its own batch: only the prompt's calls count (11 layers x 2 steps)
        int calls = calls(c.err());
        assertEquals(22, calls);
        try (SafeTensors st = SafeTensors.open(maps.resolve("maps.safetensors"))) {
            assertArrayEquals(new int[]{6, 48, 64}, st.get("maps").shape());
            assertArrayEquals(new int[]{154, 24, 32}, st.get("maps_latent").shape());
            assertArrayEquals(new float[]{1, 2, 3, 78, 79, 80}, st.get("token_keys").toFloatArray());
            float[] latent = st.get("maps_latent").toFloatArray();
            for (int pixel : new int[]{0, 17, 24 * 32 - 1}) {
                double sum = 0;
                for (int k = 0; k < 154; k++) sum += latent[k * 24 * 32 + pixel];
                assertEquals(calls * 8.0, sum, 1e-3 * calls, "per pixel, each call adds its heads' probabilities over the keys: 8 heads x 1");
            }
            assertArrayEquals(new int[]{154, 12, 16}, st.get("layer.down_blocks.1.attentions.0.transformer_blocks.0.attn2").shape());
            assertEquals("[\"a\",\"red\",\"cottage\",\"forest\",\",\",\"lake\"]", st.metadata().get("tokens"));
        }
        assertNotNull(ImageIO.read(maps.resolve("overview.png").toFile()));
        assertEquals(64, ImageIO.read(maps.resolve("01-c0-i02-red.png").toFile()).getWidth());
        assertTrue(Files.exists(maps.resolve("03-c1-i01-forest.png")));
    }

    @Test
    void layersAndStepsCanBeChosen() throws Exception {
        Path maps = dir.resolve("mid");
        Captured c = jsd(model(), "txt2img", "--prompt", "a cat", "--steps", "3", "--width", "64", "--height", "64", "--seed", "5",
                "--outdir", dir.resolve("out").toString(), "--attention-maps", maps.toString(), "--attention-layers", "mid,up_blocks.1.attentions.0",
                "--attention-steps", "2-3");
        assertEquals(0, c.status(), c.err());
        assertEquals(2 * 2, calls(c.err()), "two layers at two steps, prompt and negative prompt batched together");
        try (SafeTensors st = SafeTensors.open(maps.resolve("maps.safetensors"))) {
            assertEquals(List.of("layer.mid_block.attentions.0.transformer_blocks.0.attn2", "layer.up_blocks.1.attentions.0.transformer_blocks.0.attn2"),
                    st.names().stream().filter(n -> n.startsWith("layer.")).sorted().toList());
        }
    }

    @Test
    void badSelectionsAndUsedFoldersGetOneLine() throws Exception {
        for (List<String> extra : List.of(List.of("--attention-maps", dir.resolve("a").toString(), "--attention-layers", "sideways"),
                List.of("--attention-maps", dir.resolve("b").toString(), "--attention-steps", "0-3"),
                List.of("--attention-steps", "1"))) {
            String[] args = java.util.stream.Stream.concat(java.util.stream.Stream.of("txt2img", "--prompt", "x", "--steps", "2", "--width", "64",
                    "--height", "64", "--outdir", dir.resolve("o").toString()), extra.stream()).toArray(String[]::new);
            Captured c = jsd(model(), args);
            assertEquals(2, c.status(), extra + c.err());
            assertEquals(1, c.err().strip().lines().count(), c.err());
        }
        Path used = Files.createDirectories(dir.resolve("used"));
        Files.writeString(used.resolve("keep.png"), "mine");
        Captured c = jsd(model(), "txt2img", "--prompt", "x", "--steps", "2", "--width", "64", "--height", "64", "--outdir", dir.resolve("o").toString(),
                "--attention-maps", used.toString());
        assertEquals(1, c.status());
        assertTrue(c.err().contains("is not empty"), c.err());
        assertFalse(Files.exists(dir.resolve("o")));
    }
}
