package jdiffusion.kernels.cpu;

import jdiffusion.kernels.reference.ReferenceBackend;
import jdiffusion.tensor.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static jdiffusion.tensor.testing.TensorAssert.assertClose;
import static org.junit.jupiter.api.Assertions.assertThrows;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AttentionOpsTest {
    private final CpuBackend cpu = new CpuBackend(2);
    private final ReferenceBackend reference = new ReferenceBackend();

    @AfterAll void close() { cpu.close(); }

    @ParameterizedTest(name = "B{0} Lq{1} Lk{2} heads{3} d{4} dv{5} causal{6}")
    @CsvSource({
            "1, 1, 1, 1, 1, 1, false",
            "1, 5, 3, 1, 3, 3, false",
            "2, 70, 77, 2, 40, 40, false",
            "1, 130, 300, 3, 64, 64, false",
            "1, 67, 65, 1, 80, 80, false",
            "1, 33, 20, 2, 160, 160, false",
            "1, 200, 1, 2, 8, 8, false",
            "1, 65, 129, 8, 4, 4, false",
            "2, 77, 77, 4, 8, 8, true",
            "1, 150, 150, 2, 40, 40, true",
            "1, 40, 100, 1, 16, 16, true",
            "1, 100, 40, 1, 16, 16, true",
            "1, 90, 70, 2, 24, 12, false",
            "1, 9, 7, 1, 5, 6, true",
    })
    void flashAttentionMatchesReference(int b, int lq, int lk, int heads, int d, int dv, boolean causal) {
        RandomTensors r = new RandomTensors(lq * 31L + lk * 7L + d);
        Tensor q = r.normal(b, lq, heads * d), k = r.normal(b, lk, heads * d), v = r.normal(b, lk, heads * dv);
        Tensor expected = reference.attention(q, k, v, heads, causal);
        for (boolean narrow : new boolean[] {false, true})
            assertClose(expected, AttentionOps.attention(cpu.parallel(), q, k, v, heads, causal, narrow), 2e-5, 1e-4,
                    narrow ? "attention, two-row kernels" : "attention, four-row kernels");
    }

    @Test
    void sharpScoresStayFinite() {
        // scores of order ±200: the running max must rescale without overflow
        RandomTensors r = new RandomTensors(5);
        Tensor q = r.normal(4f, 0f, 1, 100, 16), k = r.normal(4f, 0f, 1, 300, 16), v = r.normal(1, 300, 16);
        assertClose(reference.attention(q, k, v, 1, false), cpu.attention(q, k, v, 1, false), 2e-5, 1e-4, "sharp attention");
    }

    @Test
    void nonContiguousHeadViewsAreRead() {
        RandomTensors r = new RandomTensors(9);
        // [B, H, L, d] permuted to [B, L, H, d] then flattened by contiguous copies on both sides
        Tensor q4 = r.normal(1, 2, 50, 8).permute(0, 2, 1, 3), k4 = r.normal(1, 2, 60, 8).permute(0, 2, 1, 3),
                v4 = r.normal(1, 2, 60, 8).permute(0, 2, 1, 3);
        Tensor q = cpu.contiguous(q4).reshape(1, 50, 16), k = cpu.contiguous(k4).reshape(1, 60, 16), v = cpu.contiguous(v4).reshape(1, 60, 16);
        Tensor narrowedQ = r.normal(1, 60, 16).narrow(1, 5, 50);
        assertClose(reference.attention(q, k, v, 2, false), cpu.attention(q, k, v, 2, false), 2e-5, 1e-4, "permuted heads");
        assertClose(reference.attention(narrowedQ, k, v, 2, false), cpu.attention(narrowedQ, k, v, 2, false), 2e-5, 1e-4, "narrowed q");
    }

    @Test
    void headsThatDoNotDivideChannelsAreRejected() {
        Tensor q = Tensor.zeros(1, 4, 10);
        assertThrows(IllegalArgumentException.class, () -> cpu.attention(q, q, q, 3, false));
    }
}
