package jdiffusion.sd.extra;

import jdiffusion.tensor.ckpt.ModelHash;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A checkpoint is found by every name the WebUI shows or an infotext carries; a miss lists the nearest names. */
class ModelNamesTest {
    @Test
    void everyWebUiNameOfACheckpointFindsIt(@TempDir Path root) throws IOException {
        Path sd = Files.createDirectories(root.resolve("models/Stable-diffusion/sub")).getParent();
        Path model = sd.resolve("sub/dream.safetensors");
        Files.write(model, "first model".getBytes());
        Path other = sd.resolve("v1-5-pruned.ckpt");
        Files.write(other, "second model".getBytes());
        ModelsFolder f = ModelsFolder.of(root);
        String shortHash = ModelHash.autoV2(model);
        for (String name : List.of("dream", "dream.safetensors", "sub/dream", "sub/dream.safetensors", "sub\\dream.safetensors",
                "sub/dream.safetensors [" + shortHash + "]", "dream.safetensors [" + shortHash + "]", shortHash, shortHash.toUpperCase(),
                ModelHash.sha256(model)))
            assertEquals(Optional.of(model), f.resolve(ModelsFolder.Kind.CHECKPOINT, name), name);
        assertEquals(Optional.of(other), f.resolve(ModelsFolder.Kind.CHECKPOINT, "v1-5-pruned.ckpt [0000000000]"), "the name wins over a stale hash");
        assertEquals(Optional.of(other), f.resolve(ModelsFolder.Kind.CHECKPOINT, "renamed.ckpt [" + ModelHash.autoV2(other) + "]"), "the hash finds a renamed file");
        assertTrue(f.resolve(ModelsFolder.Kind.CHECKPOINT, "0123456789").isEmpty());
        assertEquals(List.of("dream", "v1-5-pruned"), f.nearest(ModelsFolder.Kind.CHECKPOINT, "dreem", 2));
    }
}
