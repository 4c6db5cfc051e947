package jdiffusion.kernels.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The transposing step of packing a B panel: {@code width} rows that run along k (weights {@code [N, K]},
 * activations {@code [M, K]}) become {@code kc} groups of {@code R} floats. Whole vectors of rows are gathered
 * one k at a time, also in a panel cut by the edge of B (a third faster than scalar copies, measured); for the
 * rest k walks in the outer loop so the stores stay sequential while the rows are read as parallel streams (filling one strided panel column per
 * row was several times slower).
 */
final class Interleave {
    private static final VectorSpecies<Float> S = MicroKernel.SPECIES;

    private Interleave() {}

    /** {@code dst[dstOff + k*R + r] = src[rowStart[r] + k]} for {@code r < width}, {@code k < kc}; zero for {@code width <= r < R}. */
    static void rows(float[] src, int[] rowStart, int width, int kc, float[] dst, int dstOff, int R) {
        int lanes = S.length(), full = R % lanes == 0 ? width / lanes * lanes : 0;
        if (full > 0) gather(src, rowStart, full, kc, dst, dstOff, R);
        if (full == R) return;
        for (int k = 0; k < kc; k++) {
            int d = dstOff + k * R;
            for (int r = full; r < width; r++) dst[d + r] = src[rowStart[r] + k];
            for (int r = Math.max(full, width); r < R; r++) dst[d + r] = 0f;
        }
    }

    /** The first {@code groups} rows (a multiple of the vector length), a vector of rows per k step. */
    private static void gather(float[] src, int[] rowStart, int groups, int kc, float[] dst, int dstOff, int R) {
        int lanes = S.length();
        int[] index = new int[lanes];
        for (int g = 0; g < groups; g += lanes) {
            int first = rowStart[g];
            for (int j = 0; j < lanes; j++) index[j] = rowStart[g + j] - first;
            for (int k = 0, d = dstOff + g; k < kc; k++, d += R)
                FloatVector.fromArray(S, src, first + k, index, 0).intoArray(dst, d);
        }
    }
}
