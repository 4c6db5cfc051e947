package jdiffusion.sd.vae;

import jdiffusion.nn.WeightSource;
import jdiffusion.sd.checkpoint.Checkpoint;
import jdiffusion.tensor.testing.Golden;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Map;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class VaeParametersTest {
    @ParameterizedTest
    @ValueSource(strings = {"tiny-sd15.safetensors", "tiny-sd15/"})
    void shapesFromConfigAreExactlyTheCheckpointTensorsInBothLayouts(String model) {
        try (Checkpoint ckpt = Checkpoint.open(Golden.model(model))) {
            WeightSource w = ckpt.vae();
            Map<String, int[]> shapes = VaeParameters.shapes(ckpt.config().vae());
            assertEquals(new TreeSet<>(w.keys()), new TreeSet<>(shapes.keySet()));
            for (Map.Entry<String, int[]> e : shapes.entrySet()) assertArrayEquals(e.getValue(), asStoredByDiffusers(e.getKey(), w.find(e.getKey()).shape()), e.getKey());
        }
    }

    @Test
    void sdConfigHasTheKnownParameterCount() {
        // runwayml/stable-diffusion-v1-5 vae: 83,653,863 parameters
        assertEquals(83_653_863L, VaeParameters.count(VaeConfig.sd()));
    }

    /** ldm files hold the attention projections as 1x1 convs {@code [C, C, 1, 1]}: the same matrix. */
    private static int[] asStoredByDiffusers(String key, int[] s) {
        return key.contains(".attentions.") && s.length == 4 ? new int[] {s[0], s[1]} : s;
    }
}
