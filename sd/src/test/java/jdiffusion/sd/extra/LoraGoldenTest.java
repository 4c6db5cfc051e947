package jdiffusion.sd.extra;

import jdiffusion.sd.TestBackends;
import jdiffusion.nn.Weights;
import jdiffusion.sd.checkpoint.Checkpoint;
import jdiffusion.sd.clip.ClipTextEncoder;
import jdiffusion.sd.clip.ClipTextOutput;
import jdiffusion.sd.unet.UNet;
import jdiffusion.tensor.Backend;
import jdiffusion.tensor.SafeTensorsWriter;
import jdiffusion.tensor.Tensor;
import jdiffusion.tensor.ckpt.CheckpointFiles;
import jdiffusion.tensor.ckpt.TensorFile;
import jdiffusion.tensor.testing.Golden;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static jdiffusion.tensor.testing.TensorAssert.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** LoRA/LoCon, LoHa and LoKr merged at multiplier 0.7 against the WebUI Lora extension math (golden lora/). */
class LoraGoldenTest {
    /** golden README: lora tolerances as the UNet and CLIP cases */
    static final double ATOL = 1e-4;

    static Backend backend;
    static Checkpoint ckpt;
    static ModelModules modules;

    @BeforeAll
    static void open() {
        backend = TestBackends.create();
        ckpt = Checkpoint.open(Golden.model("tiny-sd15.safetensors"));
        modules = ModelModules.of(ckpt, "tiny-sd15");
    }

    @AfterAll
    static void close() {
        if (ckpt != null) ckpt.close();
        if (backend != null) backend.close();
    }

    static void assertMergedOutputs(String caseName, LoraNetwork network) {
        List<ActiveLora> active = List.of(new ActiveLora(network, 0.7, 0.7));
        PatchedWeights unetWeights = PatchedWeights.of(ckpt.unet(), NetworkTarget.UNET, active);
        PatchedWeights textWeights = PatchedWeights.of(ckpt.textEncoder(), NetworkTarget.TEXT_ENCODER, active);
        try (Golden.Case c = Golden.open("lora/" + caseName)) {
            for (String n : c.safetensors().names()) {
                if (!n.startsWith("merged_weight.")) continue;
                String rest = n.substring("merged_weight.".length());
                PatchedWeights w = rest.startsWith("unet.") ? unetWeights : textWeights;
                String key = rest.substring(rest.indexOf('.') + 1) + ".weight";
                assertTrue(w.patchedKeys().contains(key), key + " is patched");
                assertClose(c.tensor(n), w.find(key), 1e-5, 0, caseName + " " + n);
            }
            UNet unet = new UNet(backend, new Weights(unetWeights), ckpt.config().unet());
            Tensor out = unet.forward(c.tensor("sample"), c.tensor("timestep"), c.tensor("encoder_hidden_states"), null);
            assertClose(c.tensor("unet_out_merged"), out, ATOL, 0, caseName + " unet_out_merged");
            ClipTextEncoder text = new ClipTextEncoder(backend, new Weights(textWeights), ckpt.config().textEncoder());
            ClipTextOutput o = text.forward(backend, ClipTextEncoder.ids(c.tensor("input_ids")));
            assertClose(c.tensor("te_last_hidden_state_merged"), o.lastHiddenState(), ATOL, 0, caseName + " te_last_hidden_state_merged");
            assertClose(c.tensor("te_penultimate_ln_merged"), o.penultimateLn(), ATOL, 0, caseName + " te_penultimate_ln_merged");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"lora_locon:lora", "loha:loha", "lokr:lokr"})
    void mergedUNetAndTextEncoderMatchTheWebUiLoraExtension(String spec) {
        String[] s = spec.split(":");
        LoraNetwork n = LoraNetwork.load(Golden.file("lora/tiny-sd15_" + s[0] + ".safetensors"), modules);
        assertTrue(n.unmatched().isEmpty(), "every module matched: " + n.unmatched());
        assertMergedOutputs("tiny-sd15_" + s[1] + "_merged_m0.7", n);
    }

    @Test
    void everyLoConModuleOfTheIndexIsBound() {
        LoraNetwork n = LoraNetwork.load(Golden.file("lora/tiny-sd15_lora_locon.safetensors"), modules);
        assertEquals(215, n.modules().size());
    }

    /** kohya also names UNet modules by their ldm path (lora_unet_input_blocks_1_1_proj_in): the same layers, the same merge. */
    @Test
    void ldmFormModuleNamesPatchTheSameLayers(@TempDir Path dir) {
        Map<String, String> ldm = jdiffusion.sd.checkpoint.LdmModuleNames.unet(ckpt.config().unet(), ckpt.unet().keys());
        Map<String, Tensor> renamed = new LinkedHashMap<>();
        Path ldmFile = dir.resolve("tiny_ldm.safetensors");
        try (TensorFile f = CheckpointFiles.open(Golden.file("lora/tiny-sd15_lora_locon.safetensors"))) {
            int ldmNamed = 0;
            for (Map.Entry<String, Tensor> e : f.tensors().entrySet()) {
                String k = e.getKey();
                int dot = k.indexOf('.');
                String module = k.substring(0, dot);
                if (module.startsWith("lora_unet_")) {
                    String diffusers = null;
                    for (String key : ckpt.unet().keys())
                        if (key.endsWith(".weight") && ("lora_unet_" + key.substring(0, key.length() - 7).replace('.', '_')).equals(module)) diffusers = key;
                    String l = ldm.get(diffusers);
                    module = "lora_unet_" + l.substring(0, l.length() - 7).replace('.', '_');
                    ldmNamed++;
                }
                renamed.put(module + k.substring(dot), Tensor.of(e.getValue().toFloatArray(), e.getValue().shape()));
            }
            assertEquals(197 * 3, ldmNamed);
            assertTrue(renamed.containsKey("lora_unet_input_blocks_1_1_proj_in.lora_down.weight"), "ldm names written");
        }
        SafeTensorsWriter.write(ldmFile, renamed);
        LoraNetwork n = LoraNetwork.load(ldmFile, modules);
        assertEquals(215, n.modules().size());
        assertMergedOutputs("tiny-sd15_lora_merged_m0.7", n);
    }

    @Test
    void aTorchPickleLoraMergesLikeItsSafetensorsForm(@TempDir Path dir) throws java.io.IOException {
        Map<String, Object> root = new LinkedHashMap<>();
        try (TensorFile f = CheckpointFiles.open(Golden.file("lora/tiny-sd15_loha.safetensors"))) {
            for (Map.Entry<String, Tensor> e : f.tensors().entrySet())
                root.put(e.getKey(), new LegacyTorchFile.FloatTensor(e.getValue().toFloatArray(), e.getValue().shape()));
        }
        Path pt = dir.resolve("loha.pt");
        java.nio.file.Files.write(pt, LegacyTorchFile.write(root));
        assertMergedOutputs("tiny-sd15_loha_merged_m0.7", LoraNetwork.load(pt, modules));
    }

    @Test
    void untouchedWeightsAreTheBaseTensorsThemselves() {
        LoraNetwork n = LoraNetwork.load(Golden.file("lora/tiny-sd15_loha.safetensors"), modules);
        PatchedWeights w = PatchedWeights.of(ckpt.unet(), NetworkTarget.UNET, List.of(new ActiveLora(n, 1, 1)));
        assertEquals(3, w.patchedKeys().size());
        String plain = "conv_in.weight";
        // a view of the mapped file, not a copy (patched weights are heap F32 arrays)
        assertNull(w.find(plain).heapArrayOrNull());
        assertArrayEquals(ckpt.unet().find(plain).toFloatArray(), w.find(plain).toFloatArray());
        assertNotNull(w.find("down_blocks.0.resnets.0.conv1.weight").heapArrayOrNull());
    }
}
