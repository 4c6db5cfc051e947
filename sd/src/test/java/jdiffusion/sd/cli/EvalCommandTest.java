package jdiffusion.sd.cli;

import jdiffusion.tensor.SafeTensors;
import jdiffusion.tensor.testing.Golden;
import jdiffusion.tensor.testing.TensorAssert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EvalCommandTest {
    private record Result(int status, String out, String err) {}

    private static Result eval(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int status = EvalCommand.run(List.of(args), new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** Runs a component on a golden case's inputs and compares every tensor the case expects, intermediates included. */
    private static void assertMatchesGolden(Path dir, String component, String model, String golden, int expectedTensors) {
        Path out = dir.resolve(component + ".safetensors");
        Path inputs = Golden.file(golden + ".safetensors");
        Result r = eval(component, "--model", Golden.model(model).toString(), "--inputs", inputs.toString(), "--out", out.toString(),
                "--dump-intermediates", "--repeat", "2");
        assertEquals(0, r.status, r.err);
        assertEquals(2, r.err.lines().filter(l -> l.matches(component + ": \\d+\\.\\d\\d s")).count(), r.err);
        try (SafeTensors written = SafeTensors.open(out); Golden.Case c = Golden.open(golden)) {
            assertEquals(expectedTensors, written.names().size(), written.names().toString());
            for (String name : written.names()) {
                assertTrue(c.has(name), name + " is not a golden tensor name");
                TensorAssert.assertClose(c.tensor(name), written.get(name), 1e-4, 0, component + " " + name);
            }
        }
    }

    @Test
    void clipEvalWritesConditioningPooledAndHiddenStatesUnderGoldenNames(@TempDir Path dir) {
        assertMatchesGolden(dir, "clip", "tiny-sd15.safetensors", "clip/tiny-sd15_clip_2", 3 + 4);
    }

    @Test
    void vaeDecodeEvalTakesPipelineLatentsFromADiffusersFolder(@TempDir Path dir) {
        assertMatchesGolden(dir, "vae-decode", "tiny-sd15", "vae/tiny-sd15_vae_decode", 1 + 5);
    }

    @Test
    void unetEvalWritesNoisePredictionAndBlockOutputs(@TempDir Path dir) {
        assertMatchesGolden(dir, "unet", "tiny-sd15.safetensors", "unet/tiny-sd15_unet_t_per_sample_fractional", 1 + 19);
    }

    /** SDXL: the vector from the golden's diffusers inputs text_embeds and time_ids; a 154-token context. */
    @Test
    void sdxlUnetEvalBuildsTheVectorFromTextEmbedsAndTimeIds(@TempDir Path dir) {
        assertMatchesGolden(dir, "unet", "tiny-sdxl.safetensors", "sdxl/tiny-sdxl_unet_ctx154_t500", 1 + 20);
    }

    @Test
    void badUsageExitsWith2AndMissingInputsWith1(@TempDir Path dir) {
        assertEquals(2, eval("clip", "--inputs", "x").status);
        assertEquals(2, eval("sampler", "--model", "m", "--inputs", "i", "--out", "o").status);
        Result wrongDevice = eval("clip", "--model", "m", "--inputs", "i", "--out", "o", "--device", "tpu");
        assertEquals(2, wrongDevice.status);
        assertTrue(wrongDevice.err.contains("tpu"), wrongDevice.err);
        Result missing = eval("vae-decode", "--model", Golden.model("tiny-sd15.safetensors").toString(),
                "--inputs", Golden.file("clip/tiny-sd15_clip_0.safetensors").toString(), "--out", dir.resolve("o.safetensors").toString());
        assertEquals(1, missing.status);
        assertTrue(missing.err.contains("\"latents\""), missing.err);
        Result noModel = eval("clip", "--model", dir.resolve("none.safetensors").toString(), "--inputs",
                Golden.file("clip/tiny-sd15_clip_0.safetensors").toString(), "--out", dir.resolve("o.safetensors").toString());
        assertEquals(1, noModel.status);
        assertTrue(noModel.err.startsWith("jsd eval: "), noModel.err);
        assertEquals(0, eval("--help").status);
    }
}
