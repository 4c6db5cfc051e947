package jdiffusion.tensor;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/** Random damage to a valid file: opening and reading it either works or throws {@link SafeTensorsException}, nothing else. */
class SafeTensorsFuzzTest {
    private static final int ROUNDS = 1000;

    @Test
    void corruptedFilesOnlyEverThrowSafeTensorsException(@TempDir Path dir) throws IOException {
        Path original = dir.resolve("small.safetensors");
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put("model.w", Tensor.of(new float[]{1, 2, 3, 4, 5, 6}, 2, 3));
        tensors.put("model.scalar", Tensor.of(new float[]{3.5f}));
        tensors.put("model.empty", Tensor.of(new float[0], 0, 4));
        tensors.put("half", LittleEndianTensors.f16(new float[]{1, -2, 0.5f, 65504}, 4));
        tensors.put("ids", LittleEndianTensors.i64(new long[]{0, 1, 49407}, 3));
        tensors.put("bytes", LittleEndianTensors.u8(new byte[]{1, 2, (byte) 255}, 3));
        SafeTensorsWriter.write(original, tensors, Map.of("format", "pt", "note", "fuzz"), false);
        byte[] good = Files.readAllBytes(original);

        Random random = new Random(20261121);
        Path damaged = dir.resolve("damaged.safetensors");
        int opened = 0, rejected = 0;
        // one channel rewritten in place: reopening the file 1000 times costs more than the test itself
        try (FileChannel ch = FileChannel.open(damaged, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            for (int round = 0; round < ROUNDS; round++) {
                byte[] bytes = mutate(good, random);
                ch.write(ByteBuffer.wrap(bytes), 0);
                ch.truncate(bytes.length);
                if (opensAndReads(damaged, "round " + round + ", " + bytes.length + " bytes")) opened++;
                else rejected++;
            }
        }
        assertEquals(ROUNDS, opened + rejected);
        assertTrue(rejected > ROUNDS / 2, "most damage should be detected, rejected " + rejected);
    }

    /** True when the file opens and every tensor reads, false when it is refused; anything else fails the test. */
    private static boolean opensAndReads(Path file, String what) {
        try (SafeTensors st = SafeTensors.open(file)) {
            for (String n : st.names()) {
                if (!st.entry(n).isSupported()) continue;
                Tensor t = st.get(n);
                assertEquals(t.numel(), t.toFloatArray().length);
            }
            return true;
        } catch (SafeTensorsException e) {
            assertTrue(e.getMessage().contains(file.getFileName().toString()), e.getMessage());
            return false;
        } catch (Throwable t) {
            throw new AssertionError(what + ": " + t + " escaped", t);
        }
    }

    /** Flips bytes, truncates, extends, or several of these; damage mostly lands in the header where parsing happens. */
    private static byte[] mutate(byte[] good, Random r) {
        byte[] b = good.clone();
        int kind = r.nextInt(4);
        if (kind == 0 || kind == 2) {
            int flips = 1 + r.nextInt(4);
            for (int i = 0; i < flips; i++) {
                int at = r.nextInt(4) == 0 ? r.nextInt(b.length) : r.nextInt(Math.min(b.length, 8 + headerLength(good)));
                b[at] = r.nextBoolean() ? (byte) r.nextInt(256) : (byte) (b[at] ^ (1 << r.nextInt(8)));
            }
        }
        if (kind == 1 || kind == 2) b = java.util.Arrays.copyOf(b, r.nextInt(b.length + 1));
        if (kind == 3) { // splice in a plausible token where a digit or quote was
            String[] tokens = {"-1", "99999999999999999999", "1e400", "[]", "{}", "null", "\"", ",", "]", "}", "F33", "0.5"};
            byte[] t = tokens[r.nextInt(tokens.length)].getBytes();
            int at = 8 + r.nextInt(Math.max(1, headerLength(good) - t.length));
            System.arraycopy(t, 0, b, at, Math.min(t.length, b.length - at));
        }
        return b;
    }

    private static int headerLength(byte[] file) {
        return (int) ByteBuffer.wrap(file).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong(0);
    }
}
