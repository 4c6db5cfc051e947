package jdiffusion.kernels.cpu;

import jdiffusion.kernels.reference.ReferenceBackend;
import jdiffusion.tensor.DType;
import jdiffusion.tensor.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.util.Arrays;
import java.util.Random;

import static jdiffusion.kernels.cpu.GemmAgainstReferenceTest.check;
import static jdiffusion.kernels.cpu.GemmAgainstReferenceTest.half;
import static jdiffusion.kernels.cpu.GemmAgainstReferenceTest.random;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The few-columns GEMM path ({@link SkinnyGemm}: CLIP / cross-attention projections of 77 or 154 tokens) against
 * the scalar reference: cut row panels, a B of 1..160 columns, depths that are no multiple of anything, F16
 * weights, strided inputs, both biases and both layouts of C. With AVX2 only the path is off and the same
 * products go through the blocked GEMM, which these tests then check instead.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SkinnyGemmTest {
    final ReferenceBackend reference = new ReferenceBackend();
    CpuBackend cpu;

    @BeforeAll void start() { cpu = new CpuBackend(2); }

    @AfterAll void stop() { cpu.close(); }

    /** {tokens, features, depth}: tokens become the columns of B, features the rows of A. */
    static final int[][] PROJECTIONS = {{77, 768, 768}, {154, 770, 300}, {70, 66, 257}, {77, 130, 513}, {78, 64, 256}};

    @Test
    void tokenProjectionsTakeTheSkinnyPathWithWideRegisters() {
        for (int[] s : PROJECTIONS)
            assertEquals(MicroKernel.WIDE, SkinnyGemm.suits(s[1], s[0], s[2]), Arrays.toString(s));
        assertEquals(false, SkinnyGemm.suits(768, 5, 768), "5 tokens fill a 32-column panel better");
        assertEquals(false, SkinnyGemm.suits(4096, 77, 40), "attention scores are too shallow");
        assertEquals(false, SkinnyGemm.suits(4096, 320, 320), "a wide B keeps the blocked path");
    }

    @Test
    void tokenProjectionsMatchReferenceWithF32AndF16Weights() {
        Random rnd = new Random(11);
        for (int[] s : PROJECTIONS)
            for (DType dt : new DType[]{DType.F32, DType.F16}) {
                Tensor x = random(rnd, 1, s[0], s[2]), w32 = random(rnd, s[1], s[2]), b = random(rnd, s[1]);
                Tensor w = dt == DType.F32 ? w32 : half(w32, dt);
                check(reference.linear(x, w, b), cpu.linear(x, w, b), "linear " + dt + " " + Arrays.toString(s));
                check(reference.linear(x, w, null), cpu.linear(x, w, null), "linear no bias " + dt + " " + Arrays.toString(s));
            }
    }

    @Test
    void fewTokensAndStridedTokensMatchReference() {
        Random rnd = new Random(12);
        Tensor w = random(rnd, 768, 300), b = random(rnd, 768);
        for (int tokens : new int[]{1, 5, 17, 77}) {
            Tensor x = random(rnd, tokens, 300);
            check(reference.linear(x, w, b), cpu.linear(x, w, b), tokens + " tokens");
        }
        Tensor narrowed = random(rnd, 2, 77, 310).narrow(2, 7, 300);   // rows 310 apart
        check(reference.linear(narrowed, w, b), cpu.linear(narrowed, w, b), "narrowed tokens");
        Tensor transposed = random(rnd, 300, 77).transpose(0, 1);       // k runs across rows
        check(reference.linear(transposed, w, b), cpu.linear(transposed, w, b), "transposed tokens");
    }

    @Test
    void bothBiasesAndBothLayoutsOfCMatchReference() {
        Random rnd = new Random(13);
        int m = 203, n = 77, k = 333;   // 203 rows: the last A panel is cut and packed
        float[] a = random(rnd, m, k).toFloatArray(), b = random(rnd, n, k).toFloatArray();
        float[] rb = random(rnd, m).toFloatArray(), cb = random(rnd, n).toFloatArray();
        float[] expected = reference.linear(Tensor.of(a, m, k), Tensor.of(b, n, k), Tensor.of(cb, n)).toFloatArray();
        for (int i = 0; i < m; i++) for (int j = 0; j < n; j++) expected[i * n + j] += rb[i];
        float[] out = new float[m * n];
        Sgemm.multiply(cpu.parallel(), new ArrayPanels(a, 0, m, k, k, 1), new ArrayPanels(b, 0, n, k, k, 1),
                Sgemm.Output.rowMajor(out, 0, n), rb, cb);
        check(Tensor.of(expected, m, n), Tensor.of(out, m, n), "row-major C");
        float[] outT = new float[m * n];
        Sgemm.multiply(null, new ArrayPanels(a, 0, m, k, k, 1), new ArrayPanels(b, 0, n, k, k, 1),
                Sgemm.Output.rowMajor(outT, 0, m).transposed(), rb, cb);
        float[] back = Tensor.of(outT, n, m).transpose(0, 1).contiguous().toFloatArray();
        check(Tensor.of(expected, m, n), Tensor.of(back, m, n), "transposed C, one thread");
    }

    @Test
    void matmulAgainstFewColumnsMatchesReference() {
        Random rnd = new Random(14);
        Tensor a = random(rnd, 2, 130, 300), b = random(rnd, 2, 300, 77);
        check(reference.matmul(a, b), cpu.matmul(a, b), "matmul 130x300x77");
        Tensor bt = random(rnd, 2, 154, 300).transpose(1, 2);
        check(reference.matmul(a, bt), cpu.matmul(a, bt), "matmul 130x300x154 bᵀ");
    }

    @Test
    void aFailureWhilePackingBReachesTheCallerInsteadOfHangingTheOtherWorkers() {
        int m = 256, n = 77, k = 768;
        float[] a = new float[m * k];
        PanelSource failing = new PanelSource() {
            @Override public int outer() { return n; }
            @Override public int inner() { return k; }
            @Override public void packInterleaved(float[] dst, int dstOff, int i0, int width, int k0, int kc, int R) {
                if (k0 >= 256) throw new IllegalStateException("unreadable weights");
            }
        };
        org.junit.jupiter.api.Assumptions.assumeTrue(SkinnyGemm.suits(m, n, k), "no wide registers: path not taken");
        IllegalStateException e = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(20),
                () -> org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class, () ->
                        Sgemm.multiply(cpu.parallel(), new ArrayPanels(a, 0, m, k, k, 1), failing,
                                Sgemm.Output.rowMajor(new float[m * n], 0, n), null, null)));
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("unreadable weights"), e.getMessage());
    }
}
