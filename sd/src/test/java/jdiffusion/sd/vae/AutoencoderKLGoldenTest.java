package jdiffusion.sd.vae;

import jdiffusion.sd.TestBackends;
import jdiffusion.nn.Weights;
import jdiffusion.sd.checkpoint.Checkpoint;
import jdiffusion.tensor.Backend;
import jdiffusion.tensor.Tensor;
import jdiffusion.tensor.testing.Golden;
import jdiffusion.tensor.testing.TensorAssert;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

class AutoencoderKLGoldenTest {
    private static final double ATOL = 1e-4;
    private static Backend backend;

    @BeforeAll static void start() { backend = TestBackends.create(); }

    @AfterAll static void stop() { if (backend != null) backend.close(); }

    @ParameterizedTest
    @ValueSource(strings = {"tiny-sd15.safetensors", "tiny-sd15/"})
    void decodeMatchesDiffusersFromPipelineLatentsInBothLayouts(String model) {
        try (Checkpoint ckpt = Checkpoint.open(Golden.model(model)); Golden.Case c = Golden.open("vae/tiny-sd15_vae_decode")) {
            assertEquals(2, ckpt.config().vae().downsamplingFactor());
            AutoencoderKL vae = new AutoencoderKL(backend, new Weights(ckpt.vae()), ckpt.config().vae());
            Map<String, Tensor> taps = new LinkedHashMap<>();
            Tensor image = vae.decode(backend, c.tensor("latents"), taps::put);
            for (Map.Entry<String, Tensor> e : taps.entrySet())
                TensorAssert.assertClose(c.tensor("intermediate." + e.getKey()), e.getValue(), ATOL, 0, model + " " + e.getKey());
            assertEquals(5, taps.size());
            TensorAssert.assertClose(c.tensor("image"), image, ATOL, 0, model + " image");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"tiny-sd15.safetensors", "tiny-sd15/"})
    void encodeMatchesDiffusersMeanAndClampedLogvarInBothLayouts(String model) {
        try (Checkpoint ckpt = Checkpoint.open(Golden.model(model)); Golden.Case c = Golden.open("vae/tiny-sd15_vae_encode")) {
            AutoencoderKL vae = new AutoencoderKL(backend, new Weights(ckpt.vae()), ckpt.config().vae());
            Map<String, Tensor> taps = new LinkedHashMap<>();
            LatentDistribution d = vae.encode(backend, c.tensor("image"), taps::put);
            for (Map.Entry<String, Tensor> e : taps.entrySet())
                TensorAssert.assertClose(c.tensor("intermediate." + e.getKey()), e.getValue(), ATOL, 0, model + " " + e.getKey());
            assertEquals(4, taps.size());
            TensorAssert.assertClose(c.tensor("mean"), d.mean(), ATOL, 0, model + " mean");
            TensorAssert.assertClose(c.tensor("logvar"), d.logvar(), ATOL, 0, model + " logvar");
        }
    }
}
