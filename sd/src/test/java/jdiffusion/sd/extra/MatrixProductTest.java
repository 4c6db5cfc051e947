package jdiffusion.sd.extra;

import jdiffusion.kernels.cpu.CpuBackend;
import jdiffusion.tensor.Backend;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static jdiffusion.tensor.testing.TensorAssert.assertClose;

/** The backend's GEMM used for deltas agrees with the plain host loops, on odd sizes and on a LoCon 3x3 shape. */
class MatrixProductTest {
    @Test
    void backendProductEqualsHostLoops() {
        Random r = new Random(2);
        try (Backend b = new CpuBackend(2)) {
            MatrixProduct fast = MatrixProduct.on(b);
            for (int[] s : new int[][] {{7, 3, 5}, {1, 1, 1}, {33, 4, 65}, {64, 16, 64 * 9}}) {
                float[] x = new float[s[0] * s[1]], y = new float[s[1] * s[2]];
                for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
                for (int i = 0; i < y.length; i++) y[i] = (float) r.nextGaussian();
                float[] host = MatrixProduct.HOST.multiply(x, y, s[0], s[1], s[2]);
                float[] gemm = fast.multiply(x, y, s[0], s[1], s[2]);
                assertClose(host, gemm, 1e-4, 1e-5, s[0] + "x" + s[1] + "x" + s[2]);
            }
        }
    }
}
