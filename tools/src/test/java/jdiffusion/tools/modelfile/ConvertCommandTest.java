package jdiffusion.tools.modelfile;

import jdiffusion.kernels.opencl.DeviceSelector;
import jdiffusion.sd.checkpoint.Checkpoint;
import jdiffusion.sd.checkpoint.ModelConfig;
import jdiffusion.sd.checkpoint.ModelFamily;
import jdiffusion.sd.pipeline.GenerationParams;
import jdiffusion.sd.pipeline.Generator;
import jdiffusion.sd.pipeline.ModelFiles;
import jdiffusion.sd.pipeline.Progress;
import jdiffusion.sd.pipeline.StableDiffusionModel;
import jdiffusion.tensor.Backend;
import jdiffusion.tensor.DType;
import jdiffusion.tensor.SafeTensors;
import jdiffusion.tensor.SafeTensorsWriter;
import jdiffusion.tensor.Tensor;
import jdiffusion.tensor.json.Json;
import jdiffusion.tensor.testing.Golden;
import jdiffusion.tools.Main;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/** {@code jsd convert} between single files and diffusers folders on the tiny model (and a tiny SD2-shaped one built from it). */
class ConvertCommandTest {
    private static final List<String> COMPONENT_FILES = List.of("unet/diffusion_pytorch_model.safetensors",
            "vae/diffusion_pytorch_model.safetensors", "text_encoder/model.safetensors");

    @TempDir Path dir;
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int jsd(String... args) {
        err.reset();
        return Main.run(List.of(args), new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), false);
    }

    private static String tokenizerSd1() { return Golden.model("clip-tokenizer-sd1").toString(); }

    private Path toFolder(Path in, String name, String... extra) {
        Path out = dir.resolve(name);
        List<String> args = new ArrayList<>(List.of("convert", in.toString(), out.toString(), "--tokenizer", tokenizerSd1()));
        args.addAll(List.of(extra));
        assertEquals(0, jsd(args.toArray(String[]::new)), err.toString());
        return out;
    }

    private Path toSingle(Path in, String name, String... extra) {
        Path out = dir.resolve(name);
        List<String> args = new ArrayList<>(List.of("convert", in.toString(), out.toString()));
        args.addAll(List.of(extra));
        assertEquals(0, jsd(args.toArray(String[]::new)), err.toString());
        return out;
    }

    @Test
    void singleFileToFolderAndBackIsBitIdenticalPerTensor() {
        Path original = Golden.model("tiny-sd15.safetensors");
        Path back = toSingle(toFolder(original, "folder"), "back.safetensors");
        assertSameTensors(original, back);
        assertTrue(Files.isRegularFile(dir.resolve("back.yaml")), "the ldm config is written beside the file");
    }

    @Test
    void ddpmScheduleBuffersAreRebuiltBitForBitFromTheSchedulerConfig() {
        Path back = toSingle(Golden.model("tiny-sd15"), "back.safetensors");
        try (SafeTensors want = SafeTensors.open(Golden.model("tiny-sd15.safetensors")); SafeTensors got = SafeTensors.open(back)) {
            for (String n : DdpmScheduleNames) {
                assertEquals(DType.F32, got.entry(n).dtype(), n);
                assertArrayEquals(bits(want.get(n).toFloatArray()), bits(got.get(n).toFloatArray()), n);
            }
        }
    }

    @Test
    void fourLevelSd15ShapedModelRoundTripsWithoutAYaml() {
        // SD1.5's block structure (4 levels, no attention on the last, 8x VAE) at small widths, shapes detected from the weights
        Path file = dir.resolve("four.safetensors");
        jdiffusion.tools.randommodel.RandomModel.write(file, jdiffusion.tools.randommodel.LdmLayout.sd1(
                new jdiffusion.tools.randommodel.LdmLayout.UNet(4, 4, 32, new int[] {1, 2, 4, 4}, 2, new int[] {4, 2, 1}, 64, 1),
                new jdiffusion.tools.randommodel.LdmLayout.Vae(32, new int[] {1, 2, 4, 4}, 2, 4),
                new jdiffusion.tools.randommodel.LdmLayout.Clip(64, 2, 128, 49408, 77), DType.F16), 5, false);
        Path folder = toFolder(file, "four");
        try (Checkpoint c = Checkpoint.open(folder)) {
            assertEquals(List.of(true, true, true, false), c.config().unet().crossAttention());
            assertEquals(4, c.config().vae().levels());
        }
        assertSameTensors(file, toSingle(folder, "four-back.safetensors"));
    }

    @Test
    void singleFileToFolderEqualsTheReferenceFolderTensorForTensorAndConfig() throws IOException {
        Path folder = toFolder(Golden.model("tiny-sd15.safetensors"), "folder");
        Path reference = Golden.model("tiny-sd15");
        for (String f : COMPONENT_FILES) assertSameTensors(reference.resolve(f), folder.resolve(f));
        assertEquals(configOf(reference), configOf(folder));
        assertEquals(Json.parseObject(Files.readString(reference.resolve("scheduler/scheduler_config.json"))).keySet(),
                Json.parseObject(Files.readString(folder.resolve("scheduler/scheduler_config.json"))).keySet());
        assertEquals(Json.parseObject(Files.readString(reference.resolve("model_index.json"))),
                withVersion(Json.parseObject(Files.readString(folder.resolve("model_index.json"))), "0.26.3"));
        for (String f : List.of("vocab.json", "merges.txt"))
            assertEquals(Files.mismatch(Golden.model("clip-tokenizer-sd1").resolve(f), folder.resolve("tokenizer").resolve(f)), -1L, f);
        Map<String, Object> unet = Json.parseObject(Files.readString(folder.resolve("unet/config.json")));
        Map<String, Object> want = Json.parseObject(Files.readString(reference.resolve("unet/config.json")));
        want.remove("sample_size");
        for (String k : want.keySet()) assertEquals(want.get(k), unet.get(k), "unet/config.json " + k);
    }

    @Test
    void referenceFolderToSingleFileAndBackGivesTheSameFolder() {
        Path reference = Golden.model("tiny-sd15");
        Path single = toSingle(reference, "tiny.safetensors");
        assertSameTensors(Golden.model("tiny-sd15.safetensors"), single);
        Path again = toFolder(single, "again");
        for (String f : COMPONENT_FILES) assertSameTensors(reference.resolve(f), again.resolve(f));
        assertEquals(configOf(reference), configOf(again));
    }

    @Test
    void ckptToFolderGivesTheCheckpointsTensors() {
        Path folder = toFolder(Golden.file("ckpt/tiny-sd15.ckpt"), "from-ckpt", "--config", Golden.model("tiny-sd15.yaml").toString());
        Path viaSafetensors = toFolder(Golden.model("tiny-sd15.fp16.safetensors"), "from-fp16", "--config", Golden.model("tiny-sd15.yaml").toString());
        for (String f : COMPONENT_FILES) assertSameTensors(viaSafetensors.resolve(f), folder.resolve(f));
    }

    @Test
    void dtypeF16AppliesInBothDirections() {
        Path folder = toFolder(Golden.model("tiny-sd15.safetensors"), "half", "--dtype", "f16");
        try (SafeTensors unet = SafeTensors.open(folder.resolve(COMPONENT_FILES.getFirst()));
             SafeTensors ref = SafeTensors.open(Golden.model("tiny-sd15").resolve(COMPONENT_FILES.getFirst()))) {
            for (String n : ref.names()) {
                assertEquals(DType.F16, unet.entry(n).dtype(), n);
                float[] want = ref.get(n).toFloatArray(), got = unet.get(n).toFloatArray();
                for (int i = 0; i < want.length; i++) assertEquals(Float.float16ToFloat(Float.floatToFloat16(want[i])), got[i], n);
            }
        }
        Path single = toSingle(Golden.model("tiny-sd15"), "half.safetensors", "--dtype", "f16");
        try (SafeTensors s = SafeTensors.open(single); SafeTensors fp16 = SafeTensors.open(Golden.model("tiny-sd15.fp16.safetensors"))) {
            assertEquals(fp16.names(), s.names());
            for (String n : s.names()) {
                assertEquals(fp16.entry(n).dtype(), s.entry(n).dtype(), n);
                assertArrayEquals(fp16.get(n).toFloatArray(), s.get(n).toFloatArray(), n);
            }
            assertEquals(DType.I64, s.entry("cond_stage_model.transformer.text_model.embeddings.position_ids").dtype());
            assertEquals(DType.F16, s.entry("alphas_cumprod").dtype());
        }
    }

    private static final List<String> DdpmScheduleNames = jdiffusion.tools.randommodel.DdpmSchedule.NAMES;

    @Test
    void convertedFolderGeneratesTheSameImageAsTheSingleFile() {
        // the folder runs diffusers' float32 noise schedule, the file its ldm float64 buffers (1e-6 apart): ±1 level
        Path folder = toFolder(Golden.model("tiny-sd15.safetensors"), "gen");
        GenerationParams p = new GenerationParams.Builder().prompt("a red house").negativePrompt("fog").size(64, 64).steps(2).seed(7)
                .sampler("Euler").build();
        try (Backend backend = DeviceSelector.open("cpu")) {
            byte[] fromFile = generate(backend, new ModelFiles(Golden.model("tiny-sd15.safetensors"), null, Golden.model("clip-tokenizer-sd1")), p);
            assertWithinOneLevel(fromFile, generate(backend, ModelFiles.of(folder), p));
        }
    }

    private static byte[] generate(Backend backend, ModelFiles files, GenerationParams p) {
        try (StableDiffusionModel model = StableDiffusionModel.load(backend, files)) {
            return new Generator(model).txt2img(p, Progress.NONE).getFirst().rgb();
        }
    }

    @Test
    void existingOutputIsRefusedWithoutForceAndReplacedWithIt() throws IOException {
        Path folder = toFolder(Golden.model("tiny-sd15.safetensors"), "f");
        Files.writeString(folder.resolve("marker"), "old");
        assertEquals(1, jsd("convert", Golden.model("tiny-sd15.safetensors").toString(), folder.toString(), "--tokenizer", tokenizerSd1()));
        assertTrue(err.toString().contains("already exists") && err.toString().contains("--force"), err.toString());
        assertTrue(Files.exists(folder.resolve("marker")));
        toFolder(Golden.model("tiny-sd15.safetensors"), "f", "--force");
        assertFalse(Files.exists(folder.resolve("marker")), "replaced by the new folder");

        Path single = toSingle(folder, "s.safetensors");
        long size = Files.size(single);
        assertEquals(1, jsd("convert", folder.toString(), single.toString()));
        assertTrue(err.toString().contains("already exists"), err.toString());
        Files.delete(single);
        assertEquals(1, jsd("convert", folder.toString(), single.toString()), "the yaml beside it is protected too");
        assertFalse(Files.exists(single));
        toSingle(folder, "s.safetensors", "--force");
        assertEquals(size, Files.size(single));
        assertEquals(Set.of("f", "s.safetensors", "s.yaml"), names(dir));
    }

    @Test
    void aFailedConversionLeavesNoPartialOutputAndKeepsTheOldOne() throws IOException {
        Path tokenizer = dir.resolve("tok");
        Files.createDirectory(tokenizer);
        for (String f : List.of("vocab.json", "merges.txt")) Files.copy(Golden.model("clip-tokenizer-sd1").resolve(f), tokenizer.resolve(f));
        // copied last, after every weight file: the failure comes when the folder is nearly complete
        Files.createSymbolicLink(tokenizer.resolve("special_tokens_map.json"), dir.resolve("missing.json"));
        Path out = dir.resolve("out");
        assertEquals(1, jsd("convert", Golden.model("tiny-sd15.safetensors").toString(), out.toString(), "--tokenizer", tokenizer.toString()));
        assertTrue(err.toString().contains("tokenizer"), err.toString());
        assertFalse(err.toString().contains("\tat "), "one line, no trace: " + err);
        assertEquals(Set.of("tok"), names(dir));

        Files.createDirectory(out);
        Files.writeString(out.resolve("marker"), "old");
        assertEquals(1, jsd("convert", Golden.model("tiny-sd15.safetensors").toString(), out.toString(), "--tokenizer", tokenizer.toString(), "--force"));
        assertEquals("old", Files.readString(out.resolve("marker")));
        assertEquals(Set.of("tok", "out"), names(dir));
    }

    @Test
    void anInterruptedConversionLeavesNoPartialFolder() throws Exception {
        Path tokenizer = dir.resolve("tok");
        Files.createDirectory(tokenizer);
        for (String f : List.of("vocab.json", "merges.txt")) Files.copy(Golden.model("clip-tokenizer-sd1").resolve(f), tokenizer.resolve(f));
        // reading a FIFO nobody writes blocks: the conversion stops with every weight file staged, and is killed there
        assertEquals(0, new ProcessBuilder("mkfifo", tokenizer.resolve("stuck.json").toString()).start().waitFor());
        Path out = dir.resolve("out");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "--add-modules", "jdk.incubator.vector",
                "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "convert", Golden.model("tiny-sd15.safetensors").toString(), out.toString(), "--tokenizer", tokenizer.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("log.txt").toFile()).start();
        try {
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (stagedWeights().isEmpty()) {
                assertTrue(p.isAlive(), "the conversion ended before it could be interrupted: " + Files.readString(dir.resolve("log.txt")));
                assertTrue(System.nanoTime() < deadline, "no staged folder appeared");
                Thread.sleep(20);
            }
            p.destroy();   // SIGTERM, as Ctrl-C or a kill would
            assertTrue(p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS));
        } finally {
            p.destroyForcibly();
        }
        assertEquals(Set.of("tok", "log.txt"), names(dir));
    }

    /** The text encoder weights inside a hidden staging folder of {@code out}, once written. */
    private List<Path> stagedWeights() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(d -> d.getFileName().toString().startsWith(".out.") && Files.isRegularFile(d.resolve("text_encoder/model.safetensors")))
                    .toList();
        }
    }

    @Test
    void badInputsGetOneLineErrors() throws IOException {
        Path tiny = Golden.model("tiny-sd15.safetensors");
        assertEquals(1, jsd("convert", tiny.toString(), dir.resolve("x.ckpt").toString()));
        assertTrue(err.toString().contains(".safetensors") && err.toString().contains("folder"), err.toString());
        assertEquals(1, jsd("convert", tiny.toString(), dir.resolve("x").toString(), "--tokenizer", dir.resolve("nope").toString()));
        assertTrue(err.toString().contains("--tokenizer") && err.toString().contains("nope"), err.toString());
        assertEquals(1, jsd("convert", dir.resolve("absent.safetensors").toString(), dir.resolve("x").toString()));
        assertTrue(err.toString().contains("no such file"), err.toString());
        Path empty = Files.createDirectory(dir.resolve("empty"));
        assertEquals(1, jsd("convert", empty.toString(), dir.resolve("x.safetensors").toString()));
        assertTrue(err.toString().contains("not a diffusers folder"), err.toString());
        Path other = dir.resolve("other.safetensors");
        SafeTensorsWriter.write(other, Map.of("encoder.weight", Tensor.zeros(2), "something.else", Tensor.zeros(2)));
        assertEquals(1, jsd("convert", other.toString(), dir.resolve("x").toString()));
        assertTrue(err.toString().contains("other.safetensors"), err.toString());
        assertEquals(1, err.toString().strip().lines().count(), err.toString());
        Path xl = dir.resolve("xl.safetensors");
        SafeTensorsWriter.write(xl, Map.of("conditioner.embedders.0.transformer.text_model.final_layer_norm.weight", Tensor.zeros(2),
                "model.diffusion_model.label_emb.0.0.weight", Tensor.zeros(2)));
        assertEquals(1, jsd("convert", xl.toString(), dir.resolve("x").toString()));
        assertTrue(err.toString().contains("SDXL"), err.toString());
        assertEquals(Set.of("empty", "other.safetensors", "xl.safetensors"), names(dir));
    }

    // ---- SD2: a tiny SD2-shaped model made from the tiny SD1 weights ----

    /** The tiny model with an OpenCLIP-named text encoder (fused in_proj), linear proj_in/out and a v-prediction yaml. */
    private Path tinySd2() throws IOException {
        Path file = dir.resolve("tiny-sd2.safetensors");
        Map<String, Tensor> out = new LinkedHashMap<>();
        String clip = "cond_stage_model.transformer.text_model.", open = "cond_stage_model.model.";
        try (SafeTensors sd1 = SafeTensors.open(Golden.model("tiny-sd15.safetensors"))) {
            for (String n : sd1.names()) {
                Tensor t = sd1.get(n);
                if (n.startsWith("model.diffusion_model.") && (n.endsWith("proj_in.weight") || n.endsWith("proj_out.weight")))
                    out.put(n, Tensor.of(t.toFloatArray(), t.size(0), t.size(1)));
                else if (!n.startsWith(clip) && !n.equals("cond_stage_model.transformer.text_model.embeddings.position_ids"))
                    out.put(n, Tensor.of(t.toFloatArray(), t.shape()));
            }
            out.put(open + "token_embedding.weight", copy(sd1.get(clip + "embeddings.token_embedding.weight")));
            out.put(open + "positional_embedding", copy(sd1.get(clip + "embeddings.position_embedding.weight")));
            for (int i = 0; i < 3; i++) {
                String l = clip + "encoder.layers." + i + ".", r = open + "transformer.resblocks." + i + ".";
                for (String s : List.of("weight", "bias")) {
                    out.put(r + "ln_1." + s, copy(sd1.get(l + "layer_norm1." + s)));
                    out.put(r + "ln_2." + s, copy(sd1.get(l + "layer_norm2." + s)));
                    out.put(r + "mlp.c_fc." + s, copy(sd1.get(l + "mlp.fc1." + s)));
                    out.put(r + "mlp.c_proj." + s, copy(sd1.get(l + "mlp.fc2." + s)));
                    out.put(r + "attn.out_proj." + s, copy(sd1.get(l + "self_attn.out_proj." + s)));
                    out.put(r + "attn.in_proj_" + s, concat(sd1.get(l + "self_attn.q_proj." + s), sd1.get(l + "self_attn.k_proj." + s),
                            sd1.get(l + "self_attn.v_proj." + s)));
                }
            }
            for (String s : List.of("weight", "bias")) out.put(open + "ln_final." + s, copy(sd1.get(clip + "final_layer_norm." + s)));
            float[] proj = new float[32 * 32];
            for (int i = 0; i < proj.length; i++) proj[i] = (float) Math.sin(i);
            out.put(open + "text_projection", Tensor.of(proj, 32, 32));
        }
        SafeTensorsWriter.write(file, out);
        String yaml = Files.readString(Golden.model("tiny-sd15.yaml"))
                .replace("linear_start:", "parameterization: \"v\"\n    linear_start:")
                .replace("legacy: False", "legacy: False\n        use_linear_in_transformer: True")
                .replace("FrozenCLIPEmbedder\n      params:", "FrozenOpenCLIPEmbedder\n      params:\n        layer: \"penultimate\"")
                .replace("hidden_act: quick_gelu", "hidden_act: gelu");
        Files.writeString(dir.resolve("tiny-sd2.yaml"), yaml);
        return file;
    }

    private static Tensor copy(Tensor t) { return Tensor.of(t.toFloatArray(), t.shape()); }

    private static Tensor concat(Tensor... parts) {
        int rows = 0;
        List<Float> values = new ArrayList<>();
        for (Tensor p : parts) { rows += p.size(0); for (float v : p.toFloatArray()) values.add(v); }
        float[] f = new float[values.size()];
        for (int i = 0; i < f.length; i++) f[i] = values.get(i);
        int[] shape = parts[0].shape();
        shape[0] = rows;
        return Tensor.of(f, shape);
    }

    @Test
    void sd2SingleFileToFolderSplitsInProjDropsTheLastLayerAndKeepsVPrediction() throws IOException {
        Path sd2 = tinySd2();
        Path folder = dir.resolve("sd2-folder");
        assertEquals(0, jsd("convert", sd2.toString(), folder.toString(), "--tokenizer", Golden.model("clip-tokenizer-sd2").toString()), err.toString());
        Map<String, Object> text = Json.parseObject(Files.readString(folder.resolve("text_encoder/config.json")));
        assertEquals("gelu", text.get("hidden_act"));
        assertEquals(2L, ((Number) text.get("num_hidden_layers")).longValue());
        assertEquals("v_prediction", Json.parseObject(Files.readString(folder.resolve("scheduler/scheduler_config.json"))).get("prediction_type"));
        assertEquals(Boolean.TRUE, Json.parseObject(Files.readString(folder.resolve("unet/config.json"))).get("use_linear_projection"));
        try (SafeTensors te = SafeTensors.open(folder.resolve("text_encoder/model.safetensors")); SafeTensors src = SafeTensors.open(sd2)) {
            assertFalse(te.names().stream().anyMatch(n -> n.startsWith("text_model.encoder.layers.2.") || n.startsWith("text_projection")), te.names().toString());
            float[] fused = src.get("cond_stage_model.model.transformer.resblocks.1.attn.in_proj_weight").toFloatArray();
            float[] k = te.get("text_model.encoder.layers.1.self_attn.k_proj.weight").toFloatArray();
            for (int i = 0; i < k.length; i++) assertEquals(fused[k.length + i], k[i]);
        }
        try (Checkpoint c = Checkpoint.open(folder)) {
            assertEquals(ModelFamily.SD2, c.config().family());
            assertTrue(c.config().isVPrediction());
            assertEquals(2, c.config().textEncoder().layers());
        }

        Path back = toSingle(folder, "sd2-back.safetensors");
        try (SafeTensors got = SafeTensors.open(back); SafeTensors want = SafeTensors.open(sd2)) {
            for (String n : want.names()) {
                if (n.endsWith("text_projection") || n.contains("resblocks.2.")) continue;
                assertArrayEquals(want.get(n).toFloatArray(), got.get(n).toFloatArray(), n);
                assertArrayEquals(want.get(n).shape(), got.get(n).shape(), n);
            }
            float[] identity = got.get("cond_stage_model.model.transformer.resblocks.2.attn.in_proj_weight").toFloatArray();
            for (float v : identity) assertEquals(0f, v, "the layer diffusers dropped comes back as an identity block");
        }
        try (Checkpoint c = Checkpoint.open(back)) {
            assertEquals(ModelFamily.SD2, c.config().family());
            assertTrue(c.config().isVPrediction(), "the yaml beside the file keeps v-prediction");
            assertEquals(3, c.config().textEncoder().layers());
            assertEquals(1, c.config().textEncoder().skippedLayers());
        }
    }

    @Test
    void sd2FolderGeneratesTheSameImageAsItsSingleFile() throws IOException {
        Path sd2 = tinySd2();
        Path tok = Golden.model("clip-tokenizer-sd2");
        Path folder = dir.resolve("sd2-folder");
        assertEquals(0, jsd("convert", sd2.toString(), folder.toString(), "--tokenizer", tok.toString()), err.toString());
        Path back = toSingle(folder, "sd2-back.safetensors");
        GenerationParams p = new GenerationParams.Builder().prompt("a red house").size(32, 32).steps(2).seed(3).sampler("Euler").build();
        try (Backend backend = DeviceSelector.open("cpu")) {
            byte[] original = generate(backend, new ModelFiles(sd2, null, tok), p);
            // the folder runs diffusers' float32 noise schedule, the files ldm's float64 buffers (1e-6 apart): ±1 level
            assertWithinOneLevel(original, generate(backend, ModelFiles.of(folder), p));
            // the cut layer comes back as an identity block (±1 level: two runs of one file differ by as much on the CPU backend)
            assertWithinOneLevel(original, generate(backend, new ModelFiles(back, null, tok), p));
        }
    }

    // ---- helpers ----

    private static void assertWithinOneLevel(byte[] want, byte[] got) {
        assertEquals(want.length, got.length);
        int worst = 0;
        for (int i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs((want[i] & 0xff) - (got[i] & 0xff)));
        assertTrue(worst <= 1, "images differ by " + worst + " levels");
    }

    private static void assertSameTensors(Path want, Path got) {
        try (SafeTensors w = SafeTensors.open(want); SafeTensors g = SafeTensors.open(got)) {
            assertEquals(new java.util.TreeSet<>(w.names()), new java.util.TreeSet<>(g.names()), got.toString());
            for (String n : w.names()) {
                assertEquals(w.entry(n).dtype(), g.entry(n).dtype(), n);
                assertArrayEquals(w.entry(n).shape(), g.entry(n).shape(), n);
                Tensor a = w.get(n), b = g.get(n);
                if (a.dtype().isFloating()) assertArrayEquals(bits(a.toFloatArray()), bits(b.toFloatArray()), n);
                else assertArrayEquals(a.toLongArray(), b.toLongArray(), n);
            }
        }
    }

    private static int[] bits(float[] f) {
        int[] b = new int[f.length];
        for (int i = 0; i < f.length; i++) b[i] = Float.floatToRawIntBits(f[i]);
        return b;
    }

    /** The folder's configuration as our loader reads it, less where it was read from. */
    private static ModelConfig configOf(Path folder) {
        try (Checkpoint c = Checkpoint.open(folder)) {
            ModelConfig m = c.config();
            return new ModelConfig(m.family(), m.variant(), m.predictionType(), m.unet(), m.vae(), m.textEncoder(), m.schedule(), "", m.predictionGuessed());
        }
    }

    private static Map<String, Object> withVersion(Map<String, Object> m, String version) {
        m.put("_diffusers_version", version);
        return m;
    }

    private static Set<String> names(Path d) throws IOException {
        try (Stream<Path> s = Files.list(d)) {
            return s.map(p -> p.getFileName().toString()).collect(java.util.stream.Collectors.toSet());
        }
    }
}
