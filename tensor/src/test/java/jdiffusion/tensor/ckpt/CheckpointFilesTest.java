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
    void safetensorsWhoseHeaderLengthStartsWithByte0x80IsNotTakenForAPickle() throws IOException {
        // 0x80 is also a pickle's PROTO opcode; one safetensors file in 256 has it as its first byte
        byte[] json = "{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        int length = 0x80;
        byte[] file = new byte[8 + length + 4];
        file[0] = (byte) 0x80;
        System.arraycopy(json, 0, file, 8, json.length);
        java.util.Arrays.fill(file, 8 + json.length, 8 + length, (byte) ' ');
        java.nio.ByteBuffer.wrap(file, 8 + length, 4).order(java.nio.ByteOrder.LITTLE_ENDIAN).putFloat(2.5f);
        for (String name : new String[]{"lora.safetensors", "lora.pt"}) {
            Path p = dir.resolve(name);
            Files.write(p, file);
            try (TensorFile f = CheckpointFiles.open(p)) {
                assertArrayEquals(new float[]{2.5f}, f.get("x").toFloatArray(), name);
            }
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
