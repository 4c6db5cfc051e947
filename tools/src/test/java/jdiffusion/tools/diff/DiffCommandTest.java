package jdiffusion.tools.diff;

import jdiffusion.tensor.SafeTensorsWriter;
import jdiffusion.tensor.Tensor;
import jdiffusion.tensor.json.Json;
import jdiffusion.tensor.testing.Golden;
import jdiffusion.tools.Captured;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class DiffCommandTest {
    private static String model(String name) { return Golden.model(name).toString(); }

    @Test
    void aFileEqualsItself() {
        Captured c = Captured.run("diff", model("tiny-sd15.safetensors"), model("tiny-sd15.safetensors"));
        assertEquals(0, c.status(), c.err());
        assertTrue(c.out().contains("683 tensor(s) in both: 0 differ by more than atol 0\n"), c.out());
    }

    @Test
    void theF16CopyDiffersByItsRoundingOnlyAndPassesAToleranceAboveIt() {
        Captured exact = Captured.run("diff", model("tiny-sd15.safetensors"), model("tiny-sd15.fp16.safetensors"), "--json");
        assertEquals(1, exact.status(), "float16 rounding is a difference at atol 0");
        Map<String, Object> json = Json.parseObject(exact.out());
        assertEquals(683L, json.get("compared"));
        double maxAbs = (Double) json.get("max_abs");
        assertTrue(maxAbs > 0 && maxAbs < 0.04, "f16 rounding, largest in the DDPM buffers (up to 70): " + maxAbs);
        @SuppressWarnings("unchecked") List<Map<String, Object>> tensors = (List<Map<String, Object>>) json.get("tensors");
        for (Map<String, Object> t : tensors) {
            assertTrue((Double) t.get("cosine") > 0.99999, t.toString());
            assertTrue((Double) t.get("max_rel") <= 1, "tiny weights may flush to zero in f16 (relative difference 1): " + t);
            if (t.get("name").equals("cond_stage_model.transformer.text_model.embeddings.position_ids")) {
                assertEquals("I64", t.get("a_dtype"));
                assertEquals(0.0, (Double) t.get("max_abs"));
            } else assertEquals("F16", t.get("b_dtype"));
        }
        Captured tolerant = Captured.run("diff", model("tiny-sd15.safetensors"), model("tiny-sd15.fp16.safetensors"), "--atol", "0.04");
        assertEquals(0, tolerant.status(), tolerant.out());
    }

    @Test
    void aTorchCheckpointComparesWithTheSafetensorsItWasSavedFrom() {
        Path ckpt = Golden.file("ckpt/tiny-sd15.ckpt");
        Captured c = Captured.run("diff", ckpt.toString(), model("tiny-sd15.fp16.safetensors"));
        assertEquals(0, c.status(), c.out() + c.err());
        Captured legacy = Captured.run("diff", Golden.file("ckpt/tiny-sd15.legacy.ckpt").toString(), ckpt.toString());
        assertEquals(0, legacy.status(), legacy.out() + legacy.err());
    }

    @Test
    void diffusersFoldersAreComparedPerComponent() {
        Captured c = Captured.run("diff", model("tiny-sd15"), model("tiny-sd15"), "--all");
        assertEquals(0, c.status(), c.err());
        assertTrue(c.out().contains("\nunet/conv_in.weight "), c.out());
        assertTrue(c.out().contains("\nvae/decoder.conv_in.weight "), c.out());
        assertTrue(c.out().contains("\ntext_encoder/text_model.final_layer_norm.weight "), c.out());
    }

    @Test
    void dumpFoldersReportTheFirstDifferingIndexShapesAndOneSidedTensors(@TempDir Path dir) throws IOException {
        Path a = Files.createDirectories(dir.resolve("ours/unet")), b = Files.createDirectories(dir.resolve("ref/unet"));
        float[] x = new float[2 * 3 * 4];
        for (int i = 0; i < x.length; i++) x[i] = i - 5;
        float[] y = x.clone();
        y[1 * 12 + 2 * 4 + 1] += 0.5f; // [1, 2, 1]
        y[1 * 12 + 2 * 4 + 3] += 1e-6f;
        SafeTensorsWriter.write(a.resolve("t500.safetensors"), tensors("noise_pred", Tensor.of(x, 2, 3, 4), "intermediate.conv_in", Tensor.of(new float[]{1, 2}, 2),
                "intermediate.mid_block", Tensor.of(new float[4], 4)));
        SafeTensorsWriter.write(b.resolve("t500.safetensors"), tensors("noise_pred", Tensor.of(y, 2, 3, 4), "intermediate.conv_in", Tensor.of(new float[]{1, 2}, 1, 2),
                "intermediate.up_blocks.0", Tensor.of(new float[1], 1)));
        Captured c = Captured.run("diff", dir.resolve("ours").toString(), dir.resolve("ref").toString(), "--atol", "1e-4");
        assertEquals(1, c.status(), c.out());
        String out = c.out();
        assertTrue(out.contains("1 tensor(s) in both: 1 differ by more than atol 0.000100, largest difference 0.500 in unet/t500/noise_pred"), out);
        assertTrue(out.matches("(?s).*\nunet/t500/noise_pred +\\[2, 3, 4] +F32 +0\\.500 +0\\.0303 +0\\.99\\d+ +\\[1, 2, 1]\n.*"), out);
        assertTrue(out.contains("unet/t500/intermediate.conv_in  F32[2] vs F32[1, 2]"), out);
        assertTrue(out.contains("only in A (1):\n  unet/t500/intermediate.mid_block\n"), out);
        assertTrue(out.contains("only in B (1):\n  unet/t500/intermediate.up_blocks.0\n"), out);
    }

    @Test
    void nanAgainstNanIsEqualAndAgainstANumberIsInfinite(@TempDir Path dir) {
        Path a = dir.resolve("a.safetensors"), b = dir.resolve("b.safetensors");
        SafeTensorsWriter.write(a, tensors("x", Tensor.of(new float[]{Float.NaN, 1, 2}, 3)));
        SafeTensorsWriter.write(b, tensors("x", Tensor.of(new float[]{Float.NaN, Float.NaN, 2}, 3)));
        TensorDiff same = TensorDiff.of(Tensor.of(new float[]{Float.NaN, 0}, 2), Tensor.of(new float[]{Float.NaN, 0}, 2), 0);
        assertEquals(0, same.maxAbs());
        assertEquals(-1, same.firstDiff());
        Captured c = Captured.run("diff", a.toString(), b.toString(), "--atol", "1");
        assertEquals(1, c.status());
        assertTrue(c.out().contains("Infinity"), c.out());
        assertTrue(c.out().contains("[1]"), c.out());
    }

    @Test
    void badInputGetsOneLine(@TempDir Path dir) throws IOException {
        Path text = Files.writeString(dir.resolve("notes.safetensors"), "hello, not a model");
        Path empty = Files.createDirectories(dir.resolve("empty"));
        for (List<String> args : List.of(List.of(dir.resolve("missing.safetensors").toString(), model("tiny-sd15.safetensors")),
                List.of(text.toString(), model("tiny-sd15.safetensors")),
                List.of(empty.toString(), model("tiny-sd15.safetensors")),
                List.of(Golden.file("ckpt/malicious.ckpt").toString(), model("tiny-sd15.safetensors")))) {
            Captured c = Captured.run("diff", args.get(0), args.get(1));
            assertEquals(1, c.status(), args.toString());
            assertTrue(c.err().startsWith("jsd: ") && c.err().strip().lines().count() == 1, c.err());
            assertTrue(c.err().contains(Path.of(args.get(0)).getFileName().toString()), c.err());
        }
        Captured usage = Captured.run("diff", model("tiny-sd15.safetensors"), model("tiny-sd15.safetensors"), "--atol", "-1");
        assertEquals(2, usage.status());
        assertTrue(usage.err().contains("--atol"), usage.err());
    }

    private static Map<String, Tensor> tensors(Object... nameThenTensor) {
        Map<String, Tensor> m = new LinkedHashMap<>();
        for (int i = 0; i < nameThenTensor.length; i += 2) m.put((String) nameThenTensor[i], (Tensor) nameThenTensor[i + 1]);
        return m;
    }
}
