package jdiffusion.tools.inspect;

import jdiffusion.tensor.SafeTensors;
import jdiffusion.tensor.SafeTensorsWriter;
import jdiffusion.tensor.Tensor;
import jdiffusion.tensor.ckpt.ModelHash;
import jdiffusion.tensor.json.Json;
import jdiffusion.tensor.testing.Golden;
import jdiffusion.tools.Captured;
import jdiffusion.tools.modelfile.HashCache;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** {@code jsd inspect} on every layout of the tiny SD1.5 and SDXL models, and on files that are not checkpoints. */
class InspectLayoutsTest {

    private static Map<String, Object> json(String... args) {
        List<String> all = new ArrayList<>(List.of("inspect", "--json"));
        all.addAll(List.of(args));
        Captured c = Captured.run(all.toArray(String[]::new));
        assertEquals(0, c.status(), c.err());
        return Json.parseObject(c.out());
    }

    @SuppressWarnings("unchecked")
    private static <T> T at(Map<String, Object> json, String... path) {
        Object o = json;
        for (String p : path) {
            assertTrue(o instanceof Map<?, ?> m && m.containsKey(p), "no " + String.join(".", path) + " in " + json);
            o = ((Map<?, ?>) o).get(p);
        }
        return (T) o;
    }

    private static long num(Map<String, Object> json, String... path) { return (Long) at(json, path); }

    private static Map<String, Long> componentParameters(Map<String, Object> json) {
        Map<String, Long> m = new LinkedHashMap<>();
        for (String c : List.of("unet", "vae", "text_encoder")) m.put(c, at(json, "components", c, "parameters"));
        return m;
    }

    @Test
    void everyLayoutOfTheTinyModelHasTheSameFamilyAndComponentParameters() {
        Map<String, Object> single = json(Golden.model("tiny-sd15.safetensors").toString());
        Map<String, Long> expected = componentParameters(single);
        assertEquals(Map.of("unet", 2_164_452L, "vae", 658_375L, "text_encoder", 1_603_951L), expected);
        for (Path p : List.of(Golden.model("tiny-sd15.fp16.safetensors"), Golden.file("ckpt/tiny-sd15.ckpt"),
                Golden.file("ckpt/tiny-sd15.legacy.ckpt"), Golden.model("tiny-sd15"))) {
            Map<String, Object> j = json(p.toString());
            assertEquals(expected, componentParameters(j), p.toString());
            assertEquals("SD1", at(j, "details", "family"), p.toString());
            for (String c : List.of("unet", "vae"))
                assertEquals((Long) at(single, "components", c, "tensors"), at(j, "components", c, "tensors"), p + " " + c);
        }
        assertEquals("torch zip", at(json(Golden.file("ckpt/tiny-sd15.ckpt").toString()), "format"));
        assertEquals("torch legacy", at(json(Golden.file("ckpt/tiny-sd15.legacy.ckpt").toString()), "format"));
    }

    @Test
    void sdxlBaseAndRefinerAreReportedByKind() {
        for (Path p : List.of(Golden.model("tiny-sdxl.safetensors"), Golden.model("tiny-sdxl.fp16.safetensors"), Golden.model("tiny-sdxl")))
            assertEquals("SDXL base", at(json(p.toString()), "details", "model"), p.toString());
        Map<String, Object> refiner = json(Golden.model("tiny-sdxl-refiner.safetensors").toString());
        assertEquals("SDXL refiner", at(refiner, "details", "model"));
        assertEquals("SDXL_REFINER", at(refiner, "details", "family"));
    }

    @Test
    void aCheckpointWithItsYamlBesideItIsReadAsTheLoaderReadsIt(@TempDir Path dir) throws IOException {
        Path ckpt = dir.resolve("tiny-sd15.ckpt");
        Files.copy(Golden.file("ckpt/tiny-sd15.ckpt"), ckpt);
        Files.copy(Golden.model("tiny-sd15.yaml"), dir.resolve("tiny-sd15.yaml"));
        Map<String, Object> j = json(ckpt.toString());
        assertEquals("checkpoint", at(j, "kind"));
        Map<String, Object> details = at(j, "details");
        assertFalse(details.containsKey("not_runnable"), details.toString());
        assertEquals("TEXT_TO_IMAGE", details.get("variant"));
        assertEquals(dir.resolve("tiny-sd15.yaml").toString(), details.get("config"));
        assertEquals(Map.of("epoch", 6L, "global_step", 840_000L, "pytorch-lightning_version", "1.4.2"), at(j, "metadata"));
        assertEquals(1L, num(j, "dtypes", "I64", "tensors"));
        assertEquals(682L, num(j, "dtypes", "F16", "tensors"));
    }

    @Test
    void diffusersFolderJsonHasPipelineSchedulerFilesAndComponents() {
        Path folder = Golden.model("tiny-sd15");
        Map<String, Object> j = json(folder.toString());
        assertEquals("diffusers", at(j, "kind"));
        assertEquals("diffusers folder", at(j, "layout"));
        assertEquals("StableDiffusionPipeline", at(j, "pipeline", "class"));
        assertEquals("diffusers.UNet2DConditionModel", at(j, "pipeline", "components", "unet"));
        assertEquals("PNDMScheduler", at(j, "scheduler", "class"));
        assertEquals("epsilon", at(j, "scheduler", "prediction_type"));
        assertEquals(false, at(j, "ema", "present"));
        assertEquals(List.of("unet", "vae", "text_encoder"), new ArrayList<>(((Map<String, Object>) at(j, "components")).keySet()));
        List<?> files = at(j, "files");
        assertEquals(List.of("unet", "vae", "text_encoder"), files.stream().map(f -> ((Map<?, ?>) f).get("component")).toList());
        long fileBytes = 0;
        for (Object f : files) fileBytes += (Long) ((Map<?, ?>) f).get("file_bytes");
        assertEquals(fileBytes, (long) at(j, "file_bytes"));
        for (String key : List.of("path", "description", "format", "data_bytes", "tensors", "parameters", "dtypes", "prefixes", "metadata", "notes"))
            assertTrue(j.containsKey(key), key);
    }

    @Test
    void tensorsListsEveryTensorOfEveryLayout() {
        for (Path p : List.of(Golden.model("tiny-sd15"), Golden.file("ckpt/tiny-sd15.legacy.ckpt"))) {
            Map<String, Object> j = json(p.toString(), "--tensors");
            assertEquals((long) at(j, "tensors"), ((List<?>) at(j, "tensor_list")).size(), p.toString());
        }
        Captured text = Captured.run("inspect", Golden.model("tiny-sd15").toString(), "--tensors");
        assertEquals(0, text.status(), text.err());
        assertEquals(670, text.out().lines().filter(l -> l.matches("(unet|vae|text_encoder)/\\S+ +F32 +\\[.*]")).count());
        assertTrue(text.out().contains("\nunet/conv_in.weight  "), "names prefixed by component");
    }

    @Test
    void maliciousCheckpointsAreRefusedInOneLineNamingTheGlobal() {
        for (String name : List.of("malicious.ckpt", "malicious.legacy.ckpt", "malicious_plain_pickle.ckpt")) {
            Path f = Golden.file("ckpt/" + name);
            Captured c = Captured.run("inspect", f.toString());
            assertEquals(1, c.status(), name);
            assertEquals("", c.out());
            assertEquals(1, c.err().lines().count(), c.err());
            assertTrue(c.err().startsWith("jsd: refusing to load " + f + ": it asks to call posix.system"), c.err());
        }
    }

    @Test
    void severalInputsGiveAJsonArrayAndABadOneDoesNotStopTheOthers() {
        Captured c = Captured.run("inspect", "--json", Golden.model("tiny-sd15.safetensors").toString(),
                Golden.file("ckpt/malicious.ckpt").toString(), Golden.file("embeddings/tinyemb.pt").toString());
        assertEquals(1, c.status());
        assertEquals(1, c.err().lines().count(), c.err());
        assertTrue(c.err().contains("posix.system"), c.err());
        List<?> docs = (List<?>) Json.parse(c.out());
        assertEquals(List.of("checkpoint", "embedding"), docs.stream().map(d -> ((Map<?, ?>) d).get("kind")).toList());
    }

    @Test
    void loraFilesAreDescribedWithTheirAlgorithmsAndModules() {
        Map<String, Object> loha = json(Golden.file("lora/tiny-sd15_loha.safetensors").toString());
        assertEquals("lora", at(loha, "kind"));
        assertEquals("LoHa", at(loha, "details", "algorithms"));
        assertEquals(Map.of("unet", 3L, "text_encoder", 1L), at(loha, "details", "modules"));
        assertEquals("lycoris.kohya", at(loha, "metadata", "ss_network_module"));
        Map<String, Object> locon = json(Golden.file("lora/tiny-sd15_lora_locon.safetensors").toString());
        assertEquals("LoCon, LoRA", at(locon, "details", "algorithms"));
        assertEquals(List.of(4L), at(locon, "details", "ranks"));
        Captured text = Captured.run("inspect", Golden.file("lora/tiny-sd15_lokr.safetensors").toString());
        assertEquals(0, text.status(), text.err());
        assertTrue(text.out().contains("kind        lora: LoRA/LyCORIS network (LoKr), not a checkpoint"), text.out());
    }

    @Test
    void embeddingsAndVaesAreDescribedNotRefused() {
        for (String name : List.of("tinyemb.pt", "tinyemb.safetensors")) {
            Map<String, Object> j = json(Golden.file("embeddings/" + name).toString());
            assertEquals("embedding", at(j, "kind"), name);
            assertEquals(2L, num(j, "details", "vectors"));
            assertEquals(32L, num(j, "details", "width"));
            assertEquals(64L, num(j, "parameters"), name);
        }
        for (Path vae : List.of(Golden.model("tiny-sd15/vae/diffusion_pytorch_model.safetensors"), Golden.model("tiny-sd15/vae"))) {
            Map<String, Object> j = json(vae.toString());
            assertEquals("vae", at(j, "kind"), vae.toString());
            assertEquals(4L, num(j, "details", "latent_channels"));
            assertEquals(658_375L, num(j, "components", "vae", "parameters"));
        }
        assertEquals("component", at(json(Golden.model("tiny-sd15/unet/diffusion_pytorch_model.safetensors").toString()), "kind"));
    }

    @Test
    void aHypernetworkIsDescribedWithItsWidths(@TempDir Path dir) {
        Path f = dir.resolve("hn.safetensors");
        SafeTensorsWriter w = new SafeTensorsWriter();
        for (String side : List.of("0", "1")) {
            w.add("32." + side + ".linear.0.weight", Tensor.zeros(64, 32)).add("32." + side + ".linear.0.bias", Tensor.zeros(64));
            w.add("32." + side + ".linear.1.weight", Tensor.zeros(32, 64)).add("32." + side + ".linear.1.bias", Tensor.zeros(32));
        }
        w.write(f);
        Map<String, Object> j = json(f.toString());
        assertEquals("hypernetwork", at(j, "kind"));
        assertEquals(List.of(32L), at(j, "details", "widths"), j.toString());
        assertEquals(2L * (64 * 32 + 64 + 32 * 64 + 32), num(j, "components", "hypernetwork", "parameters"));
    }

    @Test
    void emaWeightsAreCountedApartFromTheModel(@TempDir Path dir) {
        Path f = dir.resolve("ema.safetensors");
        new SafeTensorsWriter()
                .add("model.diffusion_model.out.2.weight", Tensor.zeros(4, 8))
                .add("model_ema.diffusion_modelout2weight", Tensor.zeros(4, 8))
                .add("model_ema.decay", Tensor.zeros(1))
                .write(f);
        Map<String, Object> j = json(f.toString());
        assertEquals(true, at(j, "ema", "present"));
        assertEquals(2L, num(j, "ema", "tensors"));
        assertEquals(33L, num(j, "ema", "parameters"));
        assertEquals(32L, num(j, "components", "unet", "parameters"));
        Captured text = Captured.run("inspect", f.toString());
        assertTrue(text.out().contains("ema         2 EMA tensors (model_ema.*), 33 parameters"), text.out());
    }

    @Test
    void shardedAndPickledComponentWeightsAreRead(@TempDir Path dir) throws IOException {
        Path src = Golden.model("tiny-sd15");
        Path folder = dir.resolve("sharded");
        for (String f : List.of("model_index.json", "scheduler/scheduler_config.json", "unet/config.json", "vae/config.json",
                "vae/diffusion_pytorch_model.safetensors", "text_encoder/config.json")) {
            Files.createDirectories(folder.resolve(f).getParent());
            Files.copy(src.resolve(f), folder.resolve(f));
        }
        // the UNet as two shards and an index, as diffusers saves large models
        Map<String, Object> weightMap = new LinkedHashMap<>();
        try (SafeTensors unet = SafeTensors.open(src.resolve("unet/diffusion_pytorch_model.safetensors"))) {
            SafeTensorsWriter[] shards = {new SafeTensorsWriter(), new SafeTensorsWriter()};
            int i = 0;
            for (String name : unet.names()) {
                int shard = i++ % 2;
                shards[shard].add(name, unet.get(name));
                weightMap.put(name, "diffusion_pytorch_model-0000" + (shard + 1) + "-of-00002.safetensors");
            }
            for (int s = 0; s < 2; s++) shards[s].write(folder.resolve("unet/diffusion_pytorch_model-0000" + (s + 1) + "-of-00002.safetensors"));
        }
        Files.writeString(folder.resolve("unet/diffusion_pytorch_model.safetensors.index.json"),
                Json.write(Map.of("metadata", Map.of(), "weight_map", weightMap)));
        // a pickled component (.bin) goes through the same restricted unpickler as a .ckpt
        Files.copy(Golden.file("embeddings/tinyemb.pt"), folder.resolve("text_encoder/pytorch_model.bin"));
        Files.copy(src.resolve("vae/diffusion_pytorch_model.safetensors"), folder.resolve("vae/diffusion_pytorch_model.fp16.safetensors"));

        Map<String, Object> j = json(folder.toString());
        Map<String, Object> plain = json(src.toString());
        assertEquals((Object) at(plain, "components", "unet"), at(j, "components", "unet"));
        List<?> files = at(j, "files");
        assertEquals(4, files.size(), files.toString());
        assertEquals(List.of("unet", "unet", "vae", "text_encoder"), files.stream().map(f -> ((Map<?, ?>) f).get("component")).toList());
        assertEquals("torch zip", ((Map<?, ?>) files.get(3)).get("format"));
        List<String> notes = at(j, "notes");
        assertEquals(1, notes.size(), notes.toString());
        assertTrue(notes.getFirst().contains("diffusion_pytorch_model.fp16.safetensors (not counted"), notes.toString());
    }

    @Test
    void hashesAreTheWebUisAndCached(@TempDir Path dir) {
        Path model = Golden.model("tiny-sd15.fp16.safetensors");
        FileHashes hashes = new FileHashes(new HashCache(dir.resolve("hashes.json")));
        Map<String, Object> h = hashes.of(model);
        assertEquals(ModelHash.sha256(model), h.get("sha256"));
        assertEquals(((String) h.get("sha256")).substring(0, 10), h.get("autov2"));
        assertEquals(ModelHash.legacy(model), h.get("legacy"));
        assertTrue(Files.isRegularFile(dir.resolve("hashes.json")), "the SHA-256 is cached");
        ModelSummary folder = ModelSummary.of(Golden.model("tiny-sd15"));
        assertEquals(3, hashes.of(folder).size(), "one hash per weight file of a folder");
    }
}
