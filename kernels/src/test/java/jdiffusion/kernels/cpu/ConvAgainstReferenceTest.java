package jdiffusion.kernels.cpu;

import jdiffusion.kernels.reference.ReferenceBackend;
import jdiffusion.tensor.DType;
import jdiffusion.tensor.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.util.Random;

import static jdiffusion.kernels.cpu.GemmAgainstReferenceTest.check;
import static jdiffusion.kernels.cpu.GemmAgainstReferenceTest.half;
import static jdiffusion.kernels.cpu.GemmAgainstReferenceTest.random;

/** The implicit-GEMM convolution against the scalar reference: odd sizes, borders, strides, 1x1, batches. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConvAgainstReferenceTest {
    final ReferenceBackend reference = new ReferenceBackend();
    CpuBackend cpu;

    @BeforeAll void start() { cpu = new CpuBackend(2); }

    @AfterAll void stop() { cpu.close(); }

    void compare(Random rnd, int b, int c, int h, int w, int o, int k, int stride, int pad, boolean bias, DType wType) {
        Tensor x = random(rnd, b, c, h, w), wt = random(rnd, o, c, k, k), bs = bias ? random(rnd, o) : null;
        if (wType != DType.F32) wt = half(wt, wType);
        String what = String.format("conv b=%d c=%d %dx%d o=%d k=%d s=%d p=%d bias=%s %s", b, c, h, w, o, k, stride, pad, bias, wType);
        check(reference.conv2d(x, wt, bs, stride, pad), cpu.conv2d(x, wt, bs, stride, pad), what);
    }

    @Test
    void conv3x3MatchesReferenceOnOddSizesStridesAndBorders() {
        Random rnd = new Random(11);
        int[][] hw = {{1, 1}, {5, 7}, {8, 8}, {13, 17}, {16, 40}, {33, 9}};
        for (int[] s : hw)
            for (int stride : new int[]{1, 2})
                for (int pad : new int[]{0, 1}) {
                    if (s[0] + 2 * pad < 3 || s[1] + 2 * pad < 3) continue;
                    compare(rnd, 1, 5, s[0], s[1], 7, 3, stride, pad, true, DType.F32);
                    compare(rnd, 2, 3, s[0], s[1], 13, 3, stride, pad, false, DType.F32);
                }
    }

    @Test
    void convToFewChannelsMatchesReferenceAtBordersAndTails() {
        Random rnd = new Random(17);
        int[][] hw = {{1, 1}, {5, 7}, {16, 40}, {9, 35}};
        for (int[] s : hw)
            for (int o : new int[]{1, 3, 4})
                for (int pad : new int[]{0, 1}) {
                    if (s[0] + 2 * pad >= 3 && s[1] + 2 * pad >= 3)
                        compare(rnd, 2, 6, s[0], s[1], o, 3, 1, pad, true, DType.F16);
                    compare(rnd, 1, 5, s[0], s[1], o, 1, 1, pad, false, DType.F32);
                }
    }

    @Test
    void conv1x1IsAChannelGemm() {
        Random rnd = new Random(12);
        compare(rnd, 1, 17, 9, 11, 33, 1, 1, 0, true, DType.F32);
        compare(rnd, 3, 20, 8, 8, 7, 1, 1, 0, false, DType.F32);
        compare(rnd, 2, 8, 7, 5, 5, 1, 2, 0, true, DType.F32);
        compare(rnd, 3, 6, 5, 5, 9, 1, 1, 0, true, DType.F16);     // vectors of pixels that cross images
    }

    @Test
    void convInFromFourLatentChannels() {
        Random rnd = new Random(13);
        compare(rnd, 2, 4, 12, 10, 32, 3, 1, 1, true, DType.F32);
    }

    @Test
    void convBatchOfLargeImagesRunsPerImage() {
        Random rnd = new Random(14);
        compare(rnd, 2, 3, 33, 35, 9, 3, 1, 1, true, DType.F32); // 33*35 >= 1024 output pixels
    }

    @Test
    void convReadsHalfWeightsAndDeepChannels() {
        Random rnd = new Random(15);
        compare(rnd, 1, 40, 6, 9, 19, 3, 1, 1, true, DType.F16);   // K = 360 > one K block
        compare(rnd, 2, 30, 5, 5, 8, 3, 2, 1, true, DType.BF16);
        compare(rnd, 2, 90, 4, 6, 7, 3, 1, 1, true, DType.F16);    // K = 810: two K blocks
        compare(rnd, 1, 100, 4, 5, 37, 3, 1, 1, true, DType.F16);  // many outputs, few pixels, two K blocks: weights streamed
        compare(rnd, 2, 200, 3, 3, 50, 3, 1, 1, false, DType.F16); // the same for a folded batch, three K blocks
    }

    @Test
    void convReadsNonContiguousInput() {
        Random rnd = new Random(16);
        Tensor x = random(rnd, 1, 6, 11, 9).transpose(2, 3), w = random(rnd, 4, 6, 3, 3), b = random(rnd, 4);
        check(reference.conv2d(x, w, b, 1, 1), cpu.conv2d(x, w, b, 1, 1), "transposed input");
    }
}
