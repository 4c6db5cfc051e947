package jdiffusion.kernels.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The transposing step of packing a B panel: {@code width} rows that run along k (weights {@code [N, K]},
 * activations {@code [M, K]}) become {@code kc} groups of {@code R} floats. Whole vectors of rows are gathered
 * one k at a time (a third faster than scalar copies, measured); otherwise k walks in the outer loop so the
 * stores stay sequential while the rows are read as parallel streams (filling one strided panel column per
 * row was several times slower).
 */
final class Interleave {
    private static final VectorSpecies<Float> S = MicroKernel.SPECIES;

    private Interleave() {}

    /** {@code dst[dstOff + k*R + r] = src[rowStart[r] + k]} for {@code r < width}, {@code k < kc}; zero for {@code width <= r < R}. */
    static void rows(float[] src, int[] rowStart, int width, int kc, float[] dst, int dstOff, int R) {
        if (width == R && R % S.length() == 0) { gather(src, rowStart, kc, dst, dstOff, R); return; }
        for (int k = 0; k < kc; k++) {
            int d = dstOff + k * R;
            for (int r = 0; r < width; r++) dst[d + r] = src[rowStart[r] + k];
            for (int r = width; r < R; r++) dst[d + r] = 0f;
        }
    }

    private static void gather(float[] src, int[] rowStart, int kc, float[] dst, int dstOff, int R) {
        int lanes = S.length();
        int[] index = new int[lanes];
        for (int g = 0; g < R; g += lanes) {
            int first = rowStart[g];
            for (int j = 0; j < lanes; j++) index[j] = rowStart[g + j] - first;
            for (int k = 0, d = dstOff + g; k < kc; k++, d += R)
                FloatVector.fromArray(S, src, first + k, index, 0).intoArray(dst, d);
        }
    }
}
