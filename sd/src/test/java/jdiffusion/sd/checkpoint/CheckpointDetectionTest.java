package jdiffusion.sd.checkpoint;

import jdiffusion.tensor.ckpt.TensorFile;
import jdiffusion.nn.WeightSource;
import jdiffusion.sd.clip.ClipTextConfig;
import jdiffusion.sd.unet.UNetConfig;
import jdiffusion.tensor.Tensor;
import jdiffusion.tensor.testing.Golden;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CheckpointDetectionTest {
    /** The tiny model as the golden README describes it. */
    private static void assertTinyConfig(ModelConfig c) {
        assertEquals(ModelFamily.SD1, c.family());
        assertEquals(ModelVariant.TEXT_TO_IMAGE, c.variant());
        assertEquals("epsilon", c.predictionType());
        UNetConfig u = c.unet();
        assertEquals(4, u.inChannels());
        assertEquals(4, u.outChannels());
        assertEquals(List.of(32, 64, 64), u.blockOutChannels());
        assertEquals(2, u.layersPerBlock());
        assertEquals(List.of(true, true, false), u.crossAttention());
        assertEquals(List.of(8, 8, 8), u.attentionHeads());
        assertEquals(List.of(1, 1, 1), u.transformerDepth());
        assertEquals(32, u.contextDim());
        assertFalse(u.linearProjection());
        assertEquals(List.of(32, 64), c.vae().blockOutChannels());
        assertEquals(1, c.vae().layersPerBlock());
        assertEquals(4, c.vae().latentChannels());
        assertEquals(2, c.vae().downsamplingFactor());
        assertEquals(0.18215f, c.vae().scalingFactor());
        ClipTextConfig t = c.textEncoder();
        assertEquals(32, t.hiddenSize());
        assertEquals(3, t.layers());
        assertEquals(4, t.heads());
        assertEquals(37, t.intermediateSize());
        assertEquals(ClipTextConfig.Activation.QUICK_GELU, t.activation());
        assertEquals(49408, t.vocabSize());
        assertEquals(77, t.maxPositions());
        assertEquals(0, t.skippedLayers());
        assertEquals(1000, c.schedule().timesteps());
        assertEquals(0.00085, c.schedule().betaStart(), 1e-12);
        assertEquals(0.012, c.schedule().betaEnd(), 1e-12);
    }

    @ParameterizedTest
    @ValueSource(strings = {"tiny-sd15.safetensors", "tiny-sd15.fp16.safetensors", "tiny-sd15/"})
    void tinyModelConfigIsReadFromYamlOrDiffusersConfigs(String model) {
        try (Checkpoint ckpt = Checkpoint.open(Golden.model(model))) {
            assertTinyConfig(ckpt.config());
            assertEquals(model.endsWith("/") ? Checkpoint.Layout.DIFFUSERS : Checkpoint.Layout.SINGLE_FILE, ckpt.layout());
        }
    }

    @Test
    void singleFileExposesItsOwnAlphasCumprodAndDiffusersFolderItsTokenizer() {
        try (Checkpoint single = Checkpoint.open(Golden.model("tiny-sd15.safetensors"));
             Checkpoint folder = Checkpoint.open(Golden.model("tiny-sd15"))) {
            float[] a = single.alphasCumprod().orElseThrow();
            assertEquals(1000, a.length);
            assertEquals(1 - 0.00085, a[0], 1e-7);
            assertTrue(folder.alphasCumprod().isEmpty());
            assertTrue(Files.isRegularFile(folder.tokenizerDir().orElseThrow().resolve("vocab.json")));
            assertTrue(single.tokenizerDir().isEmpty());
        }
    }

    @Test
    void withoutYamlTheUNetAndVaeShapesAreReadFromTheWeights() {
        try (TensorFile real = ModelFile.open(Golden.model("tiny-sd15.safetensors"))) {
            SyntheticTensorFile f = SyntheticTensorFile.copyOf(real, "tiny-no-text.safetensors").removeUnder(LdmNames.CLIP_PREFIX);
            try (Checkpoint ckpt = Checkpoint.fromSingleFile(f, null)) {
                assertNull(ckpt.config().textEncoder());
                ModelConfig c = ckpt.config();
                // SD1 convention: 8 heads; the tiny model happens to use them too
                assertEquals(List.of(8, 8, 8), c.unet().attentionHeads());
                assertEquals(List.of(32, 64, 64), c.unet().blockOutChannels());
                assertEquals(List.of(true, true, false), c.unet().crossAttention());
                assertEquals(2, c.vae().downsamplingFactor());
                assertThrows(ModelLoadException.class, ckpt::textEncoder);
            }
        }
    }

    @Test
    void textEncoderWhoseHeadsCannotBeInferredAsksForAYaml() {
        try (TensorFile real = ModelFile.open(Golden.model("tiny-sd15.safetensors"))) {
            SyntheticTensorFile f = SyntheticTensorFile.copyOf(real, "tiny.safetensors");
            ModelLoadException e = assertThrows(ModelLoadException.class, () -> Checkpoint.fromSingleFile(f, null));
            assertTrue(e.getMessage().contains(".yaml"), e.getMessage());
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {9, 8})
    void extraUNetInputChannelsMeanInpaintingOrInstructPix2Pix(int channels) {
        try (TensorFile real = ModelFile.open(Golden.model("tiny-sd15.safetensors"))) {
            SyntheticTensorFile f = SyntheticTensorFile.copyOf(real, "tiny-inpaint.safetensors").removeUnder(LdmNames.CLIP_PREFIX)
                    .put(LdmNames.UNET_PREFIX + "input_blocks.0.0.weight", 32, channels, 3, 3);
            try (Checkpoint ckpt = Checkpoint.fromSingleFile(f, null)) {
                assertEquals(channels == 9 ? ModelVariant.INPAINTING : ModelVariant.INSTRUCT_PIX2PIX, ckpt.config().variant());
                assertEquals(channels, ckpt.config().unet().inChannels());
            }
        }
    }

    @Test
    void yamlThatContradictsTheWeightsIsRefused() {
        try (TensorFile real = ModelFile.open(Golden.model("tiny-sd15.safetensors"))) {
            SyntheticTensorFile f = SyntheticTensorFile.copyOf(real, "tiny-inpaint.safetensors")
                    .put(LdmNames.UNET_PREFIX + "input_blocks.0.0.weight", 32, 9, 3, 3);
            ModelLoadException e = assertThrows(ModelLoadException.class, () -> Checkpoint.fromSingleFile(f, Golden.model("tiny-sd15.yaml")));
            assertTrue(e.getMessage().contains("in_channels 4 vs 9"), e.getMessage());
        }
    }

    /** The tiny model's UNet and VAE with an OpenCLIP text encoder 64 wide, 2 blocks, and linear projections: an SD2 layout. */
    static SyntheticTensorFile sd2Like(TensorFile real) {
        SyntheticTensorFile f = SyntheticTensorFile.copyOf(real, "sd2-like.safetensors").removeUnder(LdmNames.CLIP_PREFIX);
        for (String n : List.copyOf(f.shapes.keySet()))
            if (n.endsWith(".proj_in.weight") || n.endsWith(".proj_out.weight")) { int[] s = f.shapes.get(n); f.put(n, s[0], s[1]); }
        String p = LdmNames.OPENCLIP_PREFIX;
        f.put(p + "token_embedding.weight", 49408, 64).put(p + "positional_embedding", 77, 64)
                .put(p + "ln_final.weight", 64).put(p + "ln_final.bias", 64).put(p + "text_projection", 64, 64).put(p + "logit_scale");
        for (int i = 0; i < 2; i++) {
            String b = p + "transformer.resblocks." + i + ".";
            f.put(b + "ln_1.weight", 64).put(b + "ln_1.bias", 64).put(b + "ln_2.weight", 64).put(b + "ln_2.bias", 64)
                    .put(b + "attn.in_proj_weight", 192, 64).put(b + "attn.in_proj_bias", 192)
                    .put(b + "attn.out_proj.weight", 64, 64).put(b + "attn.out_proj.bias", 64)
                    .put(b + "mlp.c_fc.weight", 256, 64).put(b + "mlp.c_fc.bias", 256).put(b + "mlp.c_proj.weight", 64, 256).put(b + "mlp.c_proj.bias", 64);
        }
        return f;
    }

    @Test
    void openClipTextEncoderMeansSd2WithLinearProjectionsHeadDim64AndPenultimateLayer() {
        try (TensorFile real = ModelFile.open(Golden.model("tiny-sd15.safetensors")); Checkpoint ckpt = Checkpoint.fromSingleFile(sd2Like(real), null)) {
            ModelConfig c = ckpt.config();
            assertEquals(ModelFamily.SD2, c.family());
            assertTrue(c.unet().linearProjection());
            assertEquals(List.of(1, 1, 1), c.unet().attentionHeads());
            ClipTextConfig t = c.textEncoder();
            assertEquals(ClipTextConfig.Activation.GELU, t.activation());
            assertEquals(64, t.hiddenSize());
            assertEquals(1, t.heads());
            assertEquals(2, t.layers());
            assertEquals(1, t.skippedLayers());
            assertEquals(0, t.padTokenId());
            assertEquals(256, t.intermediateSize());
        }
    }

    @Test
    void aViTHTextTowerShortOfItsLastLayerRunsEveryLayerItHas() {
        for (int present : new int[] {24, 23}) {
            SyntheticTensorFile f = new SyntheticTensorFile("sd2-" + present + ".safetensors");
            String p = LdmNames.OPENCLIP_PREFIX;
            f.put(p + "token_embedding.weight", 49408, 1024).put(p + "positional_embedding", 77, 1024);
            for (int i = 0; i < present; i++) f.put(p + "transformer.resblocks." + i + ".mlp.c_fc.weight", 4096, 1024);
            ClipTextConfig t = ModelDetector.clip(f, ModelFamily.SD2);
            assertEquals(present, t.layers());
            assertEquals(23, t.layers() - t.skippedLayers(), "ldm runs ViT-H/14 to its 23rd layer whether or not the 24th is stored");
        }
    }

    @Test
    void openClipFusedInProjectionSplitsIntoQueryKeyValueViews() {
        try (TensorFile real = ModelFile.open(Golden.model("tiny-sd15.safetensors")); Checkpoint ckpt = Checkpoint.fromSingleFile(sd2Like(real), null)) {
            WeightSource text = ckpt.textEncoder();
            for (String name : List.of("q", "k", "v")) {
                Tensor w = text.find("text_model.encoder.layers.1.self_attn." + name + "_proj.weight");
                Tensor b = text.find("text_model.encoder.layers.1.self_attn." + name + "_proj.bias");
                int third = "qkv".indexOf(name);
                assertArrayEquals(new int[] {64, 64}, w.shape());
                assertEquals(third * 64 * 64, w.toFloatArray()[0]);
                assertEquals(third * 64, b.toFloatArray()[0]);
            }
            Tensor proj = text.find("text_projection.weight");
            assertEquals(1f, proj.toFloatArray()[64], "text_projection is transposed to [out, in]");
            assertTrue(text.keys().contains("text_model.embeddings.position_embedding.weight"));
            assertTrue(text.keys().contains("text_model.final_layer_norm.weight"));
            assertTrue(text.keys().contains("text_model.encoder.layers.0.mlp.fc2.bias"));
            assertEquals(2 + 2 + 1 + 2 * 16, text.keys().size());
        }
    }

    @Test
    void sd3FluxAndLoraFilesAreRefusedByName() {
        SyntheticTensorFile sd3 = new SyntheticTensorFile("sd3.safetensors")
                .put("model.diffusion_model.joint_blocks.0.context_block.adaLN_modulation.1.bias", 9216)
                .put("text_encoders.clip_l.transformer.text_model.embeddings.position_embedding.weight", 77, 768);
        assertMessage(UnsupportedModelException.class, sd3, "Stable Diffusion 3");
        SyntheticTensorFile flux = new SyntheticTensorFile("flux.safetensors")
                .put("double_blocks.0.img_mod.lin.weight", 18432, 3072).put("single_blocks.0.modulation.lin.weight", 9216, 3072);
        assertMessage(UnsupportedModelException.class, flux, "Flux");
        SyntheticTensorFile lora = new SyntheticTensorFile("lora.safetensors")
                .put("lora_unet_down_blocks_0_attentions_0_proj_in.lora_down.weight", 4, 320);
        assertMessage(ModelLoadException.class, lora, "LoRA");
        SyntheticTensorFile vae = new SyntheticTensorFile("vae.safetensors").put("encoder.conv_in.weight", 128, 3, 3, 3);
        assertMessage(ModelLoadException.class, vae, "VAE");
    }

    @Test
    void unknownTensorNamesAreAnErrorListingThem() {
        try (TensorFile real = ModelFile.open(Golden.model("tiny-sd15.safetensors"))) {
            SyntheticTensorFile inUnet = SyntheticTensorFile.copyOf(real, "odd.safetensors").put("model.diffusion_model.input_blocks.1.0.extra.weight", 4);
            assertMessage(ModelLoadException.class, inUnet, "input_blocks.1.0.extra.weight");
            SyntheticTensorFile outside = SyntheticTensorFile.copyOf(real, "odd.safetensors").put("embedding_manager.x", 4);
            assertMessage(ModelLoadException.class, outside, "embedding_manager.x");
            SyntheticTensorFile ema = SyntheticTensorFile.copyOf(real, "ema.safetensors").put("model_ema.diffusion_modelinput_blocks00weight", 32, 4, 3, 3)
                    .put("model_ema.decay").put("model_ema.num_updates");
            try (Checkpoint ok = Checkpoint.fromSingleFile(ema, Golden.model("tiny-sd15.yaml"))) {
                assertNull(ok.unet().find("model_ema.decay"));
            }
        }
    }

    private static void assertMessage(Class<? extends ModelLoadException> type, SyntheticTensorFile f, String part) {
        ModelLoadException e = assertThrows(type, () -> Checkpoint.fromSingleFile(f, Golden.model("tiny-sd15.yaml")));
        assertTrue(e.getMessage().contains(part), e.getMessage());
        assertTrue(e.getMessage().contains(f.path().toString()), e.getMessage());
    }

    @Test
    void yamlParameterizationVAndDiffusersPredictionTypeSelectVPrediction(@TempDir Path dir) throws IOException {
        String yaml = Files.readString(Golden.model("tiny-sd15.yaml")).replace("    linear_start:", "    parameterization: \"v\"\n    linear_start:");
        Path v = dir.resolve("tiny-v.yaml");
        Files.writeString(v, yaml);
        try (Checkpoint c = Checkpoint.openSingleFile(Golden.model("tiny-sd15.safetensors"), v)) {
            assertTrue(c.config().isVPrediction());
        }
        Path folder = dir.resolve("tiny-v");
        Files.createDirectories(folder.resolve("scheduler"));
        for (String part : List.of("model_index.json", "unet", "vae", "text_encoder", "tokenizer"))
            Files.createSymbolicLink(folder.resolve(part), Golden.model("tiny-sd15").resolve(part));
        Files.writeString(folder.resolve("scheduler/scheduler_config.json"),
                Files.readString(Golden.model("tiny-sd15/scheduler/scheduler_config.json")).replace("\"epsilon\"", "\"v_prediction\""));
        try (Checkpoint c = Checkpoint.open(folder)) {
            assertTrue(c.config().isVPrediction());
            assertEquals(ModelFamily.SD1, c.config().family());
        }
    }

    @Test
    void incompleteSdxlDiffusersFolderNamesTheMissingFile(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("model_index.json"), "{\"_class_name\": \"StableDiffusionXLPipeline\"}");
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> Checkpoint.open(dir));
        assertTrue(e.getMessage().contains("unet") && e.getMessage().contains("config.json"), e.getMessage());
    }

    @Test
    void siblingYamlIsFoundForTheF16VariantToo() {
        assertEquals(Golden.model("tiny-sd15.yaml"), Checkpoint.siblingYaml(Golden.model("tiny-sd15.fp16.safetensors")));
        assertEquals(Golden.model("tiny-sd15.yaml"), Checkpoint.siblingYaml(Golden.model("tiny-sd15.safetensors")));
    }
}
