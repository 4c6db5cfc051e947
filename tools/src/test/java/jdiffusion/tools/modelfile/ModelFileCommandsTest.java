package jdiffusion.tools.modelfile;

import jdiffusion.tensor.DType;
import jdiffusion.tensor.SafeTensors;
import jdiffusion.tensor.SafeTensorsWriter;
import jdiffusion.tensor.Tensor;
import jdiffusion.tensor.testing.Golden;
import jdiffusion.tools.Main;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class ModelFileCommandsTest {
    @TempDir Path dir;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();

    private int jsd(String... args) {
        return Main.run(List.of(args), new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8), false);
    }

    private static final String KEY = "model.diffusion_model.input_blocks.1.1.proj_in.weight";

    @Test
    void weightedSumIsOneMinusAlphaAPlusAlphaB() {
        Path a = Golden.model("tiny-sd15.safetensors"), b = Golden.model("tiny-sd15.fp16.safetensors"), o = dir.resolve("m.safetensors");
        assertEquals(0, jsd("merge", a.toString(), b.toString(), o.toString(), "--alpha", "0.25"), err.toString());
        try (SafeTensors fa = SafeTensors.open(a); SafeTensors fb = SafeTensors.open(b); SafeTensors m = SafeTensors.open(o)) {
            assertEquals(fa.names(), m.names());
            float[] x = fa.get(KEY).toFloatArray(), y = fb.get(KEY).toFloatArray(), z = m.get(KEY).toFloatArray();
            // torch: 0.25·B is a half tensor (rounded to F16), then added to the float 0.75·A in float
            for (int i = 0; i < x.length; i++) assertEquals(0.75f * x[i] + f16(0.25f * y[i]), z[i], 0f);
            assertEquals(DType.F32, m.get(KEY).dtype());
            assertArrayEquals(fa.get("alphas_cumprod").toFloatArray(), m.get("alphas_cumprod").toFloatArray());
        }
    }

    @Test
    void addDifferenceAddsAlphaTimesBMinusC() {
        Path a = Golden.model("tiny-sd15.safetensors"), b = Golden.model("tiny-sd15.fp16.safetensors"), o = dir.resolve("d.safetensors");
        assertEquals(0, jsd("merge", a.toString(), b.toString(), a.toString(), o.toString(), "--mode", "add-difference", "--alpha", "0.5", "--dtype", "f16"), err.toString());
        try (SafeTensors fa = SafeTensors.open(a); SafeTensors fb = SafeTensors.open(b); SafeTensors m = SafeTensors.open(o)) {
            float[] x = fa.get(KEY).toFloatArray(), y = fb.get(KEY).toFloatArray(), z = m.get(KEY).toFloatArray();
            assertEquals(DType.F16, m.get(KEY).dtype());
            for (int i = 0; i < x.length; i++) assertEquals(Float.float16ToFloat(Float.floatToFloat16(x[i] + 0.5f * (y[i] - x[i]))), z[i], 0f);
        }
    }

    private static float f16(float v) { return Float.float16ToFloat(Float.floatToFloat16(v)); }

    /** An SD1-looking file of the given tensors, each written in {@code dtype}. */
    private Path model(String name, DType dtype, Map<String, Tensor> tensors) {
        Path p = dir.resolve(name);
        SafeTensorsWriter w = new SafeTensorsWriter();
        w.add("cond_stage_model.transformer.text_model.final_layer_norm.bias", Tensor.of(new float[]{0.5f}, 1));
        tensors.forEach((n, t) -> w.add(n, dtype, t.shape(), DTypeSink.convert(t, dtype)));
        w.write(p);
        return p;
    }

    @Test
    void halfPrecisionMergesRoundEveryOperationToHalfAsTorchDoes() throws Exception {
        // pairs where rounding once, after the whole formula, would land one half-precision step away
        float[] av = {1.037109375f, 0.9912109375f, -2.208984375f}, bv = {2.46484375f, -3.91015625f, -0.48876953125f};
        Path a = model("a.safetensors", DType.F16, Map.of(KEY, Tensor.of(av, 3))), b = model("b.safetensors", DType.F16, Map.of(KEY, Tensor.of(bv, 3)));
        Path o = dir.resolve("m.safetensors");
        assertEquals(0, jsd("merge", a.toString(), b.toString(), o.toString(), "--alpha", "0.3"), err.toString());
        try (SafeTensors m = SafeTensors.open(o)) {
            assertEquals(DType.F16, m.get(KEY).dtype(), "two F16 models merge to F16, as torch keeps them");
            float[] z = m.get(KEY).toFloatArray();
            float wa = (float) (1 - 0.3), wb = 0.3f;
            for (int i = 0; i < av.length; i++) assertEquals(f16(f16(wa * av[i]) + f16(wb * bv[i])), z[i], 0f, "element " + i);
            assertArrayEquals(new float[]{1.46484375f, -0.47900390625f, -1.6923828125f}, z, "rounded to float16 after each operation");
        }
    }

    @Test
    void addDifferenceLeavesAUnchangedWhereCLacksTheWeight() throws Exception {
        String other = "model.diffusion_model.out.2.bias";
        Path a = model("a.safetensors", DType.F32, Map.of(KEY, Tensor.of(new float[]{1, 2}, 2), other, Tensor.of(new float[]{5}, 1)));
        Path b = model("b.safetensors", DType.F32, Map.of(KEY, Tensor.of(new float[]{3, 3}, 2), other, Tensor.of(new float[]{9}, 1)));
        Path c = model("c.safetensors", DType.F32, Map.of(KEY, Tensor.of(new float[]{1, 1}, 2)));
        Path o = dir.resolve("d.safetensors");
        assertEquals(0, jsd("merge", a.toString(), b.toString(), c.toString(), o.toString(), "--mode", "add-difference", "--alpha", "0.5"), err.toString());
        try (SafeTensors m = SafeTensors.open(o)) {
            assertArrayEquals(new float[]{2, 3}, m.get(KEY).toFloatArray());
            assertArrayEquals(new float[]{5}, m.get(other).toFloatArray(), "B − C counts as zero where C has no such weight");
        }
    }

    @Test
    void anInpaintingModelMergesItsFirstFourInputChannelsAndMustBeA() throws Exception {
        String conv = "model.diffusion_model.input_blocks.0.0.weight";
        float[] nine = new float[2 * 9], four = new float[2 * 4];
        for (int i = 0; i < nine.length; i++) nine[i] = i;
        java.util.Arrays.fill(four, 100f);
        Path inpaint = model("inpaint.safetensors", DType.F32, Map.of(conv, Tensor.of(nine, 2, 9, 1, 1)));
        Path normal = model("normal.safetensors", DType.F32, Map.of(conv, Tensor.of(four, 2, 4, 1, 1)));
        Path o = dir.resolve("m.safetensors");
        assertEquals(0, jsd("merge", inpaint.toString(), normal.toString(), o.toString(), "--alpha", "0.5"), err.toString());
        try (SafeTensors m = SafeTensors.open(o)) {
            float[] z = m.get(conv).toFloatArray();
            for (int oc = 0; oc < 2; oc++)
                for (int ch = 0; ch < 9; ch++) {
                    float av = nine[oc * 9 + ch];
                    assertEquals(ch < 4 ? 0.5f * av + 0.5f * 100f : av, z[oc * 9 + ch], 0f, "out " + oc + " channel " + ch);
                }
        }
        Path refused = dir.resolve("r.safetensors");
        assertEquals(1, jsd("merge", normal.toString(), inpaint.toString(), refused.toString()));
        assertTrue(err.toString().contains("A must be the inpainting model"), err.toString());
        assertFalse(Files.exists(refused));
    }

    @Test
    void mergeRefusesModelsOfDifferentFamilies() throws Exception {
        Path sd2 = dir.resolve("sd2.safetensors");
        Map<String, Tensor> t = new LinkedHashMap<>();
        t.put("cond_stage_model.model.ln_final.weight", Tensor.zeros(4));
        t.put("model.diffusion_model.out.2.bias", Tensor.zeros(4));
        SafeTensorsWriter.write(sd2, t);
        Path o = dir.resolve("x.safetensors");
        assertEquals(1, jsd("merge", Golden.model("tiny-sd15.safetensors").toString(), sd2.toString(), o.toString()));
        assertTrue(err.toString().contains("SD 1.x") && err.toString().contains("SD 2.x"), err.toString());
        assertFalse(Files.exists(o));
    }

    @Test
    void convertCkptGivesTheSafetensorsTensorsBitForBit() {
        Path o = dir.resolve("c.safetensors");
        assertEquals(0, jsd("convert", Golden.file("ckpt/tiny-sd15.ckpt").toString(), o.toString()), err.toString());
        try (SafeTensors want = SafeTensors.open(Golden.model("tiny-sd15.fp16.safetensors")); SafeTensors got = SafeTensors.open(o)) {
            assertEquals(want.names(), got.names());
            for (String n : want.names()) {
                assertEquals(want.entry(n).dtype(), got.entry(n).dtype(), n);
                assertArrayEquals(want.get(n).toFloatArray(), got.get(n).toFloatArray(), n);
            }
        }
    }

    @Test
    void convertRefusesAMaliciousPickleAndWritesNothing() {
        Path o = dir.resolve("evil.safetensors");
        assertEquals(1, jsd("convert", Golden.file("ckpt/malicious.ckpt").toString(), o.toString()));
        assertTrue(err.toString().contains("posix.system"), err.toString());
        assertFalse(Files.exists(o));
    }

    @Test
    void pruneWithEmaKeepsEmaWeightsAndDropsTrainingLeftovers() throws Exception {
        Path in = dir.resolve("train.safetensors"), o = dir.resolve("p.safetensors");
        Map<String, Tensor> t = new LinkedHashMap<>();
        t.put("model.diffusion_model.out.2.bias", Tensor.of(new float[]{1, 2}, 2));
        t.put("model_ema.diffusion_modelout2bias", Tensor.of(new float[]{3, 4}, 2));
        t.put("model_ema.decay", Tensor.of(new float[]{0.999f}));
        t.put("first_stage_model.decoder.conv_out.bias", Tensor.of(new float[]{5}, 1));
        t.put("alphas_cumprod", Tensor.of(new float[]{0.5f}, 1));
        t.put("optimizer.state.0", Tensor.of(new float[]{9}, 1));
        SafeTensorsWriter.write(in, t);
        assertEquals(0, jsd("prune", in.toString(), o.toString(), "--ema", "--dtype", "f16"), err.toString());
        try (SafeTensors p = SafeTensors.open(o)) {
            assertEquals(List.of("model.diffusion_model.out.2.bias", "first_stage_model.decoder.conv_out.bias", "alphas_cumprod"), List.copyOf(p.names()));
            assertArrayEquals(new float[]{3, 4}, p.get("model.diffusion_model.out.2.bias").toFloatArray());
            assertEquals(DType.F16, p.get("model.diffusion_model.out.2.bias").dtype());
            assertEquals(DType.F32, p.get("alphas_cumprod").dtype());
        }
        Path o2 = dir.resolve("p2.safetensors");
        assertEquals(0, jsd("prune", in.toString(), o2.toString()), err.toString());
        try (SafeTensors p = SafeTensors.open(o2)) {
            assertArrayEquals(new float[]{1, 2}, p.get("model.diffusion_model.out.2.bias").toFloatArray());
        }
    }

    @Test
    void writersNeverOverwriteWithoutForce() throws Exception {
        Path o = dir.resolve("exists.safetensors");
        Files.writeString(o, "keep me");
        assertEquals(1, jsd("convert", Golden.file("ckpt/tiny-sd15.ckpt").toString(), o.toString()));
        assertEquals("keep me", Files.readString(o));
        try (var s = Files.list(dir)) { assertEquals(1, s.count(), "no temporary files left behind"); }
        assertEquals(0, jsd("convert", Golden.file("ckpt/tiny-sd15.ckpt").toString(), o.toString(), "--force"), err.toString());
    }

    @Test
    void hashGivesAutoV2LegacyAndSha256AndCachesIt() throws Exception {
        Path model = Golden.model("tiny-sd15.safetensors");
        HashCache cache = new HashCache(dir.resolve("hashes.json"));
        String sha = "c5aaa4db90e6a204ab7357f7cf2f34ee20032a2669b96641ca739cfd948609a3";
        assertEquals(sha, cache.sha256(model));
        assertTrue(Files.readString(dir.resolve("hashes.json")).contains(sha));
        assertEquals(sha, cache.sha256(model));
        assertEquals(0, jsd("hash", model.toString()), err.toString());
        assertTrue(out.toString().contains("AutoV2  c5aaa4db90"), out.toString());
    }
}
