package jdiffusion.sd.extra;

import jdiffusion.kernels.cpu.CpuBackend;
import jdiffusion.nn.Weights;
import jdiffusion.sd.checkpoint.Checkpoint;
import jdiffusion.sd.clip.ClipTextEncoder;
import jdiffusion.sd.clip.ClipTokenizer;
import jdiffusion.sd.prompt.ExtraNetworks;
import jdiffusion.sd.unet.UNet;
import jdiffusion.tensor.Backend;
import jdiffusion.tensor.SafeTensorsWriter;
import jdiffusion.tensor.Tensor;
import jdiffusion.tensor.testing.Golden;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static jdiffusion.tensor.testing.TensorAssert.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Prompt tags to model components: stacking, switching without reloading, and what is warned about or refused. */
class ExtraNetworkLibraryTest {
    static Backend backend;
    static Checkpoint ckpt;
    static ClipTokenizer tokenizer;
    static ClipTextEncoder text;
    static UNet unet;
    @TempDir static Path root;
    static ExtraNetworkLibrary library;

    @BeforeAll
    static void open() throws IOException {
        backend = new CpuBackend();
        ckpt = Checkpoint.open(Golden.model("tiny-sd15.safetensors"));
        tokenizer = ClipTokenizer.load(Golden.model("clip-tokenizer-sd1"));
        text = new ClipTextEncoder(backend, new Weights(ckpt.textEncoder()), ckpt.config().textEncoder());
        unet = new UNet(backend, new Weights(ckpt.unet()), ckpt.config().unet());
        Files.createDirectories(root.resolve("models/Lora"));
        Files.createDirectories(root.resolve("models/LyCORIS"));
        Files.createDirectories(root.resolve("embeddings"));
        Files.copy(Golden.file("lora/tiny-sd15_lora_locon.safetensors"), root.resolve("models/Lora/locon.safetensors"));
        Files.copy(Golden.file("lora/tiny-sd15_loha.safetensors"), root.resolve("models/LyCORIS/loha.safetensors"));
        Files.copy(Golden.file("lora/tiny-sd15_lokr.safetensors"), root.resolve("models/LyCORIS/lokr.safetensors"));
        Files.copy(Golden.file("embeddings/tinyemb.safetensors"), root.resolve("embeddings/tinyemb.safetensors"));
        SafeTensorsWriter.write(root.resolve("embeddings/xlface.safetensors"), Map.of("clip_l", Tensor.zeros(2, 768), "clip_g", Tensor.zeros(2, 1280)));
        SafeTensorsWriter.write(root.resolve("embeddings/widestyle.safetensors"), Map.of("emb_params", Tensor.zeros(1, 768)));
        Files.write(root.resolve("embeddings/brokenface.pt"), new byte[] {'P', 'K', 3, 4, 0});
        library = new ExtraNetworkLibrary(ModelsFolder.of(root), backend, ckpt, "tiny-sd15", tokenizer, text, unet);
    }

    @AfterAll
    static void close() {
        if (ckpt != null) ckpt.close();
        if (backend != null) backend.close();
    }

    static NetworkActivation activate(String prompt, List<String> warnings) {
        return library.activate(List.of(ExtraNetworks.parse(prompt)), warnings::add);
    }

    @Test
    void aLoraTagGivesTheMergedUNetAndTextEncoderOfTheGolden() {
        NetworkActivation a = activate("a cat <lora:locon:0.7>", new ArrayList<>());
        try (Golden.Case c = Golden.open("lora/tiny-sd15_lora_merged_m0.7")) {
            Tensor out = a.unet().forward(c.tensor("sample"), c.tensor("timestep"), c.tensor("encoder_hidden_states"), null);
            assertClose(c.tensor("unet_out_merged"), out, 1e-4, 0, "unet");
            assertClose(c.tensor("te_last_hidden_state_merged"),
                    a.textEncoder().forward(backend, ClipTextEncoder.ids(c.tensor("input_ids"))).lastHiddenState(), 1e-4, 0, "text encoder");
        }
    }

    @Test
    void severalLorasStackOnOneLayer() {
        NetworkActivation both = activate("<lora:locon:0.7> <lora:loha:0.7>", new ArrayList<>());
        PatchedWeights w = PatchedWeights.of(ckpt.unet(), NetworkTarget.UNET, both.loras());
        String key = "down_blocks.0.resnets.0.conv1.weight";
        try (Golden.Case lora = Golden.open("lora/tiny-sd15_lora_merged_m0.7"); Golden.Case loha = Golden.open("lora/tiny-sd15_loha_merged_m0.7")) {
            float[] base = ckpt.unet().find(key).toFloatArray();
            float[] a = lora.floats("merged_weight.unet.down_blocks.0.resnets.0.conv1"), b = loha.floats("merged_weight.unet.down_blocks.0.resnets.0.conv1");
            float[] expected = new float[base.length];
            for (int i = 0; i < base.length; i++) expected[i] = a[i] + b[i] - base[i];
            assertClose(expected, w.find(key).toFloatArray(), 1e-5, 0, "W + 0.7 dLoRA + 0.7 dLoHa");
        }
    }

    @Test
    void theSameTagsReuseTheComponentsAndOtherTagsLeaveTheBaseAlone() {
        NetworkActivation first = activate("x <lora:lokr:0.7>", new ArrayList<>());
        assertSame(first, activate("y <lora:lokr:0.7>", new ArrayList<>()), "same networks: same components");
        NetworkActivation other = activate("y <lora:loha:1>", new ArrayList<>());
        NetworkActivation none = activate("plain", new ArrayList<>());
        assertSame(unet, none.unet(), "no networks: the base UNet itself");
        assertSame(text, none.textEncoder());
        assertTrue(other != first);
        // the base source still gives the file's own weights: nothing was merged into it
        try (Golden.Case c = Golden.open("lora/tiny-sd15_lokr_merged_m0.7")) {
            Tensor out = unet.forward(c.tensor("sample"), c.tensor("timestep"), c.tensor("encoder_hidden_states"), null);
            assertClose(c.tensor("unet_out_base"), out, 1e-4, 0, "base after switching");
            Tensor merged = activate("z <lora:lokr:0.7>", new ArrayList<>()).unet()
                    .forward(c.tensor("sample"), c.tensor("timestep"), c.tensor("encoder_hidden_states"), null);
            assertClose(c.tensor("unet_out_merged"), merged, 1e-4, 0, "LoKr again after switching");
        }
    }

    @Test
    void separateMultipliersFollowTheWebUiTag() {
        NetworkActivation a = activate("<lora:lokr:0:0.7>", new ArrayList<>());
        assertEquals(0.0, a.loras().getFirst().textEncoderMultiplier());
        assertEquals(0.7, a.loras().getFirst().unetMultiplier());
        assertSame(text, a.textEncoder(), "a text-encoder multiplier of 0 leaves the text encoder as it is");
        NetworkActivation named = activate("<lora:lokr:1:unet=0.3:te=0.2>", new ArrayList<>());
        assertEquals(0.2, named.loras().getFirst().textEncoderMultiplier());
        assertEquals(0.3, named.loras().getFirst().unetMultiplier());
    }

    @Test
    void missingNamesAndUnknownTagTypesAreWarningsNotErrors() {
        List<String> warnings = new ArrayList<>();
        NetworkActivation a = activate("a <lora:nosuch:1> <hypernet:gone:1> <foo:bar>", warnings);
        assertTrue(a.loras().isEmpty() && a.hypernetworks().isEmpty());
        assertTrue(warnings.contains("skipping unknown extra network: foo"), warnings.toString());
        assertTrue(warnings.stream().anyMatch(w -> w.startsWith("networks not found: nosuch, gone")), warnings.toString());
    }

    @Test
    void embeddingsForAnotherTextEncoderAreRefusedWhenAPromptUsesThem() {
        EmbeddingDatabase db = library.embeddings();
        assertEquals(2, db.get("tinyemb").count());
        int[] ids = tokenizer.encode("a xlface portrait");
        String m = assertThrows(ExtraNetworkException.class, () -> {
            for (int i = 0; i < ids.length; i++) db.find(ids, i);
        }).getMessage();
        assertTrue(m.contains("xlface") && m.contains("SDXL") && m.contains("32 wide"), m);
        m = assertThrows(ExtraNetworkException.class, () -> db.get("widestyle")).getMessage();
        assertTrue(m.contains("widestyle.safetensors") && m.contains("768") && m.contains("SD 1.x"), m);
        assertTrue(db.unreadable().containsKey("brokenface"), db.unreadable().toString());
        int[] broken = tokenizer.encode("brokenface");
        m = assertThrows(ExtraNetworkException.class, () -> db.find(broken, 0)).getMessage();
        assertTrue(m.contains("brokenface.pt"), m);
        int[] plain = tokenizer.encode("a red house");
        for (int i = 0; i < plain.length; i++) assertEquals(null, db.find(plain, i));
    }
}
