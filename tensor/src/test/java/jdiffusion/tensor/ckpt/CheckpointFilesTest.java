package jdiffusion.tensor.ckpt;

import jdiffusion.tensor.Tensor;
import jdiffusion.tensor.testing.Golden;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.*;

class CheckpointFilesTest {
    @TempDir Path dir;

    @Test
    void safetensorsZipAndLegacyFilesOpenAsTheSameTensors() {
        try (TensorFile st = CheckpointFiles.open(Golden.model("tiny-sd15.fp16.safetensors"));
             TensorFile zip = CheckpointFiles.open(Golden.file("ckpt/tiny-sd15.ckpt"));
             TensorFile legacy = CheckpointFiles.open(Golden.file("ckpt/tiny-sd15.legacy.ckpt"))) {
            assertInstanceOf(TorchCheckpoint.class, zip);
            assertEquals(new TreeSet<>(st.names()), new TreeSet<>(zip.names()));
            assertEquals(new TreeSet<>(st.names()), new TreeSet<>(legacy.names()));
            String key = "model.diffusion_model.out.2.weight";
            for (TensorFile f : new TensorFile[]{zip, legacy}) {
                Tensor a = st.get(key), b = f.get(key);
                assertArrayEquals(a.shape(), b.shape());
                assertArrayEquals(TorchCheckpointGoldenTest.array(a), TorchCheckpointGoldenTest.array(b));
            }
            assertEquals(840000L, zip.metadata().get("global_step"));
            CheckpointException e = assertThrows(CheckpointException.class, () -> st.get("no.such.tensor"));
            assertTrue(e.getMessage().contains("no.such.tensor"));
        }
    }

    @Test
    void formatIsToldFromTheBytesNotTheName() throws IOException {
        Path renamed = dir.resolve("model.safetensors");
        Files.copy(Golden.file("embeddings/tinyemb.pt"), renamed);
        try (TensorFile f = CheckpointFiles.open(renamed)) {
            assertInstanceOf(TorchCheckpoint.class, f);
        }
        Path st = dir.resolve("emb.pt");
        Files.copy(Golden.file("embeddings/tinyemb.safetensors"), st);
        try (TensorFile f = CheckpointFiles.open(st)) {
            assertArrayEquals(new int[]{2, 32}, f.get("emb_params").shape());
        }
    }

    @Test
    void badSafetensorsAndMissingFilesAreCheckpointExceptions() throws IOException {
        Path bad = dir.resolve("bad.safetensors");
        Files.write(bad, new byte[]{100, 0, 0, 0, 0, 0, 0, 0, '{'});
        assertThrows(CheckpointException.class, () -> CheckpointFiles.open(bad));
        assertThrows(CheckpointException.class, () -> CheckpointFiles.open(dir.resolve("missing.ckpt")));
        CheckpointException e = assertThrows(CheckpointException.class, () -> CheckpointFiles.open(dir));
        assertTrue(e.getMessage().contains("folder"));
        assertThrows(UnsafeCheckpointException.class, () -> CheckpointFiles.open(Golden.file("ckpt/malicious.ckpt")));
    }
}
