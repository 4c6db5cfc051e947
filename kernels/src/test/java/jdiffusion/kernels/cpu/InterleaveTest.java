package jdiffusion.kernels.cpu;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Panel interleaving (register transposes, gathers, scalar rest) against its definition on cut panels and depths. */
class InterleaveTest {
    @Test
    void rowsBecomeZeroPaddedKMajorPanelsForEveryWidthAndDepth() {
        Random rnd = new Random(21);
        for (int R : new int[]{Sgemm.NR, SkinnyGemm.NR, 16, 48})
            for (int width : new int[]{1, 5, 13, 16, 17, 31, 33, 47, 64, 77, 80})
                for (int kc : new int[]{1, 15, 16, 17, 40, 100}) {
                    if (width > R) continue;
                    int stride = kc + 3;
                    float[] src = new float[width * stride + 5];
                    for (int i = 0; i < src.length; i++) src[i] = rnd.nextFloat();
                    int[] starts = new int[width];
                    for (int r = 0; r < width; r++) starts[r] = 5 + (width - 1 - r) * stride;   // rows in reverse order
                    float[] dst = new float[7 + kc * R];
                    java.util.Arrays.fill(dst, Float.NaN);
                    Interleave.rows(src, starts, width, kc, dst, 7, R);
                    for (int k = 0; k < kc; k++)
                        for (int r = 0; r < R; r++)
                            assertEquals(r < width ? src[starts[r] + k] : 0f, dst[7 + k * R + r],
                                    "R=" + R + " width=" + width + " kc=" + kc + " k=" + k + " r=" + r);
                }
    }
}
