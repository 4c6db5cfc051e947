package jdiffusion.sd.vae;

import jdiffusion.kernels.cpu.CpuBackend;
import jdiffusion.nn.Weights;
import jdiffusion.sd.checkpoint.Checkpoint;
import jdiffusion.sd.checkpoint.RoundedToHalf;
import jdiffusion.tensor.Backend;
import jdiffusion.tensor.DType;
import jdiffusion.tensor.Tensor;
import jdiffusion.tensor.testing.Golden;
import jdiffusion.tensor.testing.TensorAssert;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The F16 file's weights are the F32 ones rounded to half precision, so its outputs differ from the F32 golden
 * by what that rounding causes. Exact check: the F16 file decodes like F32 weights rounded to F16. Bound check:
 * it stays within {@link #HALF_WEIGHTS_ATOL} of the golden (measured differences are given beside each check).
 */
class AutoencoderKLHalfPrecisionTest {
    private static final double HALF_WEIGHTS_ATOL = 1e-2;
    private static Backend backend;

    @BeforeAll static void start() { backend = new CpuBackend(2); }

    @AfterAll static void stop() { if (backend != null) backend.close(); }

    @Test
    void halfPrecisionFileDecodesLikeRoundedF32WeightsAndNearGolden() {
        try (Checkpoint half = Checkpoint.open(Golden.model("tiny-sd15.fp16.safetensors"));
             Checkpoint full = Checkpoint.open(Golden.model("tiny-sd15.safetensors"));
             Golden.Case c = Golden.open("vae/tiny-sd15_vae_decode")) {
            assertEquals(DType.F16, half.vae().find("decoder.conv_in.weight").dtype());
            assertEquals(DType.F16, half.vae().find("decoder.mid_block.attentions.0.to_q.weight").dtype());
            AutoencoderKL fromHalf = new AutoencoderKL(backend, new Weights(half.vae()), half.config().vae());
            AutoencoderKL fromRounded = new AutoencoderKL(backend, new Weights(new RoundedToHalf(full.vae())), full.config().vae());
            Tensor image = fromHalf.decode(backend, c.tensor("latents"));
            TensorAssert.assertClose(fromRounded.decode(backend, c.tensor("latents")), image, 1e-5, 0, "F16 file vs rounded F32 weights");
            TensorAssert.assertClose(c.tensor("image"), image, HALF_WEIGHTS_ATOL, 0, "F16 decode vs golden");
        }
    }

    @Test
    void halfPrecisionFileEncodesNearGolden() {
        try (Checkpoint half = Checkpoint.open(Golden.model("tiny-sd15.fp16.safetensors"));
             Golden.Case c = Golden.open("vae/tiny-sd15_vae_encode")) {
            AutoencoderKL vae = new AutoencoderKL(backend, new Weights(half.vae()), half.config().vae());
            LatentDistribution d = vae.encode(backend, c.tensor("image"));
            // measured: mean 2.2e-3, logvar 2.9e-3
            TensorAssert.assertClose(c.tensor("mean"), d.mean(), HALF_WEIGHTS_ATOL, 0, "F16 mean vs golden");
            TensorAssert.assertClose(c.tensor("logvar"), d.logvar(), HALF_WEIGHTS_ATOL, 0, "F16 logvar vs golden");
        }
    }
}
