package jdiffusion.kernels.cpu;

/**
 * The transposing step of packing: {@code width} rows that run along k (weights {@code [N, K]}, activations
 * {@code [M, K]}) become {@code kc} groups of {@code R} floats. Walking k in the outer loop keeps the stores
 * sequential and reads {@code width} streams in parallel, several times faster than filling one strided
 * column of the panel per row.
 */
final class Interleave {
    private Interleave() {}

    /** {@code dst[dstOff + k*R + r] = src[rowStart[r] + k]} for {@code r < width}, {@code k < kc}; zero for {@code width <= r < R}. */
    static void rows(float[] src, int[] rowStart, int width, int kc, float[] dst, int dstOff, int R) {
        if (width == 6 && R == 6) { six(src, rowStart, kc, dst, dstOff); return; }
        if (GATHER && width == R && R % S.length() == 0) { gather(src, rowStart, kc, dst, dstOff, R); return; }
        for (int k = 0; k < kc; k++) {
            int d = dstOff + k * R;
            for (int r = 0; r < width; r++) dst[d + r] = src[rowStart[r] + k];
            for (int r = width; r < R; r++) dst[d + r] = 0f;
        }
    }

    static final boolean GATHER = !"false".equals(System.getProperty("jdiffusion.gemm.gather"));
    private static final jdk.incubator.vector.VectorSpecies<Float> S = MicroKernel.SPECIES;

    /** A vector of rows at a time: one gather per k per vector (the rows are all in L1/L2 by then). */
    private static void gather(float[] src, int[] rowStart, int kc, float[] dst, int dstOff, int R) {
        int lanes = S.length();
        int[] index = new int[lanes];
        for (int g = 0; g < R; g += lanes) {
            int first = rowStart[g];
            for (int j = 0; j < lanes; j++) index[j] = rowStart[g + j] - first;
            for (int k = 0, d = dstOff + g; k < kc; k++, d += R)
                jdk.incubator.vector.FloatVector.fromArray(S, src, first + k, index, 0).intoArray(dst, d);
        }
    }

    private static void six(float[] src, int[] rowStart, int kc, float[] dst, int d) {
        int s0 = rowStart[0], s1 = rowStart[1], s2 = rowStart[2], s3 = rowStart[3], s4 = rowStart[4], s5 = rowStart[5];
        for (int k = 0; k < kc; k++, d += 6) {
            dst[d] = src[s0 + k];
            dst[d + 1] = src[s1 + k];
            dst[d + 2] = src[s2 + k];
            dst[d + 3] = src[s3 + k];
            dst[d + 4] = src[s4 + k];
            dst[d + 5] = src[s5 + k];
        }
    }
}
