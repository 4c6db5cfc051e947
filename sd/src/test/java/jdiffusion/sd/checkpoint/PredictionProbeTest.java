package jdiffusion.sd.checkpoint;

import jdiffusion.tensor.ckpt.TensorFile;
import jdiffusion.kernels.cpu.CpuBackend;
import jdiffusion.tensor.Backend;
import jdiffusion.tensor.testing.Golden;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PredictionProbeTest {
    @Test
    void probeRunsOnlyForSd2TextToImageModelsWithoutConfig() {
        try (Backend b = new CpuBackend(1); Checkpoint ckpt = Checkpoint.open(Golden.model("tiny-sd15.safetensors"))) {
            assertFalse(PredictionProbe.needed(ckpt.config()));
            assertSame(ckpt.config(), PredictionProbe.resolve(ckpt.config(), ckpt.unet(), b));
        }
    }

    @Test
    void sd2FileWithoutYamlNeedsTheProbeButNotWithOne() {
        try (TensorFile real = ModelFile.open(Golden.model("tiny-sd15.safetensors"));
             Checkpoint sd2 = Checkpoint.fromSingleFile(CheckpointDetectionTest.sd2Like(real), null)) {
            assertEquals("epsilon", sd2.config().predictionType());
            assertTrue(PredictionProbe.needed(sd2.config()));
            assertFalse(PredictionProbe.needed(sd2.config().withPredictionType("v_prediction")));
        }
    }
}
