package jdiffusion.kernels.cpu;

import jdiffusion.kernels.reference.ReferenceBackend;
import jdiffusion.tensor.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static jdiffusion.tensor.testing.TensorAssert.assertClose;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NormOpsTest {
    private final CpuBackend cpu = new CpuBackend(2);
    private final ReferenceBackend reference = new ReferenceBackend();

    @AfterAll void close() { cpu.close(); }

    @ParameterizedTest(name = "[{0},{1},{2},{3}] groups{4} silu{5}")
    @CsvSource({
            "1, 32, 1, 1, 32, false",
            "2, 64, 5, 7, 32, true",
            "1, 96, 13, 11, 32, false",
            "3, 6, 3, 1, 3, true",
            "1, 320, 17, 9, 32, true",
    })
    void groupNormMatchesReference(int b, int c, int h, int w, int groups, boolean silu) {
        RandomTensors r = new RandomTensors(c * 13L + h);
        Tensor x = r.normal(2f, 0.5f, b, c, h, w), gamma = r.normal(0.2f, 1f, c), beta = r.normal(c);
        for (float eps : new float[] {1e-5f, 1e-6f})
            assertClose(reference.groupNorm(x, groups, gamma, beta, eps, silu), cpu.groupNorm(x, groups, gamma, beta, eps, silu), 1e-5, 1e-4, "groupNorm");
    }

    @Test
    void normsGiveTheSameBitsBeforeAndAfterTheJitCompilesThem() {
        // a fresh backend's first calls run interpreted; thousands of calls later C2 has compiled them
        try (CpuBackend fresh = new CpuBackend(1)) {
            RandomTensors r = new RandomTensors(11);
            Tensor x = r.normal(0.3f, 2f, 1, 64, 9, 9), gamma = r.normal(0.2f, 1f, 64), beta = r.normal(64);
            Tensor rows = r.normal(0.1f, 3f, 5, 300), lnGamma = r.normal(0.2f, 1f, 300), lnBeta = r.normal(300);
            float[] gn = fresh.groupNorm(x, 32, gamma, beta, 1e-5f, false).toFloatArray();
            float[] ln = fresh.layerNorm(rows, lnGamma, lnBeta, 1e-5f).toFloatArray();
            float[] sm = fresh.softmax(rows).toFloatArray();
            for (int i = 0; i < 20_000; i++) {
                fresh.groupNorm(x, 32, gamma, beta, 1e-5f, false);
                fresh.layerNorm(rows, lnGamma, lnBeta, 1e-5f);
                fresh.softmax(rows);
            }
            org.junit.jupiter.api.Assertions.assertArrayEquals(gn, fresh.groupNorm(x, 32, gamma, beta, 1e-5f, false).toFloatArray(), "groupNorm");
            org.junit.jupiter.api.Assertions.assertArrayEquals(ln, fresh.layerNorm(rows, lnGamma, lnBeta, 1e-5f).toFloatArray(), "layerNorm");
            org.junit.jupiter.api.Assertions.assertArrayEquals(sm, fresh.softmax(rows).toFloatArray(), "softmax");
        }
    }

    @Test
    void groupNormKeepsVarianceOfOffsetInput() {
        RandomTensors r = new RandomTensors(3);
        Tensor x = r.normal(0.01f, 3000f, 2, 64, 33, 31), gamma = r.normal(0.2f, 1f, 64), beta = r.normal(64);
        assertClose(reference.groupNorm(x, 32, gamma, beta, 1e-6f, false), cpu.groupNorm(x, 32, gamma, beta, 1e-6f, false), 2e-3, 1e-4, "offset groupNorm");
    }

    @Test
    void groupNormReadsPermutedInputAndHalfPrecisionParameters() {
        RandomTensors r = new RandomTensors(4);
        Tensor x = r.normal(1, 9, 7, 64).permute(0, 3, 1, 2);
        Tensor gamma = RandomTensors.toF16(r.normal(0.2f, 1f, 64)), beta = r.normal(2, 64).select(0, 1);
        assertClose(reference.groupNorm(x, 32, gamma, beta, 1e-5f, true), cpu.groupNorm(x, 32, gamma, beta, 1e-5f, true), 1e-5, 1e-4, "view groupNorm");
    }

    @ParameterizedTest
    @CsvSource({"1, 1", "3, 7", "77, 32", "5, 768", "4, 1023"})
    void layerNormMatchesReference(int rows, int c) {
        RandomTensors r = new RandomTensors(rows * 5L + c);
        Tensor x = r.normal(3f, 1f, rows, c), gamma = r.normal(0.2f, 1f, c), beta = r.normal(c);
        assertClose(reference.layerNorm(x, gamma, beta, 1e-5f), cpu.layerNorm(x, gamma, beta, 1e-5f), 1e-5, 1e-4, "layerNorm");
        Tensor t = x.transpose(0, 1);
        if (rows > 1 && c > 1) {
            Tensor g2 = r.normal(0.2f, 1f, rows), b2 = r.normal(rows);
            assertClose(reference.layerNorm(t, g2, b2, 1e-6f), cpu.layerNorm(t, g2, b2, 1e-6f), 1e-5, 1e-4, "transposed layerNorm");
        }
    }

    @ParameterizedTest
    @CsvSource({"1, 1", "3, 7", "10, 77", "4, 4096", "2, 1000"})
    void softmaxMatchesReference(int rows, int c) {
        RandomTensors r = new RandomTensors(rows * 3L + c);
        Tensor x = r.normal(20f, 50f, 2, rows, c);
        assertClose(reference.softmax(x), cpu.softmax(x), 1e-6, 1e-4, "softmax");
    }
}
