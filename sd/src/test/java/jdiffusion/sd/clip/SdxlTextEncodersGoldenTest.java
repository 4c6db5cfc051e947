package jdiffusion.sd.clip;

import jdiffusion.sd.checkpoint.ModelFile;
import jdiffusion.kernels.cpu.CpuBackend;
import jdiffusion.nn.Weights;
import jdiffusion.sd.TestBackends;
import jdiffusion.sd.checkpoint.RoundedToHalf;
import jdiffusion.sd.checkpoint.SdxlTextEncoders;
import jdiffusion.tensor.Backend;
import jdiffusion.tensor.DType;
import jdiffusion.tensor.Tensor;
import jdiffusion.tensor.testing.Golden;
import jdiffusion.tensor.testing.TensorAssert;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SDXL's two text encoders (sdxl/tiny-sdxl_text_encoders_*, diffusers {@code encode_prompt}): CLIP-L and OpenCLIP-bigG
 * from the sgm single file (fused in_proj, {@code x @ text_projection}) and the diffusers folder, every hidden state,
 * the penultimate states without the final norm, and bigG's projected pooled output.
 */
class SdxlTextEncodersGoldenTest {
    private static final double ATOL = 1e-4;
    /** F16 weights move the outputs by their rounding, not by the arithmetic: measured 3.2e-3 at most (bigG pooled, case 1). */
    private static final double HALF_WEIGHTS_ATOL = 1e-2;
    private static Backend backend;

    @BeforeAll static void start() { backend = TestBackends.create(); }

    @AfterAll static void stop() { if (backend != null) backend.close(); }

    private static void checkTower(Golden.Case c, String te, ClipTextEncoder encoder, int[][] ids, double atol, String what) {
        ClipTextOutput out = encoder.forward(backend, ids);
        for (int h = 0; h < out.hiddenStates().size(); h++)
            TensorAssert.assertClose(c.tensor(te + ".hidden_states." + h), out.hiddenStates().get(h), atol, 0, what + " " + te + ".hidden_states." + h);
        TensorAssert.assertClose(c.tensor(te + ".last_hidden_state"), out.lastHiddenState(), atol, 0, what + " " + te + ".last_hidden_state");
        ClipTextEncoder.PenultimateStates p = encoder.penultimate(backend, ids, encoder.config().hasProjection());
        TensorAssert.assertClose(c.tensor(te + ".penultimate"), p.states(), atol, 0, what + " " + te + ".penultimate");
        if (encoder.config().hasProjection()) {
            TensorAssert.assertClose(c.tensor("te2.pooled_unprojected"), out.pooled(), atol, 0, what + " te2.pooled_unprojected");
            TensorAssert.assertClose(c.tensor("te2.text_embeds"), out.textEmbeds(), atol, 0, what + " te2.text_embeds");
            TensorAssert.assertClose(c.tensor("te2.text_embeds"), p.pooled(), atol, 0, what + " penultimate(pooled)");
        }
    }

    private static void checkAllCases(SdxlTextEncoders text, double atol, String model) {
        ClipTextEncoder g = new ClipTextEncoder(backend, new Weights(text.bigG()), text.bigGConfig());
        ClipTextEncoder l = text.hasClipL() ? new ClipTextEncoder(backend, new Weights(text.clipL()), text.clipLConfig()) : null;
        for (int i = 0; i < 4; i++) {
            try (Golden.Case c = Golden.open("sdxl/tiny-sdxl_text_encoders_" + i)) {
                String what = model + " case " + i;
                int[][] ids2 = ClipTextEncoder.ids(c.tensor("input_ids_2"));
                checkTower(c, "te2", g, ids2, atol, what);
                if (l == null) continue;
                int[][] ids1 = ClipTextEncoder.ids(c.tensor("input_ids_1"));
                checkTower(c, "te1", l, ids1, atol, what);
                Tensor cat = backend.concat(2, l.penultimate(backend, ids1, false).states(), g.penultimate(backend, ids2, false).states());
                TensorAssert.assertClose(c.tensor("prompt_embeds"), cat, atol, 0, what + " prompt_embeds");
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"tiny-sdxl.safetensors", "tiny-sdxl/", "tiny-sdxl-refiner.safetensors"})
    void bothEncodersMatchTransformersInEveryLayout(String model) {
        try (SdxlTextEncoders text = SdxlTextEncoders.open(Golden.model(model))) {
            assertEquals(!model.contains("refiner"), text.hasClipL(), "CLIP-L present");
            assertEquals(48, text.bigGConfig().projectionDim());
            assertEquals(0, text.bigGConfig().padTokenId(), "bigG pads with id 0");
            assertEquals(ClipTextConfig.Activation.GELU, text.bigGConfig().activation());
            assertEquals(16, text.sizeEmbeddingDim());
            assertEquals(model.contains("refiner") ? 128 : 144, text.vectorDim());
            checkAllCases(text, ATOL, model);
        }
    }

    @Test
    void withoutTheYamlHeadsAndSizeWidthComeFromTheShapesOrAreRefused() {
        // the tiny towers are 32 and 48 wide, not multiples of CLIP's 64-wide heads: without the yaml the file is refused by name
        try (var f = jdiffusion.sd.checkpoint.ModelFile.open(Golden.model("tiny-sdxl.safetensors"))) {
            var e = org.junit.jupiter.api.Assertions.assertThrows(jdiffusion.sd.checkpoint.ModelLoadException.class,
                    () -> SdxlTextEncoders.fromSingleFile(f, null));
            assertTrue(e.getMessage().contains("yaml") && e.getMessage().contains("tiny-sdxl.safetensors"), e.getMessage());
        }
    }

    @Test
    void halfPrecisionFileEqualsF32WeightsRoundedToHalfAndStaysNearGolden() {
        try (SdxlTextEncoders half = SdxlTextEncoders.open(Golden.model("tiny-sdxl.fp16.safetensors"));
             SdxlTextEncoders full = SdxlTextEncoders.open(Golden.model("tiny-sdxl.safetensors"));
             Backend cpu = new CpuBackend(2)) {
            assertEquals(DType.F16, half.bigG().find("text_model.encoder.layers.0.self_attn.k_proj.weight").dtype());
            assertEquals(DType.F16, half.clipL().find("text_model.encoder.layers.0.mlp.fc1.weight").dtype());
            assertFalse(half.bigG().keys().contains("text_model.embeddings.position_ids"));
            for (boolean bigG : new boolean[] {true, false}) {
                ClipTextEncoder fromHalf = bigG ? new ClipTextEncoder(cpu, new Weights(half.bigG()), half.bigGConfig())
                        : new ClipTextEncoder(cpu, new Weights(half.clipL()), half.clipLConfig());
                ClipTextEncoder fromRounded = bigG ? new ClipTextEncoder(cpu, new Weights(new RoundedToHalf(full.bigG())), full.bigGConfig())
                        : new ClipTextEncoder(cpu, new Weights(new RoundedToHalf(full.clipL())), full.clipLConfig());
                String te = bigG ? "te2" : "te1";
                for (int i = 0; i < 4; i++) {
                    try (Golden.Case c = Golden.open("sdxl/tiny-sdxl_text_encoders_" + i)) {
                        int[][] ids = ClipTextEncoder.ids(c.tensor(bigG ? "input_ids_2" : "input_ids_1"));
                        ClipTextEncoder.PenultimateStates a = fromHalf.penultimate(cpu, ids, bigG), b = fromRounded.penultimate(cpu, ids, bigG);
                        String what = te + " case " + i;
                        TensorAssert.assertClose(b.states(), a.states(), 1e-6, 0, what + " F16 file vs rounded F32");
                        TensorAssert.assertClose(c.tensor(te + ".penultimate"), a.states(), HALF_WEIGHTS_ATOL, 0, what + " F16 vs golden");
                        if (bigG) {
                            TensorAssert.assertClose(b.pooled(), a.pooled(), 1e-6, 0, what + " pooled F16 file vs rounded F32");
                            TensorAssert.assertClose(c.tensor("te2.text_embeds"), a.pooled(), HALF_WEIGHTS_ATOL, 0, what + " F16 pooled vs golden");
                        }
                    }
                }
            }
        }
    }

    /** A BF16 file (as some merges are saved) stays BF16 in memory and computes what its rounded weights imply. */
    @Test
    void bf16SingleFileMatchesF32WeightsRoundedToBf16(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
        java.nio.file.Path bf16 = dir.resolve("tiny-sdxl.bf16.safetensors");
        try (jdiffusion.tensor.SafeTensors f32 = jdiffusion.tensor.SafeTensors.open(Golden.model("tiny-sdxl.safetensors"))) {
            jdiffusion.tensor.SafeTensorsWriter w = new jdiffusion.tensor.SafeTensorsWriter();
            for (String n : f32.names())
                if (n.startsWith("conditioner.")) w.add(n, f32.get(n).dtype() == DType.F32 ? ClipTextEncoderBFloat16Test.toBf16(f32.get(n)) : f32.get(n));
            w.write(bf16);
        }
        try (Backend cpu = new CpuBackend(2);
             var file = ModelFile.open(bf16);
             SdxlTextEncoders full = SdxlTextEncoders.open(Golden.model("tiny-sdxl.safetensors"));
             Golden.Case c = Golden.open("sdxl/tiny-sdxl_text_encoders_0")) {
            SdxlTextEncoders half = SdxlTextEncoders.fromSingleFile(file, Golden.model("tiny-sdxl.yaml"));
            assertEquals(DType.BF16, half.bigG().find("text_model.encoder.layers.3.self_attn.v_proj.weight").dtype());
            assertEquals(16, half.sizeEmbeddingDim(), "from the yaml, the file has no UNet");
            int[][] ids = ClipTextEncoder.ids(c.tensor("input_ids_2"));
            ClipTextEncoder.PenultimateStates a = new ClipTextEncoder(cpu, new Weights(half.bigG()), half.bigGConfig()).penultimate(cpu, ids, true);
            ClipTextEncoder.PenultimateStates e = new ClipTextEncoder(cpu, new Weights(ClipTextEncoderBFloat16Test.roundedToBf16(full.bigG())),
                    full.bigGConfig()).penultimate(cpu, ids, true);
            TensorAssert.assertClose(e.states(), a.states(), 1e-5, 0, "BF16 file vs F32 rounded to BF16");
            TensorAssert.assertClose(e.pooled(), a.pooled(), 1e-5, 0, "BF16 pooled vs F32 rounded to BF16");
        }
    }
}
