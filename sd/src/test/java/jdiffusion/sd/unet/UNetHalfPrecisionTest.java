package jdiffusion.sd.unet;

import jdiffusion.kernels.cpu.CpuBackend;
import jdiffusion.kernels.reference.ReferenceBackend;
import jdiffusion.nn.WeightSource;
import jdiffusion.nn.Weights;
import jdiffusion.tensor.Backend;
import jdiffusion.tensor.Tensor;
import jdiffusion.tensor.testing.Golden;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static jdiffusion.tensor.testing.TensorAssert.assertClose;

/**
 * F16 weights (what {@code *.fp16.safetensors} holds), computed in F32 as this engine does. Two checks: the fast
 * backend against the scalar reference on the very same F16 weights (only kernel rounding may differ, so the F32
 * model tolerance applies), and the result against the F32 golden output, which F16 rounding of every weight moves.
 */
class UNetHalfPrecisionTest {
    /**
     * Rounding each weight to F16 changes it by up to 2^-11 relative (4.9e-4). Through the ~40 layers between
     * input and output those errors mostly cancel: measured max |F16 - golden| on the six tiny-sd15 cases is
     * 1.35e-3 to 1.60e-3 (|noise_pred| up to 1.4, std 0.34). The bound is 5e-3, about 7 x 2^-11 x 1.4, far
     * below what any semantic mistake produces (those move outputs by the 0.1 scale of their std).
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
    @ValueSource(strings = {"t999", "t_per_sample_fractional", "odd_10x14"})
    void halfWeightsStayWithinWeightRoundingOfTheF32Golden(String name) {
        UNet unet = new UNet(cpu, new Weights(half), folder.config());
        try (Golden.Case c = Golden.open("unet/tiny-sd15_unet_" + name)) {
            Tensor out = unet.forward(c.tensor("sample"), c.tensor("timestep"), c.tensor("encoder_hidden_states"), null);
            assertClose(c.tensor("noise_pred"), out, F16_WEIGHTS_VS_F32_GOLDEN_ATOL, 0, name + " with F16 weights");
        }
    }

    @Test
    void cpuBackendOnHalfWeightsMatchesTheReferenceBackendOnTheSameWeights() {
        try (Golden.Case c = Golden.open("unet/tiny-sd15_unet_nonsquare_16x24"); Backend reference = new ReferenceBackend()) {
            Tensor expected = new UNet(reference, new Weights(half), folder.config())
                    .forward(c.tensor("sample"), c.tensor("timestep"), c.tensor("encoder_hidden_states"), null);
            Tensor out = new UNet(cpu, new Weights(half), folder.config())
                    .forward(c.tensor("sample"), c.tensor("timestep"), c.tensor("encoder_hidden_states"), null);
            assertClose(expected, out, UNetGoldenTest.ATOL, 0, "cpu vs reference backend, F16 weights");
        }
    }
}
