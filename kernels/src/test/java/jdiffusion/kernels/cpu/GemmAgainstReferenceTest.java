package jdiffusion.kernels.cpu;

import jdiffusion.kernels.reference.ReferenceBackend;
import jdiffusion.tensor.DType;
import jdiffusion.tensor.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Random;

import static jdiffusion.tensor.testing.TensorAssert.assertClose;

/**
 * The CPU GEMM ({@code linear}, {@code matmul}) against the scalar reference on sizes that are not multiples of
 * any tile (MR, NR, KC, MC), on strided views, and with F16/BF16 weights at unaligned offsets.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GemmAgainstReferenceTest {
    static final int[] SIZES = {1, 7, 13, 17, 33, 100};
    final ReferenceBackend reference = new ReferenceBackend();
    CpuBackend cpu;

    @BeforeAll void start() { cpu = new CpuBackend(2); }

    @AfterAll void stop() { cpu.close(); }

    static Tensor random(Random rnd, int... shape) {
        float[] a = new float[Math.toIntExact(Tensor.numel(shape))];
        for (int i = 0; i < a.length; i++) a[i] = rnd.nextFloat() * 2 - 1;
        return Tensor.of(a, shape);
    }

    /** {@code t}'s values stored as F16 or BF16 little-endian, one byte past an aligned address. */
    static Tensor half(Tensor t, DType dtype) {
        float[] v = t.toFloatArray();
        MemorySegment seg = Arena.ofAuto().allocate(2L * v.length + 1, 8).asSlice(1, 2L * v.length);
        ValueLayout.OfShort le = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < v.length; i++)
            seg.set(le, 2L * i, dtype == DType.F16 ? Float.floatToFloat16(v[i]) : DType.floatToBf16(v[i]));
        return Tensor.wrap(seg, dtype, t.shape());
    }

    static void check(Tensor expected, Tensor actual, String what) {
        float max = 0;
        for (float f : expected.toFloatArray()) max = Math.max(max, Math.abs(f));
        assertClose(expected, actual, 1e-5 + 1e-5 * max, 1e-4, what);
    }

    @Test
    void linearMatchesReferenceOnEverySizeCombination() {
        Random rnd = new Random(1);
        for (int m : SIZES)
            for (int n : SIZES)
                for (int k : SIZES) {
                    Tensor x = random(rnd, m, k), w = random(rnd, n, k), b = random(rnd, n);
                    check(reference.linear(x, w, b), cpu.linear(x, w, b), "linear m=" + m + " n=" + n + " k=" + k);
                }
    }

    @Test
    void linearWithManyKBlocksAndNBlocksMatchesReference() {
        Random rnd = new Random(2);
        int[][] cases = {{3, 7001, 300}, {101, 67, 1031}, {250, 130, 513}};
        for (int[] s : cases) {
            Tensor x = random(rnd, s[0], s[2]), w = random(rnd, s[1], s[2]), b = random(rnd, s[1]);
            check(reference.linear(x, w, b), cpu.linear(x, w, b), "linear " + java.util.Arrays.toString(s));
            check(reference.linear(x, w, null), cpu.linear(x, w, null), "linear no bias " + java.util.Arrays.toString(s));
        }
    }

    @Test
    void gemmWithSmallBlocksReachesEveryBlockingLoop() {
        Random rnd = new Random(6);
        int m = 53, n = 71, k = 45;
        Tensor x = random(rnd, m, k), w = random(rnd, n, k), rb = random(rnd, m), cb = random(rnd, n);
        float[] xa = x.toFloatArray(), wa = w.toFloatArray(), rba = rb.toFloatArray(), cba = cb.toFloatArray();
        float[] expected = reference.linear(x, w, cb).toFloatArray();
        for (int i = 0; i < m; i++) for (int j = 0; j < n; j++) expected[i * n + j] += rba[i];
        for (int[] blocks : new int[][]{{7, 6 * 7, Sgemm.NR * 7}, {16, 1 << 20, Sgemm.NR * 16}, {100, 12 * 100, 1 << 20}}) {
            float[] out = new float[m * n];
            Sgemm.multiply(cpu.parallel(), new ArrayPanels(xa, 0, m, k, k, 1), new ArrayPanels(wa, 0, n, k, k, 1),
                    Sgemm.Output.rowMajor(out, 0, n), rba, cba, blocks[0], blocks[1], blocks[2]);
            check(Tensor.of(expected, m, n), Tensor.of(out, m, n), "blocks " + java.util.Arrays.toString(blocks));
            float[] outT = new float[m * n];
            Sgemm.multiply(null, new ArrayPanels(wa, 0, n, k, k, 1), new ArrayPanels(xa, 0, m, k, k, 1),
                    Sgemm.Output.rowMajor(outT, 0, n).transposed(), cba, rba, blocks[0], blocks[1], blocks[2]);
            check(Tensor.of(expected, m, n), Tensor.of(outT, m, n), "transposed C, blocks " + java.util.Arrays.toString(blocks));
        }
    }

    @Test
    void linearReadsF16AndBf16WeightsAtUnalignedOffsets() {
        Random rnd = new Random(3);
        for (DType dt : new DType[]{DType.F16, DType.BF16})
            for (int[] s : new int[][]{{5, 33, 77}, {77, 100, 65}, {130, 17, 300}}) {
                Tensor x = random(rnd, 1, s[0], s[2]), w = half(random(rnd, s[1], s[2]), dt), b = half(random(rnd, s[1]), dt);
                check(reference.linear(x, w, b), cpu.linear(x, w, b), "linear " + dt + " " + java.util.Arrays.toString(s));
            }
    }

    @Test
    void linearReadsStridedAndTransposedViews() {
        Random rnd = new Random(4);
        Tensor base = random(rnd, 2, 40, 19);
        Tensor xt = base.transpose(1, 2);                     // [2, 19, 40], k stride 19
        Tensor w = random(rnd, 23, 40), b = random(rnd, 23);
        check(reference.linear(xt, w, b), cpu.linear(xt, w, b), "transposed x");
        Tensor narrow = random(rnd, 3, 9, 50).narrow(2, 5, 40); // rows of stride 50
        check(reference.linear(narrow, w, b), cpu.linear(narrow, w, b), "narrowed x");
        Tensor wt = random(rnd, 40, 23).transpose(0, 1);      // weight view with k stride 23
        check(reference.linear(narrow, wt, null), cpu.linear(narrow, wt, null), "transposed weight");
        Tensor wHalfT = half(random(rnd, 40, 23), DType.F16).transpose(0, 1);
        check(reference.linear(narrow, wHalfT, b), cpu.linear(narrow, wHalfT, b), "transposed F16 weight");
    }

    @Test
    void matmulMatchesReferenceOnBatchesAndViews() {
        Random rnd = new Random(5);
        for (int m : new int[]{1, 13, 100})
            for (int n : new int[]{7, 33})
                for (int k : new int[]{1, 17, 100}) {
                    Tensor a = random(rnd, 3, m, k), b = random(rnd, 3, k, n);
                    check(reference.matmul(a, b), cpu.matmul(a, b), "matmul " + m + "x" + k + "x" + n);
                    Tensor bt = random(rnd, 3, n, k).transpose(1, 2);   // like q·kᵀ
                    check(reference.matmul(a, bt), cpu.matmul(a, bt), "matmul bᵀ " + m + "x" + k + "x" + n);
                    Tensor at = random(rnd, 3, k, m).transpose(1, 2);
                    check(reference.matmul(at, bt), cpu.matmul(at, bt), "matmul aᵀbᵀ " + m + "x" + k + "x" + n);
                }
        Tensor a4 = random(rnd, 2, 4, 33, 40).permute(1, 0, 2, 3), b4 = random(rnd, 4, 2, 40, 21);
        check(reference.matmul(a4, b4), cpu.matmul(a4, b4), "rank-4 permuted batch");
        Tensor big = random(rnd, 2, 150, 300), bigB = random(rnd, 2, 300, 90);
        check(reference.matmul(big, bigB), cpu.matmul(big, bigB), "matmul 2x150x300x90");
    }
}
