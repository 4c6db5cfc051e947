package jdiffusion.kernels.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The transposing step of packing a B panel: {@code width} rows that run along k (weights {@code [N, K]},
 * activations {@code [M, K]}) become {@code kc} groups of {@code R} floats. With 16-lane vectors, 16 x 16 blocks
 * are transposed in registers (77 token rows into an 80-wide panel: 17 us against 38 us gathering, measured);
 * otherwise whole vectors of rows are gathered one k at a time, also in a panel cut by the edge of B (a third
 * faster than scalar copies, measured), and for the rest k walks in the outer loop so the stores stay
 * sequential while the rows are read as parallel streams (filling one strided panel column per row was
 * several times slower).
 */
final class Interleave {
    private static final VectorSpecies<Float> S = MicroKernel.SPECIES;

    private Interleave() {}

    /** {@code dst[dstOff + k*R + r] = src[rowStart[r] + k]} for {@code r < width}, {@code k < kc}; zero for {@code width <= r < R}. */
    static void rows(float[] src, int[] rowStart, int width, int kc, float[] dst, int dstOff, int R) {
        if (S.length() == 16 && R % 16 == 0 && kc >= 16) {
            int done = 0;
            for (int g = 0; g < R; g += 16)
                done = transpose16(src, rowStart, Math.max(0, Math.min(16, width - g)), g, kc, dst, dstOff, R);
            for (int k = done; k < kc; k++) {
                int d = dstOff + k * R;
                for (int r = 0; r < width; r++) dst[d + r] = src[rowStart[r] + k];
                for (int r = width; r < R; r++) dst[d + r] = 0f;
            }
            return;
        }
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

    private static final FloatVector Z = FloatVector.zero(S);
    /** Lane selects of {@link #transpose16}: round {@code d} swaps the off-diagonal d x d blocks of row pairs (i, i+d). */
    private static final FloatVector[] LO = new FloatVector[4], HI = new FloatVector[4];
    static {
        if (S.length() == 16)
            for (int s = 0, d = 8; d >= 1; s++, d /= 2) {
                float[] lo = new float[16], hi = new float[16];
                for (int l = 0; l < 16; l++) {
                    lo[l] = (l & d) == 0 ? l : 16 + l - d;
                    hi[l] = (l & d) == 0 ? l + d : 16 + l;
                }
                LO[s] = FloatVector.fromArray(S, lo, 0);
                HI[s] = FloatVector.fromArray(S, hi, 0);
            }
    }

    /**
     * Rows {@code g .. g+rows)} ({@code rows <= 16}, the missing ones zero) for all whole 16-step runs of k: 16 x 16
     * blocks loaded a row vector at a time and transposed in registers (four rounds of two-vector lane selects).
     * Returns how many k steps it did.
     */
    private static int transpose16(float[] src, int[] rowStart, int rows, int g, int kc, float[] dst, int dstOff, int R) {
        FloatVector lo8 = LO[0], hi8 = HI[0], lo4 = LO[1], hi4 = HI[1], lo2 = LO[2], hi2 = HI[2], lo1 = LO[3], hi1 = HI[3];
        for (int k0 = 0; k0 + 16 <= kc; k0 += 16) {
            FloatVector v0 = 0 < rows ? FloatVector.fromArray(S, src, rowStart[g + 0] + k0) : Z;
            FloatVector v1 = 1 < rows ? FloatVector.fromArray(S, src, rowStart[g + 1] + k0) : Z;
            FloatVector v2 = 2 < rows ? FloatVector.fromArray(S, src, rowStart[g + 2] + k0) : Z;
            FloatVector v3 = 3 < rows ? FloatVector.fromArray(S, src, rowStart[g + 3] + k0) : Z;
            FloatVector v4 = 4 < rows ? FloatVector.fromArray(S, src, rowStart[g + 4] + k0) : Z;
            FloatVector v5 = 5 < rows ? FloatVector.fromArray(S, src, rowStart[g + 5] + k0) : Z;
            FloatVector v6 = 6 < rows ? FloatVector.fromArray(S, src, rowStart[g + 6] + k0) : Z;
            FloatVector v7 = 7 < rows ? FloatVector.fromArray(S, src, rowStart[g + 7] + k0) : Z;
            FloatVector v8 = 8 < rows ? FloatVector.fromArray(S, src, rowStart[g + 8] + k0) : Z;
            FloatVector v9 = 9 < rows ? FloatVector.fromArray(S, src, rowStart[g + 9] + k0) : Z;
            FloatVector v10 = 10 < rows ? FloatVector.fromArray(S, src, rowStart[g + 10] + k0) : Z;
            FloatVector v11 = 11 < rows ? FloatVector.fromArray(S, src, rowStart[g + 11] + k0) : Z;
            FloatVector v12 = 12 < rows ? FloatVector.fromArray(S, src, rowStart[g + 12] + k0) : Z;
            FloatVector v13 = 13 < rows ? FloatVector.fromArray(S, src, rowStart[g + 13] + k0) : Z;
            FloatVector v14 = 14 < rows ? FloatVector.fromArray(S, src, rowStart[g + 14] + k0) : Z;
            FloatVector v15 = 15 < rows ? FloatVector.fromArray(S, src, rowStart[g + 15] + k0) : Z;
            FloatVector s1_0 = lo8.selectFrom(v0, v8), s1_8 = hi8.selectFrom(v0, v8);
            FloatVector s1_1 = lo8.selectFrom(v1, v9), s1_9 = hi8.selectFrom(v1, v9);
            FloatVector s1_2 = lo8.selectFrom(v2, v10), s1_10 = hi8.selectFrom(v2, v10);
            FloatVector s1_3 = lo8.selectFrom(v3, v11), s1_11 = hi8.selectFrom(v3, v11);
            FloatVector s1_4 = lo8.selectFrom(v4, v12), s1_12 = hi8.selectFrom(v4, v12);
            FloatVector s1_5 = lo8.selectFrom(v5, v13), s1_13 = hi8.selectFrom(v5, v13);
            FloatVector s1_6 = lo8.selectFrom(v6, v14), s1_14 = hi8.selectFrom(v6, v14);
            FloatVector s1_7 = lo8.selectFrom(v7, v15), s1_15 = hi8.selectFrom(v7, v15);
            FloatVector s2_0 = lo4.selectFrom(s1_0, s1_4), s2_4 = hi4.selectFrom(s1_0, s1_4);
            FloatVector s2_1 = lo4.selectFrom(s1_1, s1_5), s2_5 = hi4.selectFrom(s1_1, s1_5);
            FloatVector s2_2 = lo4.selectFrom(s1_2, s1_6), s2_6 = hi4.selectFrom(s1_2, s1_6);
            FloatVector s2_3 = lo4.selectFrom(s1_3, s1_7), s2_7 = hi4.selectFrom(s1_3, s1_7);
            FloatVector s2_8 = lo4.selectFrom(s1_8, s1_12), s2_12 = hi4.selectFrom(s1_8, s1_12);
            FloatVector s2_9 = lo4.selectFrom(s1_9, s1_13), s2_13 = hi4.selectFrom(s1_9, s1_13);
            FloatVector s2_10 = lo4.selectFrom(s1_10, s1_14), s2_14 = hi4.selectFrom(s1_10, s1_14);
            FloatVector s2_11 = lo4.selectFrom(s1_11, s1_15), s2_15 = hi4.selectFrom(s1_11, s1_15);
            FloatVector s3_0 = lo2.selectFrom(s2_0, s2_2), s3_2 = hi2.selectFrom(s2_0, s2_2);
            FloatVector s3_1 = lo2.selectFrom(s2_1, s2_3), s3_3 = hi2.selectFrom(s2_1, s2_3);
            FloatVector s3_4 = lo2.selectFrom(s2_4, s2_6), s3_6 = hi2.selectFrom(s2_4, s2_6);
            FloatVector s3_5 = lo2.selectFrom(s2_5, s2_7), s3_7 = hi2.selectFrom(s2_5, s2_7);
            FloatVector s3_8 = lo2.selectFrom(s2_8, s2_10), s3_10 = hi2.selectFrom(s2_8, s2_10);
            FloatVector s3_9 = lo2.selectFrom(s2_9, s2_11), s3_11 = hi2.selectFrom(s2_9, s2_11);
            FloatVector s3_12 = lo2.selectFrom(s2_12, s2_14), s3_14 = hi2.selectFrom(s2_12, s2_14);
            FloatVector s3_13 = lo2.selectFrom(s2_13, s2_15), s3_15 = hi2.selectFrom(s2_13, s2_15);
            FloatVector s4_0 = lo1.selectFrom(s3_0, s3_1), s4_1 = hi1.selectFrom(s3_0, s3_1);
            FloatVector s4_2 = lo1.selectFrom(s3_2, s3_3), s4_3 = hi1.selectFrom(s3_2, s3_3);
            FloatVector s4_4 = lo1.selectFrom(s3_4, s3_5), s4_5 = hi1.selectFrom(s3_4, s3_5);
            FloatVector s4_6 = lo1.selectFrom(s3_6, s3_7), s4_7 = hi1.selectFrom(s3_6, s3_7);
            FloatVector s4_8 = lo1.selectFrom(s3_8, s3_9), s4_9 = hi1.selectFrom(s3_8, s3_9);
            FloatVector s4_10 = lo1.selectFrom(s3_10, s3_11), s4_11 = hi1.selectFrom(s3_10, s3_11);
            FloatVector s4_12 = lo1.selectFrom(s3_12, s3_13), s4_13 = hi1.selectFrom(s3_12, s3_13);
            FloatVector s4_14 = lo1.selectFrom(s3_14, s3_15), s4_15 = hi1.selectFrom(s3_14, s3_15);
            s4_0.intoArray(dst, dstOff + (k0 + 0) * R + g);
            s4_1.intoArray(dst, dstOff + (k0 + 1) * R + g);
            s4_2.intoArray(dst, dstOff + (k0 + 2) * R + g);
            s4_3.intoArray(dst, dstOff + (k0 + 3) * R + g);
            s4_4.intoArray(dst, dstOff + (k0 + 4) * R + g);
            s4_5.intoArray(dst, dstOff + (k0 + 5) * R + g);
            s4_6.intoArray(dst, dstOff + (k0 + 6) * R + g);
            s4_7.intoArray(dst, dstOff + (k0 + 7) * R + g);
            s4_8.intoArray(dst, dstOff + (k0 + 8) * R + g);
            s4_9.intoArray(dst, dstOff + (k0 + 9) * R + g);
            s4_10.intoArray(dst, dstOff + (k0 + 10) * R + g);
            s4_11.intoArray(dst, dstOff + (k0 + 11) * R + g);
            s4_12.intoArray(dst, dstOff + (k0 + 12) * R + g);
            s4_13.intoArray(dst, dstOff + (k0 + 13) * R + g);
            s4_14.intoArray(dst, dstOff + (k0 + 14) * R + g);
            s4_15.intoArray(dst, dstOff + (k0 + 15) * R + g);
        }
        return kc / 16 * 16;
    }
}
