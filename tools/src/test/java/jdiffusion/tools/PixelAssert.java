package jdiffusion.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/** Image comparisons for tests that cross backends or JIT states, where the golden data allows a few levels. */
public final class PixelAssert {
    private PixelAssert() {}

    /** Same size, and every RGB channel of packed ARGB pixels within {@code levels} of the expected one. */
    public static void assertPixelsWithin(int[] expected, int[] actual, int levels) {
        assertEquals(expected.length, actual.length, "pixel count");
        for (int i = 0; i < expected.length; i++)
            for (int shift = 0; shift < 24; shift += 8)
                if (Math.abs(((expected[i] >> shift) & 0xff) - ((actual[i] >> shift) & 0xff)) > levels)
                    fail("pixel " + i + " differs by more than " + levels + " levels");
    }
}
