package jdiffusion.tensor.ckpt;

import jdiffusion.tensor.testing.Golden;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

class ModelHashTest {
    @Test
    void autoV2IsTheFirstTenHexDigitsOfTheWholeFileSha256() {
        Path ckpt = Golden.file("ckpt/tiny-sd15.ckpt");
        assertEquals("5486e20b55c11041a67d793b2061af4250289d5911b88b85b2ebc5fff86aa703", ModelHash.sha256(ckpt)); // index.json
        assertEquals("5486e20b55", ModelHash.autoV2(ckpt));
    }

    @Test
    void legacyHashReadsSixtyFourKibAtOneMibAndNothingForSmallFiles() {
        // values from hashlib as the WebUI's model_hash() computes them
        assertEquals("7d9d3d63", ModelHash.legacy(Golden.file("ckpt/tiny-sd15.ckpt")));
        assertEquals("e3b0c442", ModelHash.legacy(Golden.file("embeddings/tinyemb.pt")));
    }

    @Test
    void addNetHashSkipsTheSafetensorsHeader() {
        Path st = Golden.model("tiny-sd15.fp16.safetensors");
        assertEquals("3bebee6d106a07649a72ea12bd905b9a8dc42ac903a0ade3ddbf05731732d0f3", ModelHash.addNet(st));
        assertEquals("02841e094001b872f2ecfb80f5984cb0ddd26e9f9cc071c5f4c4d9c5db370b99", ModelHash.sha256(st));
    }

    @Test
    void missingFileIsACheckpointException() {
        CheckpointException e = assertThrows(CheckpointException.class, () -> ModelHash.autoV2(Path.of("/nonexistent/model.ckpt")));
        assertTrue(e.getMessage().startsWith("/nonexistent/model.ckpt"), e.getMessage());
    }
}
