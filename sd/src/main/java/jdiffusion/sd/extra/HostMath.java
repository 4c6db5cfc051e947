package jdiffusion.sd.extra;

import java.util.stream.IntStream;

/** The few dense products the weight deltas need, on host floats (row-major), rows in parallel. */
final class HostMath {
    private HostMath() {}

    /** {@code a [m, k] x b [k, n]}. */
    static float[] matmul(float[] a, float[] b, int m, int k, int n) {
        float[] c = new float[m * n];
        IntStream.range(0, m).parallel().forEach(i -> {
            int row = i * n;
            for (int p = 0; p < k; p++) {
                float v = a[i * k + p];
                if (v == 0f) continue;
                int brow = p * n;
                for (int j = 0; j < n; j++) c[row + j] += v * b[brow + j];
            }
        });
        return c;
    }

    /**
     * {@code torch.kron(a, b)} for equal ranks: {@code out[i0*b0 + k0, i1*b1 + k1, ...] = a[i0, i1, ...] * b[k0, k1, ...]}.
     */
    static float[] kron(float[] a, int[] aShape, float[] b, int[] bShape) {
        int rank = aShape.length;
        int[] outShape = new int[rank];
        for (int d = 0; d < rank; d++) outShape[d] = aShape[d] * bShape[d];
        float[] out = new float[a.length * b.length];
        int[] ai = new int[rank], bi = new int[rank];
        for (int x = 0; x < a.length; x++) {
            unravel(x, aShape, ai);
            float av = a[x];
            for (int y = 0; y < b.length; y++) {
                unravel(y, bShape, bi);
                int o = 0;
                for (int d = 0; d < rank; d++) o = o * outShape[d] + ai[d] * bShape[d] + bi[d];
                out[o] = av * b[y];
            }
        }
        return out;
    }

    private static void unravel(int index, int[] shape, int[] out) {
        for (int d = shape.length - 1; d >= 0; d--) {
            out[d] = index % shape[d];
            index /= shape[d];
        }
    }

    static long numel(int[] shape) {
        long n = 1;
        for (int s : shape) n *= s;
        return n;
    }
}
