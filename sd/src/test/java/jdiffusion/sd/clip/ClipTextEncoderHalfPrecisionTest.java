package jdiffusion.sd.clip;

import jdiffusion.kernels.cpu.CpuBackend;
import jdiffusion.nn.Weights;
import jdiffusion.sd.checkpoint.Checkpoint;
import jdiffusion.sd.checkpoint.RoundedToHalf;
import jdiffusion.tensor.Backend;
import jdiffusion.tensor.DType;
import jdiffusion.tensor.testing.Golden;
import jdiffusion.tensor.testing.TensorAssert;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * F16 checkpoints hold weights rounded to half precision (by up to 6e-5 in the tiny model), so their outputs
 * legitimately differ from the F32 golden beyond its 1e-4. What must hold exactly: the F16 file gives the same
 * result as the F32 weights rounded to F16 and computed in F32 (weights are widened, never double-rounded), and
 * stays near the F32 golden within what half-precision weights allow.
 */
class ClipTextEncoderHalfPrecisionTest {
    private static final double HALF_WEIGHTS_ATOL = 1e-2;
    private static Backend backend;

    @BeforeAll static void start() { backend = new CpuBackend(2); }

    @AfterAll static void stop() { if (backend != null) backend.close(); }

    @Test
    void halfPrecisionFileEqualsF32WeightsRoundedToHalfAndStaysNearGolden() {
        try (Checkpoint half = Checkpoint.open(Golden.model("tiny-sd15.fp16.safetensors"));
             Checkpoint full = Checkpoint.open(Golden.model("tiny-sd15.safetensors"))) {
            assertEquals(DType.F16, half.textEncoder().find("text_model.encoder.layers.0.mlp.fc1.weight").dtype());
            ClipTextEncoder fromHalf = new ClipTextEncoder(backend, new Weights(half.textEncoder()), half.config().textEncoder());
            ClipTextEncoder fromRounded = new ClipTextEncoder(backend, new Weights(new RoundedToHalf(full.textEncoder())), full.config().textEncoder());
            for (int i = 0; i < 5; i++) {
                try (Golden.Case c = Golden.open("clip/tiny-sd15_clip_" + i)) {
                    int[][] ids = ClipTextEncoder.ids(c.tensor("input_ids"));
                    ClipTextOutput a = fromHalf.forward(backend, ids), b = fromRounded.forward(backend, ids);
                    TensorAssert.assertClose(b.lastHiddenState(), a.lastHiddenState(), 1e-6, 0, "case " + i + " F16 file vs rounded F32");
                    TensorAssert.assertClose(b.pooled(), a.pooled(), 1e-6, 0, "case " + i + " pooled F16 file vs rounded F32");
                    // measured 2.6e-3 at most: half-precision weights, not the arithmetic
                    TensorAssert.assertClose(c.tensor("last_hidden_state"), a.lastHiddenState(), HALF_WEIGHTS_ATOL, 0, "case " + i + " F16 vs golden");
                    TensorAssert.assertClose(c.tensor("penultimate_ln"), a.penultimateLn(), HALF_WEIGHTS_ATOL, 0, "case " + i + " F16 penultimate vs golden");
                    TensorAssert.assertClose(c.tensor("pooled_output"), a.pooled(), HALF_WEIGHTS_ATOL, 0, "case " + i + " F16 pooled vs golden");
                }
            }
        }
    }
}
