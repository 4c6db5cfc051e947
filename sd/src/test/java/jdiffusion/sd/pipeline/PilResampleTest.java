package jdiffusion.sd.pipeline;

import org.junit.jupiter.api.Test;

import static jdiffusion.sd.pipeline.PillowPattern.bytes;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/** Byte-exact agreement with Pillow's resize (values recorded from Pillow 12 on a 7x5 test pattern). */
class PilResampleTest {
    static final int W = 7, H = 5;

    static byte[] pattern() { return PillowPattern.rgb(W, H); }

    @Test
    void lanczosDownscaleMatchesPillow() {
        assertArrayEquals(bytes(55, 166, 180, 60, 169, 185, 63, 178, 191, 66, 115, 196, 201, 181, 154, 77, 185, 159, 68, 193, 165, 83, 158, 170,
                        189, 155, 169, 199, 161, 174, 93, 166, 180, 54, 182, 185),
                PilResample.resize(pattern(), W, H, 3, 4, 3, PilResample.Filter.LANCZOS));
    }

    @Test
    void lanczosUpscaleMatchesPillow() {
        byte[] got = PilResample.resize(pattern(), W, H, 3, 11, 8, PilResample.Filter.LANCZOS);
        assertArrayEquals(bytes(0, 98, 247, 0, 99, 248, 0, 101, 250, 0, 103, 252, 0, 105, 254, 0, 107, 255, 0, 110, 255, 0, 111, 255, 0, 113, 255,
                0, 136, 255, 1, 151, 255, 35, 177, 166, 34, 178, 167, 38, 180, 169, 60, 182, 171, 69, 184, 173, 71, 186, 175, 72, 184, 177, 75, 191,
                179, 77, 192, 181, 79, 121, 183, 80, 73, 184), java.util.Arrays.copyOf(got, 66));
        assertArrayEquals(bytes(0, 104, 253), java.util.Arrays.copyOfRange(got, got.length - 3, got.length));
    }

    @Test
    void bicubicAndZeroHeightBoxMatchPillow() {
        byte[] got = PilResample.resize(pattern(), W, H, 3, 3, 9, PilResample.Filter.BICUBIC);
        assertArrayEquals(bytes(0, 107, 243, 0, 113, 250, 6, 129, 255, 34, 156, 192, 48, 165, 199, 55, 140, 206), java.util.Arrays.copyOf(got, 18));
        assertArrayEquals(bytes(0, 99, 246, 0, 102, 249, 0, 105, 252, 0, 108, 255, 0, 111, 255, 0, 114, 255, 2, 149, 255,
                        0, 99, 246, 0, 102, 249, 0, 105, 252, 0, 108, 255, 0, 111, 255, 0, 114, 255, 2, 149, 255),
                PilResample.resize(pattern(), W, H, 3, 7, 2, PilResample.Filter.BICUBIC, 0, 0, 7, 0));
    }

    @Test
    void singleChannelAndLumaMatchPillow() {
        byte[] l = new byte[W * H];
        for (int y = 0; y < H; y++) for (int x = 0; x < W; x++) l[y * W + x] = (byte) ((x * 50 + y * 30) % 256);
        assertArrayEquals(bytes(60, 168, 104, 147, 131, 82), PilResample.resize(l, W, H, 1, 3, 2, PilResample.Filter.LANCZOS));
        assertArrayEquals(bytes(94, 97, 100, 103, 106, 109, 112, 190, 193, 196, 199, 202, 205, 57, 164, 167, 94, 97, 100, 103, 106, 184, 187,
                190, 193, 196, 199, 202, 158, 161, 164, 167, 94, 97, 100), new RgbImage(pattern(), W, H).luma());
    }

    @Test
    void sameSizeIsACopy() {
        assertArrayEquals(pattern(), PilResample.resize(pattern(), W, H, 3, W, H, PilResample.Filter.LANCZOS));
    }
}
