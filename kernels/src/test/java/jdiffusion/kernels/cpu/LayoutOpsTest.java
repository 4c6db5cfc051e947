package jdiffusion.kernels.cpu;

import jdiffusion.kernels.reference.ReferenceBackend;
import jdiffusion.tensor.DType;
import jdiffusion.tensor.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static jdiffusion.tensor.testing.TensorAssert.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LayoutOpsTest {
    private final CpuBackend cpu = new CpuBackend(2);
    private final ReferenceBackend reference = new ReferenceBackend();

    @AfterAll void close() { cpu.close(); }

    private void checkContiguous(Tensor view) {
        Tensor c = cpu.contiguous(view);
        assertArrayEquals(view.shape(), c.shape());
        assertEquals(view.dtype(), c.dtype());
        assertClose(view.toFloatArray(), c.toFloatArray(), 0, 0, "contiguous " + java.util.Arrays.toString(view.shape()));
    }

    @Test
    void contiguousCopiesEveryKindOfView() {
        RandomTensors r = new RandomTensors(1);
        checkContiguous(r.normal(2, 77, 3, 40).permute(0, 2, 1, 3));       // [B,L,H,d] -> [B,H,L,d]
        checkContiguous(r.normal(2, 3, 77, 40).permute(0, 2, 1, 3));       // and back
        checkContiguous(r.normal(2, 37, 45).transpose(1, 2));              // [B,C,HW] <-> [B,HW,C]
        checkContiguous(r.normal(1, 320, 17, 19).permute(0, 2, 3, 1));     // NCHW -> NHWC
        checkContiguous(r.normal(1, 17, 19, 33).permute(0, 3, 1, 2));      // NHWC -> NCHW
        checkContiguous(r.normal(3, 4, 5, 6).permute(3, 1, 0, 2));
        checkContiguous(r.normal(3, 4, 5, 6).permute(2, 3, 1, 0));
        checkContiguous(r.normal(10, 12).narrow(1, 3, 5));
        checkContiguous(r.normal(10, 12).narrow(0, 3, 5));
        checkContiguous(r.normal(4, 1, 6).transpose(0, 2).narrow(2, 1, 2));
        checkContiguous(r.normal(5, 6).transpose(0, 1).narrow(0, 2, 3).narrow(1, 1, 3));
        checkContiguous(r.normal(7, 1).transpose(0, 1));
        checkContiguous(RandomTensors.toF16(r.normal(6, 5)).transpose(0, 1));
    }

    @ParameterizedTest
    @CsvSource({"4, 4, 8, 8", "3, 5, 6, 10", "5, 7, 7, 9", "8, 8, 3, 5", "1, 1, 4, 3", "6, 9, 6, 9"})
    void upsampleNearestMatchesReferenceExactly(int h, int w, int outH, int outW) {
        Tensor x = new RandomTensors(h * 10L + w).normal(2, 3, h, w);
        assertClose(reference.upsampleNearest(x, outH, outW), cpu.upsampleNearest(x, outH, outW), 0, 0, "upsample");
        Tensor view = new RandomTensors(3).normal(2, h, w, 3).permute(0, 3, 1, 2);
        assertClose(reference.upsampleNearest(view, outH, outW), cpu.upsampleNearest(view, outH, outW), 0, 0, "upsample of a view");
    }

    @Test
    void concatMatchesReferenceAlongEveryDim() {
        RandomTensors r = new RandomTensors(2);
        for (int dim = -3; dim < 3; dim++) {
            int[] s1 = {2, 3, 4}, s2 = {2, 3, 4};
            int axis = dim < 0 ? dim + 3 : dim;
            s1[axis] = 1;
            s2[axis] = 5;
            Tensor a = r.normal(s1), b = r.normal(s2), c = r.normal(2, 3, 4);
            assertClose(reference.concat(dim, a, b, c), cpu.concat(dim, a, b, c), 0, 0, "concat dim " + dim);
        }
        Tensor view = r.normal(4, 3, 2).permute(2, 1, 0);
        assertClose(reference.concat(1, view, view), cpu.concat(1, view, view), 0, 0, "concat of views");
        assertThrows(IllegalArgumentException.class, () -> cpu.concat(0, Tensor.zeros(2, 3), Tensor.zeros(2, 4)));
    }

    @Test
    void gatherRowsReadsEveryFloatDtype() {
        RandomTensors r = new RandomTensors(3);
        Tensor table = r.normal(50, 7);
        int[] ids = {0, 49, 3, 3, 17};
        for (Tensor t : new Tensor[] {table, RandomTensors.toF16(table), RandomTensors.toBf16(table), table.narrow(1, 2, 4), table.narrow(0, 1, 49)}) {
            int[] in = t.size(0) == 49 ? new int[] {0, 48, 3} : ids;
            Tensor got = cpu.gatherRows(t, in);
            assertEquals(DType.F32, got.dtype());
            assertClose(reference.gatherRows(t, in), got, 0, 0, "gatherRows " + t);
        }
        assertThrows(IndexOutOfBoundsException.class, () -> cpu.gatherRows(table, new int[] {50}));
    }
}
