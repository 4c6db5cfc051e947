package jdiffusion.sd.unet;

import jdiffusion.kernels.cpu.CpuBackend;
import jdiffusion.nn.Weights;
import jdiffusion.sd.checkpoint.Checkpoint;
import jdiffusion.sd.checkpoint.ModelFamily;
import jdiffusion.tensor.Backend;
import jdiffusion.tensor.DType;
import jdiffusion.tensor.Tensor;
import jdiffusion.tensor.testing.Golden;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static jdiffusion.tensor.testing.TensorAssert.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * SDXL base and refiner UNets loaded through the checkpoint loader (sgm single file with its yaml, the F16 file,
 * the diffusers folder) against the diffusers goldens, with the vector built from {@code text_embeds}/{@code time_ids}.
 */
class SdxlUNetCheckpointTest {
    static Backend cpu;

    @BeforeAll static void start() { cpu = new CpuBackend(); }

    @AfterAll static void stop() { cpu.close(); }

    @ParameterizedTest
    @CsvSource({
            "tiny-sdxl.safetensors, tiny-sdxl_unet_t_per_sample_fractional",
            "tiny-sdxl.safetensors, tiny-sdxl_unet_ctx154_t500",
            "tiny-sdxl, tiny-sdxl_unet_t999",
            "tiny-sdxl-refiner.safetensors, tiny-sdxl-refiner_unet_t999",
            "tiny-sdxl-refiner.safetensors, tiny-sdxl-refiner_unet_t_per_sample_fractional"})
    void loadedUNetMatchesDiffusersWithEveryIntermediate(String model, String golden) {
        try (Checkpoint ckpt = Checkpoint.open(Golden.model(model)); Golden.Case c = Golden.open("sdxl/" + golden)) {
            UNet unet = new UNet(cpu, new Weights(ckpt.unet()), ckpt.config().unet());
            SdxlUNetGoldenTest.checkCase(unet, c, model + " " + golden);
        }
    }

    @Test
    void halfPrecisionFileMatchesRoundedWeightsAndGolden() {
        try (Checkpoint half = Checkpoint.open(Golden.model("tiny-sdxl.fp16.safetensors"));
             DiffusersUNetFolder f32 = new DiffusersUNetFolder(Golden.model("tiny-sdxl/unet"));
             Golden.Case c = Golden.open("sdxl/tiny-sdxl_unet_t999")) {
            assertEquals(DType.F16, half.unet().find("add_embedding.linear_1.weight").dtype());
            assertEquals(f32.config(), half.config().unet());
            Tensor fromFile = run(new UNet(cpu, new Weights(half.unet()), half.config().unet()), c);
            // the file is the F32 weights rounded to F16, computed here in F32: same numbers, same arithmetic
            Tensor fromRounded = run(new UNet(cpu, new Weights(new HalfPrecisionWeights(f32)), f32.config()), c);
            assertClose(fromRounded, fromFile, 1e-6, 0, "F16 file vs F32 folder rounded to F16");
            assertClose(c.tensor("noise_pred"), fromFile, UNetHalfPrecisionTest.F16_WEIGHTS_VS_F32_GOLDEN_ATOL, 0, "F16 file vs F32 golden");
        }
    }

    @Test
    void everyLayoutGivesTheDiffusersConfiguration() {
        try (Checkpoint single = Checkpoint.open(Golden.model("tiny-sdxl.safetensors"));
             Checkpoint folder = Checkpoint.open(Golden.model("tiny-sdxl"));
             DiffusersUNetFolder direct = new DiffusersUNetFolder(Golden.model("tiny-sdxl/unet"))) {
            assertEquals(direct.config(), folder.config().unet());
            assertEquals(direct.config(), single.config().unet());
            assertEquals(ModelFamily.SDXL, single.config().family());
            assertEquals(ModelFamily.SDXL, folder.config().family());
        }
    }

    private static Tensor run(UNet unet, Golden.Case c) {
        int batch = c.tensor("sample").size(0);
        float[] vector = new TimeIds(unet.config().timeIdDim()).vector(c.floats("text_embeds"), c.floats("time_ids"), batch);
        return unet.forward(c.tensor("sample"), c.tensor("timestep"), c.tensor("encoder_hidden_states"),
                Tensor.of(vector, batch, unet.config().vectorDim()), null);
    }
}
