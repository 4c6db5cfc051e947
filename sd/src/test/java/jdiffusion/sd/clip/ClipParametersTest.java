package jdiffusion.sd.clip;

import jdiffusion.nn.WeightSource;
import jdiffusion.sd.checkpoint.Checkpoint;
import jdiffusion.tensor.testing.Golden;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class ClipParametersTest {
    @ParameterizedTest
    @ValueSource(strings = {"tiny-sd15.safetensors", "tiny-sd15/"})
    void shapesFromConfigAreExactlyTheCheckpointTensorsInBothLayouts(String model) {
        try (Checkpoint ckpt = Checkpoint.open(Golden.model(model))) {
            WeightSource w = ckpt.textEncoder();
            Map<String, int[]> shapes = ClipParameters.shapes(ckpt.config().textEncoder());
            Set<String> stored = new TreeSet<>(w.keys());
            stored.remove("text_model.embeddings.position_ids"); // a buffer of 0..76 some files carry, not a weight
            assertEquals(stored, new TreeSet<>(shapes.keySet()));
            for (Map.Entry<String, int[]> e : shapes.entrySet()) assertArrayEquals(e.getValue(), w.find(e.getKey()).shape(), e.getKey());
        }
    }

    @Test
    void sd1ConfigHasTheKnownParameterCount() {
        // openai/clip-vit-large-patch14 text model as in runwayml/stable-diffusion-v1-5: 123,060,480 parameters
        assertEquals(123_060_480L, ClipParameters.count(ClipTextConfig.sd1()));
    }
}
