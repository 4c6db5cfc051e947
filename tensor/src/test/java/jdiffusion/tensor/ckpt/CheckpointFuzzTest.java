package jdiffusion.tensor.ckpt;

import jdiffusion.tensor.Tensor;
import jdiffusion.tensor.testing.Golden;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/** Corrupted checkpoints either load or fail with our exception: never a raw exception, hang or crash. */
class CheckpointFuzzTest {
    @TempDir Path dir;

    @Test
    void fiveHundredRandomByteFlipsAndTruncationsOnlyEverRaiseCheckpointException() throws IOException {
        List<byte[]> seeds = List.of(
                Files.readAllBytes(Golden.file("embeddings/tinyemb.pt")),
                SmallCheckpoints.zip(false, false, false),
                SmallCheckpoints.zip(true, true, false),
                SmallCheckpoints.legacy());
        Path p = dir.resolve("fuzz.ckpt");
        int loaded = 0, refused = 0;
        for (int seed = 0; seed < 500; seed++) {
            Random r = new Random(seed);
            byte[] base = seeds.get(seed % seeds.size());
            byte[] b = mutate(base, r);
            Files.write(p, b);
            try (TorchCheckpoint c = TorchCheckpoint.open(p)) {
                for (Tensor t : c.tensors().values()) if (t.numel() < 1 << 20) t.toFloatArray();
                loaded++;
            } catch (CheckpointException e) {
                // our own checks must have caught it, not the safety net that wraps unexpected runtime errors
                assertFalse(e.getCause() instanceof RuntimeException || e.getCause() instanceof Error,
                        "seed " + seed + " escaped our checks: " + e.getCause());
                assertFalse(e.getMessage().contains("\n"), "seed " + seed + ": multi-line message");
                refused++;
            } catch (RuntimeException | Error e) {
                fail("seed " + seed + " raised " + e, e);
            }
        }
        assertTrue(refused > 100, "most mutations are refused (" + refused + ")");
        assertTrue(loaded > 0, "some mutations (in tensor data) still load (" + loaded + ")");
    }

    private static byte[] mutate(byte[] base, Random r) {
        int kind = r.nextInt(4);
        if (kind == 0) return Arrays.copyOf(base, r.nextInt(base.length));
        byte[] b = base.clone();
        int flips = 1 + r.nextInt(kind == 3 ? 16 : 3);
        for (int i = 0; i < flips; i++) {
            int at = r.nextInt(b.length);
            b[at] = kind == 1 ? (byte) (b[at] ^ (1 << r.nextInt(8))) : (byte) r.nextInt(256);
        }
        return b;
    }
}
