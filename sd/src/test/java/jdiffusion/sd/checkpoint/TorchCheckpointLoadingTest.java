package jdiffusion.sd.checkpoint;

import jdiffusion.nn.WeightSource;
import jdiffusion.tensor.DType;
import jdiffusion.tensor.testing.Golden;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code .ckpt} files (zip and legacy pickle) load like the F16 safetensors file they were made from; malicious ones are refused. */
class TorchCheckpointLoadingTest {
    @ParameterizedTest
    @ValueSource(strings = {"ckpt/tiny-sd15.ckpt", "ckpt/tiny-sd15.legacy.ckpt"})
    void torchCheckpointGivesTheSameWeightsAsTheF16Safetensors(String file) {
        try (Checkpoint ckpt = Checkpoint.openSingleFile(Golden.file(file), Golden.model("tiny-sd15.yaml"));
             Checkpoint reference = Checkpoint.open(Golden.model("tiny-sd15.fp16.safetensors"))) {
            assertEquals(reference.config(), withSource(ckpt.config(), reference.config().source()));
            for (Function<Checkpoint, WeightSource> part : List.<Function<Checkpoint, WeightSource>>of(Checkpoint::unet, Checkpoint::vae, Checkpoint::textEncoder)) {
                WeightSource a = part.apply(ckpt), b = part.apply(reference);
                assertEquals(b.keys(), a.keys());
                for (String k : b.keys()) {
                    assertEquals(DType.F16, a.find(k).dtype(), k);
                    assertArrayEquals(b.find(k).shape(), a.find(k).shape(), k);
                    assertArrayEquals(b.find(k).toFloatArray(), a.find(k).toFloatArray(), k);
                }
            }
        }
    }

    private static ModelConfig withSource(ModelConfig c, String source) {
        return new ModelConfig(c.family(), c.variant(), c.predictionType(), c.unet(), c.vae(), c.textEncoder(), c.schedule(), source, c.predictionGuessed());
    }

    @Test
    void maliciousPicklesAreRefusedNotRun() {
        for (String f : List.of("ckpt/malicious.ckpt", "ckpt/malicious.legacy.ckpt", "ckpt/malicious_plain_pickle.ckpt")) {
            ModelLoadException e = assertThrows(ModelLoadException.class, () -> Checkpoint.open(Golden.file(f)));
            assertTrue(e.getMessage().contains("malicious"), e.getMessage());
        }
    }
}
