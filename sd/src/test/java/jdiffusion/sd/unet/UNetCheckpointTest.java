package jdiffusion.sd.unet;

import jdiffusion.kernels.cpu.CpuBackend;
import jdiffusion.kernels.reference.ReferenceBackend;
import jdiffusion.nn.Weights;
import jdiffusion.sd.checkpoint.Checkpoint;
import jdiffusion.tensor.Backend;
import jdiffusion.tensor.DType;
import jdiffusion.tensor.Tensor;
import jdiffusion.tensor.testing.Golden;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.LinkedHashMap;
import java.util.Map;

import static jdiffusion.tensor.testing.TensorAssert.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The UNet loaded through the checkpoint loader: A1111 single files (F32 and F16) and the diffusers folder. */
class UNetCheckpointTest {
    static Backend cpu;

    @BeforeAll static void start() { cpu = new CpuBackend(); }

    @AfterAll static void stop() { cpu.close(); }

    static Tensor run(UNet unet, Golden.Case c, Map<String, float[]> taps) {
        return unet.forward(c.tensor("sample"), c.tensor("timestep"), c.tensor("encoder_hidden_states"),
                taps == null ? null : (n, t) -> taps.put(n, t.toFloatArray()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"t_per_sample_fractional", "odd_10x14"})
    void singleFileMatchesDiffusersGoldenWithEveryIntermediate(String name) {
        try (Checkpoint ckpt = Checkpoint.open(Golden.model("tiny-sd15.safetensors")); Golden.Case c = Golden.open("unet/tiny-sd15_unet_" + name)) {
            UNet unet = new UNet(cpu, new Weights(ckpt.unet()), ckpt.config().unet());
            Map<String, float[]> taps = new LinkedHashMap<>();
            assertClose(c.tensor("noise_pred"), run(unet, c, taps), UNetGoldenTest.ATOL, 0, name + " noise_pred");
            for (String key : c.safetensors().names())
                if (key.startsWith("intermediate."))
                    assertClose(c.floats(key), taps.get(key.substring("intermediate.".length())), UNetGoldenTest.ATOL, 0, name + " " + key);
        }
    }

    @Test
    void loaderConfigsAgreeWithDiffusersConfigJson() {
        try (Checkpoint single = Checkpoint.open(Golden.model("tiny-sd15.safetensors"));
             Checkpoint folder = Checkpoint.open(Golden.model("tiny-sd15"));
             DiffusersUNetFolder direct = new DiffusersUNetFolder(Golden.model("tiny-sd15/unet"))) {
            assertEquals(direct.config(), folder.config().unet());
            assertEquals(direct.config(), single.config().unet());
        }
    }

    @Test
    void halfPrecisionFileMatchesRoundedWeightsReferenceBackendAndGolden() {
        try (Checkpoint half = Checkpoint.open(Golden.model("tiny-sd15.fp16.safetensors"));
             DiffusersUNetFolder f32 = new DiffusersUNetFolder(Golden.model("tiny-sd15/unet"));
             Backend reference = new ReferenceBackend();
             Golden.Case c = Golden.open("unet/tiny-sd15_unet_t999")) {
            assertEquals(DType.F16, half.unet().find("down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q.weight").dtype());
            Tensor fromFile = run(new UNet(cpu, new Weights(half.unet()), half.config().unet()), c, null);
            // the file is the F32 weights rounded to F16, computed here in F32: same numbers, same arithmetic
            Tensor fromRounded = run(new UNet(cpu, new Weights(new HalfPrecisionWeights(f32)), f32.config()), c, null);
            assertClose(fromRounded, fromFile, 1e-6, 0, "F16 file vs F32 folder rounded to F16");
            // a fast backend may round differently but must agree with the scalar reference as closely as on F32 weights
            Tensor onReference = run(new UNet(reference, new Weights(half.unet()), half.config().unet()), c, null);
            assertClose(onReference, fromFile, UNetGoldenTest.ATOL, 0, "F16 file, cpu vs reference backend");
            assertClose(c.tensor("noise_pred"), fromFile, UNetHalfPrecisionTest.F16_WEIGHTS_VS_F32_GOLDEN_ATOL, 0, "F16 file vs F32 golden");
        }
    }
}
