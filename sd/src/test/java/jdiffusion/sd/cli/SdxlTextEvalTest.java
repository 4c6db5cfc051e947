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
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code jsd eval sdxl-text / sdxl-conditioner} write the sdxl/ golden files' tensor names, and match them. */
class SdxlTextEvalTest {
    private record Result(int status, String out, String err) {}

    private static Result eval(List<String> args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int status = EvalCommand.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static void assertWrittenMatchGolden(Path out, String golden, int expectedTensors) {
        try (SafeTensors written = SafeTensors.open(out); Golden.Case c = Golden.open(golden)) {
            assertEquals(expectedTensors, written.names().size(), written.names().toString());
            for (String name : written.names()) {
                assertTrue(c.has(name), name + " is not a golden tensor name");
                TensorAssert.assertClose(c.tensor(name), written.get(name), 1e-4, 0, golden + " " + name);
            }
        }
    }

    @Test
    void textEncodersEvalWritesBothTowersUnderGoldenNames(@TempDir Path dir) {
        Path out = dir.resolve("te.safetensors");
        Result r = eval(List.of("sdxl-text", "--model", Golden.model("tiny-sdxl/").toString(),
                "--inputs", Golden.file("sdxl/tiny-sdxl_text_encoders_3.safetensors").toString(), "--out", out.toString(), "--dump-intermediates"));
        assertEquals(0, r.status, r.err);
        assertWrittenMatchGolden(out, "sdxl/tiny-sdxl_text_encoders_3", 6 + 4 + 5 + 1);
    }

    @Test
    @SuppressWarnings("unchecked")
    void conditionerEvalTakesPromptsAndSizeValues(@TempDir Path dir) {
        String golden = "sdxl/tiny-sdxl_conditioner_emphasis_long_batch2_64x64_crop";
        List<String> args = new ArrayList<>(List.of("sdxl-conditioner", "--model", Golden.model("tiny-sdxl.safetensors").toString(),
                "--tokenizer", Golden.model("clip-tokenizer-sd1").toString(), "--inputs", Golden.file(golden + ".safetensors").toString(),
                "--out", dir.resolve("c.safetensors").toString()));
        try (Golden.Case c = Golden.open(golden)) {
            for (String p : (List<String>) c.json().get("prompts")) args.addAll(List.of("--prompt", p));
        }
        Result r = eval(args);
        assertEquals(0, r.status, r.err);
        assertWrittenMatchGolden(dir.resolve("c.safetensors"), golden, 2);

        String negative = "sdxl/tiny-sdxl-refiner_conditioner_negative_empty_zeroed";
        Result zeroed = eval(List.of("sdxl-conditioner", "--model", Golden.model("tiny-sdxl-refiner.safetensors").toString(),
                "--tokenizer", Golden.model("clip-tokenizer-sd1").toString(), "--inputs", Golden.file(negative + ".safetensors").toString(),
                "--out", dir.resolve("n.safetensors").toString(), "--prompt", "", "--negative"));
        assertEquals(0, zeroed.status, zeroed.err);
        assertWrittenMatchGolden(dir.resolve("n.safetensors"), negative, 2);
    }

    @Test
    void badSdxlUsageIsRefusedWithAReason(@TempDir Path dir) {
        String inputs = Golden.file("sdxl/tiny-sdxl_text_encoders_0.safetensors").toString(), o = dir.resolve("o.safetensors").toString();
        assertEquals(2, eval(List.of("sdxl-conditioner", "--model", "m", "--inputs", inputs, "--out", o)).status, "no --prompt");
        assertEquals(2, eval(List.of("sdxl-text", "--model", "m", "--inputs", inputs, "--out", o, "--prompt", "x")).status);
        Result notSdxl = eval(List.of("sdxl-text", "--model", Golden.model("tiny-sd15.safetensors").toString(), "--inputs", inputs, "--out", o));
        assertEquals(1, notSdxl.status);
        assertTrue(notSdxl.err.contains("not an SDXL checkpoint"), notSdxl.err);
        Result noSizes = eval(List.of("sdxl-conditioner", "--model", Golden.model("tiny-sdxl/").toString(), "--inputs", inputs, "--out", o, "--prompt", "a cat"));
        assertEquals(1, noSizes.status);
        assertTrue(noSizes.err.contains("input.original_size_as_tuple"), noSizes.err);
    }
}
