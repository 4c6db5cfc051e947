package jdiffusion.tensor.ckpt;

import jdiffusion.tensor.DType;
import jdiffusion.tensor.SafeTensors;
import jdiffusion.tensor.Tensor;
import jdiffusion.tensor.testing.Golden;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class TorchCheckpointGoldenTest {
    @ParameterizedTest
    @ValueSource(strings = {"tiny-sd15.ckpt", "tiny-sd15.legacy.ckpt"})
    void checkpointLoadsToExactlyTheTensorsOfTheSafetensorsFile(String file) {
        try (TorchCheckpoint ckpt = TorchCheckpoint.open(Golden.file("ckpt/" + file));
             SafeTensors st = SafeTensors.open(Golden.model("tiny-sd15.fp16.safetensors"))) {
            assertEquals(file.contains("legacy") ? TorchCheckpoint.Format.LEGACY : TorchCheckpoint.Format.ZIP, ckpt.format());
            assertEquals(List.copyOf(st.names()).stream().sorted().toList(), ckpt.tensors().keySet().stream().sorted().toList());
            for (String name : st.names()) {
                Tensor want = st.get(name), got = ckpt.tensors().get(name);
                assertEquals(want.dtype(), got.dtype(), name);
                assertArrayEquals(want.shape(), got.shape(), name);
                assertEquals(-1, bytes(want).mismatch(bytes(got)), name + " differs");
            }
            assertEquals(DType.I64, ckpt.tensors().get("cond_stage_model.transformer.text_model.embeddings.position_ids").dtype());
            assertEquals(6L, ckpt.metadata().get("epoch"));
            assertEquals(840000L, ckpt.metadata().get("global_step"));
            assertEquals("1.4.2", ckpt.metadata().get("pytorch-lightning_version"));
            assertFalse(ckpt.metadata().containsKey("state_dict"));
        }
    }

    @Test
    void zipCheckpointTensorsAreViewsOfTheMappedFileNotCopies() {
        try (TorchCheckpoint ckpt = TorchCheckpoint.open(Golden.file("ckpt/tiny-sd15.ckpt"))) {
            for (Tensor t : ckpt.tensors().values()) assertTrue(t.host().segment().isMapped(), t.toString());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"malicious.ckpt", "malicious.legacy.ckpt", "malicious_plain_pickle.ckpt"})
    void maliciousCheckpointIsRefusedNamingTheSystemCall(String file) {
        Path p = Golden.file("ckpt/" + file);
        boolean pwnedBefore = Files.exists(Path.of("/tmp/pwned"));
        UnsafeCheckpointException e = assertThrows(UnsafeCheckpointException.class, () -> TorchCheckpoint.open(p));
        assertEquals("posix.system", e.global());
        assertTrue(e.getMessage().contains("posix.system"), e.getMessage());
        assertTrue(e.getMessage().contains(p.toString()), e.getMessage());
        assertTrue(e.getMessage().startsWith("refusing to load"), e.getMessage());
        if (!pwnedBefore) assertFalse(Files.exists(Path.of("/tmp/pwned")));
    }

    @Test
    void textualInversionEmbeddingLoadsItsParameterTensor() {
        try (TorchCheckpoint pt = TorchCheckpoint.open(Golden.file("embeddings/tinyemb.pt"));
             SafeTensors st = SafeTensors.open(Golden.file("embeddings/tinyemb.safetensors"))) {
            assertTrue(pt.tensors().isEmpty());
            Map<?, ?> params = (Map<?, ?>) pt.metadata().get("string_to_param");
            Tensor emb = (Tensor) params.get("*");
            assertArrayEquals(new int[]{2, 32}, emb.shape());
            assertEquals(DType.F32, emb.dtype());
            assertArrayEquals(st.get("emb_params").toFloatArray(), emb.toFloatArray());
            assertEquals(Map.of("*", 265L), pt.metadata().get("string_to_token"));
            assertEquals("tinyemb", pt.metadata().get("name"));
            assertEquals(100L, pt.metadata().get("step"));
            assertTrue(pt.metadata().containsKey("sd_checkpoint"));
            assertNull(pt.metadata().get("sd_checkpoint"));
        }
    }

    /** The tensor's elements in row-major order as raw little-endian bytes. */
    static MemorySegment bytes(Tensor t) {
        Tensor c = t.contiguous();
        long es = c.dtype().byteSize();
        return c.host().segment().asSlice(c.offset() * es, c.numel() * es);
    }

    static byte[] array(Tensor t) { return bytes(t).toArray(ValueLayout.JAVA_BYTE); }
}
