package jdiffusion.sd.unet;

import jdiffusion.kernels.cpu.CpuBackend;
import jdiffusion.nn.WeightSource;
import jdiffusion.nn.Weights;
import jdiffusion.tensor.Backend;
import jdiffusion.tensor.Tensor;
import jdiffusion.tensor.testing.Golden;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static jdiffusion.tensor.testing.TensorAssert.assertClose;

/**
 * F16 weights (what {@code *.fp16.safetensors} holds, here made by rounding the F32 folder), computed in F32 as
 * this engine does, against the F32 golden output, which F16 rounding of every weight moves. The F16 file itself,
 * and the fast backend against the reference on F16 weights, are checked in {@link UNetCheckpointTest}.
 */
class UNetHalfPrecisionTest {
    /**
     * Rounding each weight to F16 changes it by up to 2^-11 relative (4.9e-4); across the layers those errors
     * partly cancel: measured max |F16 - golden| on the six tiny-sd15 cases is 1.35e-3 to 1.60e-3 (|noise_pred|
     * up to 1.4, std 0.34). The bound is 5e-3, about 7 x 2^-11 x 1.4: three times the measurement, and small
     * against the output's spread, so a semantic mistake cannot hide in it.
     */
    static final double F16_WEIGHTS_VS_F32_GOLDEN_ATOL = 5e-3;

    static Backend cpu;
    static DiffusersUNetFolder folder;
    static WeightSource half;

    @BeforeAll
    static void load() {
        cpu = new CpuBackend();
        folder = new DiffusersUNetFolder(Golden.model("tiny-sd15/unet"));
        half = new HalfPrecisionWeights(folder);
    }

    @AfterAll
    static void close() {
        if (folder != null) folder.close();
        if (cpu != null) cpu.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"t_per_sample_fractional", "odd_10x14"})
    void halfWeightsStayWithinWeightRoundingOfTheF32Golden(String name) {
        UNet unet = new UNet(cpu, new Weights(half), folder.config());
        try (Golden.Case c = Golden.open("unet/tiny-sd15_unet_" + name)) {
            Tensor out = unet.forward(c.tensor("sample"), c.tensor("timestep"), c.tensor("encoder_hidden_states"), null);
            assertClose(c.tensor("noise_pred"), out, F16_WEIGHTS_VS_F32_GOLDEN_ATOL, 0, name + " with F16 weights");
        }
    }
}
