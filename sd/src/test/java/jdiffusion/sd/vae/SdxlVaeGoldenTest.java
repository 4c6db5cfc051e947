package jdiffusion.sd.vae;

import jdiffusion.nn.Weights;
import jdiffusion.sd.TestBackends;
import jdiffusion.sd.checkpoint.Checkpoint;
import jdiffusion.tensor.Backend;
import jdiffusion.tensor.Tensor;
import jdiffusion.tensor.testing.Golden;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static jdiffusion.tensor.testing.TensorAssert.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The SDXL VAE (scaling factor 0.13025) from every layout against diffusers: decode of pipeline latents, encode to
 * mean/logvar, the posterior sample with the given noise and its scaled latents. F16 files within the bound
 * {@code AutoencoderKLHalfPrecisionTest} documents for rounded weights.
 */
class SdxlVaeGoldenTest {
    private static Backend backend;

    @BeforeAll static void start() { backend = TestBackends.create(); }

    @AfterAll static void stop() { if (backend != null) backend.close(); }

    @ParameterizedTest
    @CsvSource({"tiny-sdxl.safetensors, 1e-4", "tiny-sdxl, 1e-4", "tiny-sdxl-refiner.safetensors, 1e-4", "tiny-sdxl.fp16.safetensors, 1e-2"})
    void decodeAndEncodeMatchDiffusers(String model, double atol) {
        try (Checkpoint ckpt = Checkpoint.open(Golden.model(model))) {
            assertEquals(0.13025f, ckpt.config().vae().scalingFactor());
            AutoencoderKL vae = new AutoencoderKL(backend, new Weights(ckpt.vae()), ckpt.config().vae());
            try (Golden.Case c = Golden.open("sdxl/tiny-sdxl_vae_decode")) {
                assertClose(c.tensor("image"), vae.decode(backend, c.tensor("latents")), atol, 0, model + " decode");
            }
            try (Golden.Case c = Golden.open("sdxl/tiny-sdxl_vae_encode")) {
                LatentDistribution d = vae.encode(backend, c.tensor("image"));
                assertClose(c.tensor("mean"), d.mean(), atol, 0, model + " mean");
                assertClose(c.tensor("logvar"), d.logvar(), atol, 0, model + " logvar");
                float[] mean = d.mean().toFloatArray(), logvar = d.logvar().toFloatArray(), noise = c.floats("noise");
                float[] sample = new float[mean.length], scaled = new float[mean.length];
                for (int i = 0; i < mean.length; i++) {
                    sample[i] = mean[i] + (float) Math.exp(0.5 * logvar[i]) * noise[i];
                    scaled[i] = sample[i] * vae.config().scalingFactor();
                }
                assertClose(c.floats("latent_sample"), sample, atol, 0, model + " latent_sample");
                assertClose(c.floats("latents_scaled"), scaled, atol, 0, model + " latents_scaled");
            }
        }
    }
}
