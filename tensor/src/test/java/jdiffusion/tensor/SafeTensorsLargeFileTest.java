package jdiffusion.tensor;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** A 2.2 GiB file written by streaming and read back through one mapping: offsets past 2^31 bytes work both ways. */
class SafeTensorsLargeFileTest {
    private static final long ELEMENTS = 1_200_000_000L; // F16: 2.4e9 bytes, past the 2 GiB mark
    private static final long TWO_GIB = 1L << 31;

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
                        long i = 0;
                        while (i < ELEMENTS) {
                            ByteBuffer b = sink.staging();
                            int n = (int) Math.min(b.capacity() / 2, ELEMENTS - i);
                            for (int k = 0; k < n; k++) b.putShort(pattern(i + k));
                            sink.write(b.flip());
                            i += n;
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
                assertArrayEquals(new float[]{1, 2, 3}, st.get("head").toFloatArray());
                assertArrayEquals(new float[]{-7, 8}, st.get("tail").toFloatArray(), "the tensor after the big one lies past 2 GiB");
                assertTrue(st.headerBytes() + st.entry("tail").begin() > TWO_GIB);
            }
        } finally {
            Files.deleteIfExists(f);
        }
    }

    /** Finite, non-periodic F16 bits: a multiplicative hash of the index, exponent kept below all-ones. */
    private static short pattern(long i) {
        return (short) ((int) ((i * 0x9E3779B97F4A7C15L) >>> 48) & 0x7bff);
    }
}
