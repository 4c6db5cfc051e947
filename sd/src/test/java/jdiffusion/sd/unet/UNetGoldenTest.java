package jdiffusion.sd.unet;

import jdiffusion.sd.TestBackends;
import jdiffusion.nn.Weights;
import jdiffusion.tensor.Backend;
import jdiffusion.tensor.Tensor;
import jdiffusion.tensor.testing.Golden;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.LinkedHashMap;
import java.util.Map;

import static jdiffusion.tensor.testing.TensorAssert.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The tiny SD1.5 UNet from its diffusers folder against diffusers 0.26 outputs and every recorded intermediate. */
class UNetGoldenTest {
    /** golden README: fp32 vs fp64 of the reference is at most 1.9e-6 on outputs of magnitude ~1.4 */
    static final double ATOL = 1e-4;

    static Backend backend;
    static DiffusersUNetFolder folder;
    static UNet unet;

    @BeforeAll
    static void load() {
        backend = TestBackends.create();
        folder = new DiffusersUNetFolder(Golden.model("tiny-sd15/unet"));
        unet = new UNet(backend, new Weights(folder), folder.config());
    }

    @AfterAll
    static void close() {
        if (folder != null) folder.close();
        if (backend != null) backend.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"t999", "t500", "t1", "t_per_sample_fractional", "nonsquare_16x24", "odd_10x14"})
    void noisePredictionAndEveryIntermediateMatchDiffusers(String name) {
        try (Golden.Case c = Golden.open("unet/tiny-sd15_unet_" + name)) {
            Map<String, float[]> seen = new LinkedHashMap<>();
            Tensor out = unet.forward(c.tensor("sample"), c.tensor("timestep"), c.tensor("encoder_hidden_states"),
                    (n, t) -> seen.put(n, t.toFloatArray()));
            assertClose(c.tensor("noise_pred"), out, ATOL, 0, name + " noise_pred");
            int checked = 0;
            for (String key : c.safetensors().names()) {
                if (!key.startsWith("intermediate.")) continue;
                String n = key.substring("intermediate.".length());
                float[] got = seen.get(n);
                if (got == null) throw new AssertionError(name + ": the UNet did not report intermediate " + n + " (reported " + seen.keySet() + ")");
                assertClose(c.floats(key), got, ATOL, 0, name + " " + n);
                checked++;
            }
            assertEquals(seen.size(), checked, name + ": reported intermediates the golden file lacks: " + seen.keySet());
        }
    }
}
