package jdiffusion.tensor;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** A 2.2 GiB file written by streaming and read back through one mapping: offsets past 2^31 bytes work both ways. */
class SafeTensorsLargeFileTest {
    private static final long ELEMENTS = 1_200_000_000L; // F16: 2.4e9 bytes, past the 2 GiB mark
    private static final long TWO_GIB = 1L << 31;
    private static final int PERIOD = 1_000_003;

    @Test
    void writesAndMapsAFileOverTwoGiB() throws IOException {
        Path target = Path.of("target").toAbsolutePath();
        Files.createDirectories(target);
        long free = Files.getFileStore(target).getUsableSpace();
        Assumptions.assumeTrue(free >= 6L << 30, "needs 6 GiB free under " + target + ", has " + (free >> 20) + " MiB");
        Path f = target.resolve("large-test.safetensors");
        Files.deleteIfExists(f);
        try {
            new SafeTensorsWriter()
                    .metadata("what", "large file test")
                    .add("head", Tensor.of(new float[]{1, 2, 3}, 3))
                    .add("big", DType.F16, new int[]{1_200, 1_000_000}, sink -> {
                        ByteBuffer period = periodBytes();
                        for (long i = 0; i < ELEMENTS; i += PERIOD) {
                            ByteBuffer b = period.duplicate().order(ByteOrder.LITTLE_ENDIAN);
                            b.limit((int) Math.min(PERIOD, ELEMENTS - i) * 2);
                            sink.write(b);
                        }
                    })
                    .add("tail", Tensor.of(new float[]{-7, 8}, 2))
                    .sync(false) // durability is not under test; flushing 2.4 GB would dominate the run time
                    .write(f);
            assertTrue(Files.size(f) > TWO_GIB + (100L << 20));
            try (SafeTensors st = SafeTensors.open(f)) {
                assertEquals(Files.size(f), st.fileBytes());
                Tensor big = st.get("big");
                assertArrayEquals(new int[]{1_200, 1_000_000}, big.shape());
                long startOfBig = st.headerBytes() + st.entry("big").begin();
                long firstPast2GiB = (TWO_GIB - startOfBig) / 2 + 1;
                long[] probes = {0, 1, 999_999, 1_000_000, ELEMENTS / 2, firstPast2GiB - 1, firstPast2GiB, firstPast2GiB + 12345,
                        1_100_000_000L + 777, ELEMENTS - 1};
                for (long e : probes) {
                    int row = (int) (e / 1_000_000), col = (int) (e % 1_000_000);
                    assertEquals(Float.float16ToFloat(pattern(e)), big.getFloat(row, col), "element " + e);
                }
                java.util.Random random = new java.util.Random(7);
                for (int k = 0; k < 64; k++) {
                    long e = firstPast2GiB + (long) (random.nextDouble() * (ELEMENTS - firstPast2GiB));
                    assertEquals(Float.float16ToFloat(pattern(e)), big.getFloat((int) (e / 1_000_000), (int) (e % 1_000_000)), "element " + e);
                }
                assertArrayEquals(new float[]{1, 2, 3}, st.get("head").toFloatArray());
                assertArrayEquals(new float[]{-7, 8}, st.get("tail").toFloatArray(), "the tensor after the big one lies past 2 GiB");
                assertTrue(st.headerBytes() + st.entry("tail").begin() > TWO_GIB);
            }
        } finally {
            Files.deleteIfExists(f);
        }
    }

    /**
     * Finite F16 bits that repeat only every {@link #PERIOD} elements. The period is prime, so no offset error by a
     * power of two (a 32-bit wrap at 2 GiB or 4 GiB) can land on the same values.
     */
    private static short pattern(long i) {
        long j = i % PERIOD;
        return (short) ((int) ((j * 0x9E3779B97F4A7C15L) >>> 48) & 0x7bff);
    }

    private static ByteBuffer periodBytes() {
        ByteBuffer b = ByteBuffer.allocateDirect(PERIOD * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (int j = 0; j < PERIOD; j++) b.putShort(pattern(j));
        return b.flip();
    }
}
