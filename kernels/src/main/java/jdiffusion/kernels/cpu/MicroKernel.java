package jdiffusion.kernels.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The register-blocked heart of {@link Sgemm}: one {@code MR x NR} tile of C from an A micro-panel
 * ({@code MR} rows of {@code kc} floats, {@code lda} apart: packed, or an F32 matrix read in place) and a
 * packed B micro-panel ({@code kc} steps of {@code NR} floats).
 *
 * <pre>
 *   for k in 0..kc:   b0 b1 = B[k][0..NR)          (two vector loads)
 *                     for r in 0..MR: a = A[r][k]  (broadcast)
 *                         acc[r][0] += a*b0; acc[r][1] += a*b1
 * </pre>
 *
 * The {@code 2*MR} accumulators live in locals and the loop body is straight-line code, which is what lets
 * C2 keep them all in vector registers (6 x 2 = 12 of the 16 AVX2 registers, plus 2 for B and 1 for the
 * broadcast). {@code NR} is two vectors of the preferred species: 16 floats with AVX2, 32 with AVX-512.
 * Set {@code -Djdiffusion.cpu.vectorBits=256} to force 8-lane vectors on an AVX-512 machine.
 *
 * <p>Measured alone on a Zen 4 core (CPU time, panels in cache): 6x32 zmm 109-112 GFLOP/s = 95% of the
 * 116 GFLOP/s FMA peak, 6x16 ymm 110 (also with only 16 registers, {@code -XX:UseAVX=2}); 8x32 108 and
 * 4x48 101 were no better, and 8x16 / 4x24 fall to ~50 with 16 registers (spills).
 */
final class MicroKernel {
    static final VectorSpecies<Float> SPECIES = species();
    static final int LANES = SPECIES.length();
    static final int MR = 6;
    static final int NR = 2 * LANES;

    /** How the finished tile meets C: overwrite (first K block) or add (later K blocks). */
    static final int STORE = 0, ACCUMULATE = 1;

    private MicroKernel() {}

    private static VectorSpecies<Float> species() {
        String bits = System.getProperty("jdiffusion.cpu.vectorBits");
        if (bits == null) return FloatVector.SPECIES_PREFERRED;
        return switch (bits.trim()) {
            case "128" -> FloatVector.SPECIES_128;
            case "256" -> FloatVector.SPECIES_256;
            case "512" -> FloatVector.SPECIES_512;
            default -> throw new IllegalArgumentException("jdiffusion.cpu.vectorBits must be 128, 256 or 512, not " + bits);
        };
    }

    /**
     * C[0..MR)[0..NR) at {@code c[cOff + r*ldc + j]} (+)= A·B over {@code kc} steps. With {@code STORE} the
     * tile gets {@code rowBias[rowBiasOff + r]} and {@code colBias[colBiasOff + j]} added (either may be null).
     */
    static void tile(int kc, float[] a, int aOff, int lda, float[] b, int bOff, float[] c, int cOff, int ldc, int mode,
                     float[] rowBias, int rowBiasOff, float[] colBias, int colBiasOff) {
        VectorSpecies<Float> s = SPECIES;
        final int lanes = LANES;
        FloatVector c00 = FloatVector.zero(s), c01 = FloatVector.zero(s);
        FloatVector c10 = FloatVector.zero(s), c11 = FloatVector.zero(s);
        FloatVector c20 = FloatVector.zero(s), c21 = FloatVector.zero(s);
        FloatVector c30 = FloatVector.zero(s), c31 = FloatVector.zero(s);
        FloatVector c40 = FloatVector.zero(s), c41 = FloatVector.zero(s);
        FloatVector c50 = FloatVector.zero(s), c51 = FloatVector.zero(s);
        int a0 = aOff, a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda, a4 = a3 + lda, a5 = a4 + lda, bi = bOff;
        for (int k = 0; k < kc; k++, bi += 2 * lanes) {
            FloatVector b0 = FloatVector.fromArray(s, b, bi);
            FloatVector b1 = FloatVector.fromArray(s, b, bi + lanes);
            FloatVector x = FloatVector.broadcast(s, a[a0 + k]);
            c00 = x.fma(b0, c00); c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(s, a[a1 + k]);
            c10 = x.fma(b0, c10); c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(s, a[a2 + k]);
            c20 = x.fma(b0, c20); c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(s, a[a3 + k]);
            c30 = x.fma(b0, c30); c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(s, a[a4 + k]);
            c40 = x.fma(b0, c40); c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(s, a[a5 + k]);
            c50 = x.fma(b0, c50); c51 = x.fma(b1, c51);
        }
        // epilogue written out row by row: a helper method here would not be inlined and would box the accumulators
        int o0 = cOff, o1 = o0 + ldc, o2 = o1 + ldc, o3 = o2 + ldc, o4 = o3 + ldc, o5 = o4 + ldc;
        if (mode == ACCUMULATE) {
            c00 = c00.add(FloatVector.fromArray(s, c, o0)); c01 = c01.add(FloatVector.fromArray(s, c, o0 + lanes));
            c10 = c10.add(FloatVector.fromArray(s, c, o1)); c11 = c11.add(FloatVector.fromArray(s, c, o1 + lanes));
            c20 = c20.add(FloatVector.fromArray(s, c, o2)); c21 = c21.add(FloatVector.fromArray(s, c, o2 + lanes));
            c30 = c30.add(FloatVector.fromArray(s, c, o3)); c31 = c31.add(FloatVector.fromArray(s, c, o3 + lanes));
            c40 = c40.add(FloatVector.fromArray(s, c, o4)); c41 = c41.add(FloatVector.fromArray(s, c, o4 + lanes));
            c50 = c50.add(FloatVector.fromArray(s, c, o5)); c51 = c51.add(FloatVector.fromArray(s, c, o5 + lanes));
        } else {
            if (colBias != null) {
                FloatVector b0 = FloatVector.fromArray(s, colBias, colBiasOff), b1 = FloatVector.fromArray(s, colBias, colBiasOff + lanes);
                c00 = c00.add(b0); c01 = c01.add(b1);
                c10 = c10.add(b0); c11 = c11.add(b1);
                c20 = c20.add(b0); c21 = c21.add(b1);
                c30 = c30.add(b0); c31 = c31.add(b1);
                c40 = c40.add(b0); c41 = c41.add(b1);
                c50 = c50.add(b0); c51 = c51.add(b1);
            }
            if (rowBias != null) {
                float r0 = rowBias[rowBiasOff + 0]; c00 = c00.add(r0); c01 = c01.add(r0);
                float r1 = rowBias[rowBiasOff + 1]; c10 = c10.add(r1); c11 = c11.add(r1);
                float r2 = rowBias[rowBiasOff + 2]; c20 = c20.add(r2); c21 = c21.add(r2);
                float r3 = rowBias[rowBiasOff + 3]; c30 = c30.add(r3); c31 = c31.add(r3);
                float r4 = rowBias[rowBiasOff + 4]; c40 = c40.add(r4); c41 = c41.add(r4);
                float r5 = rowBias[rowBiasOff + 5]; c50 = c50.add(r5); c51 = c51.add(r5);
            }
        }
        c00.intoArray(c, o0); c01.intoArray(c, o0 + lanes);
        c10.intoArray(c, o1); c11.intoArray(c, o1 + lanes);
        c20.intoArray(c, o2); c21.intoArray(c, o2 + lanes);
        c30.intoArray(c, o3); c31.intoArray(c, o3 + lanes);
        c40.intoArray(c, o4); c41.intoArray(c, o4 + lanes);
        c50.intoArray(c, o5); c51.intoArray(c, o5 + lanes);
    }

    /**
     * A tile cut by the edge of C ({@code rows <= MR}, {@code cols <= NR}) or stored with general strides
     * ({@code c[cOff + r*csi + j*csj]}, e.g. transposed): computed whole into scratch (the packed panels are
     * zero-padded) and only its valid part written.
     */
    static void edgeTile(int kc, float[] a, int aOff, int lda, float[] b, int bOff, float[] c, int cOff, int csi, int csj, int mode,
                         float[] rowBias, int rowBiasOff, float[] colBias, int colBiasOff, int rows, int cols) {
        float[] t = new float[MR * NR];
        if (cols <= LANES) narrowTile(kc, a, aOff, lda, b, bOff, t);
        else tile(kc, a, aOff, lda, b, bOff, t, 0, NR, STORE, null, 0, null, 0);
        for (int r = 0; r < rows; r++) {
            int o = cOff + r * csi;
            float rb = mode == STORE && rowBias != null ? rowBias[rowBiasOff + r] : 0f;
            for (int j = 0; j < cols; j++) {
                float v = t[r * NR + j];
                if (mode == ACCUMULATE) c[o + j * csj] += v;
                else c[o + j * csj] = v + rb + (colBias != null ? colBias[colBiasOff + j] : 0f);
            }
        }
    }

    /** The first vector of columns only ({@code MR x LANES}), for the last, narrow panel of C. Stores into {@code t[r*NR ..]}. */
    private static void narrowTile(int kc, float[] a, int aOff, int lda, float[] b, int bOff, float[] t) {
        VectorSpecies<Float> s = SPECIES;
        FloatVector c0 = FloatVector.zero(s), c1 = FloatVector.zero(s), c2 = FloatVector.zero(s);
        FloatVector c3 = FloatVector.zero(s), c4 = FloatVector.zero(s), c5 = FloatVector.zero(s);
        int a0 = aOff, a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda, a4 = a3 + lda, a5 = a4 + lda, bi = bOff;
        for (int k = 0; k < kc; k++, bi += NR) {
            FloatVector b0 = FloatVector.fromArray(s, b, bi);
            c0 = FloatVector.broadcast(s, a[a0 + k]).fma(b0, c0);
            c1 = FloatVector.broadcast(s, a[a1 + k]).fma(b0, c1);
            c2 = FloatVector.broadcast(s, a[a2 + k]).fma(b0, c2);
            c3 = FloatVector.broadcast(s, a[a3 + k]).fma(b0, c3);
            c4 = FloatVector.broadcast(s, a[a4 + k]).fma(b0, c4);
            c5 = FloatVector.broadcast(s, a[a5 + k]).fma(b0, c5);
        }
        c0.intoArray(t, 0);
        c1.intoArray(t, NR);
        c2.intoArray(t, 2 * NR);
        c3.intoArray(t, 3 * NR);
        c4.intoArray(t, 4 * NR);
        c5.intoArray(t, 5 * NR);
    }

    /** Shape of {@link #wideTile}: 4 rows of A against 5 vectors of B (80 columns with AVX-512). */
    static final int WIDE_ROWS = 4, WIDE_COLS = 5 * LANES;
    /** Whether {@link #wideTile}'s 20 accumulators and 5 B vectors fit in the vector registers: only AVX-512 has 32. */
    static final boolean WIDE = SPECIES.vectorBitSize() == 512;

    /**
     * {@code WIDE_ROWS x WIDE_COLS} of C into {@code t[r*WIDE_COLS + j]}: A rows as in {@link #tile}, B packed
     * {@code WIDE_COLS} floats per k step. One broadcast feeds five FMAs (the 6 x 2-vector tile: two), which is what
     * keeps a B of only 77 columns (tokens) at the FMA rate: as 32-column panels its last 13 columns ran through
     * a one-vector tile at two thirds of it.
     */
    static void wideTile(int kc, float[] a, int aOff, int lda, float[] b, int bOff, float[] t) {
        VectorSpecies<Float> s = SPECIES;
        final int lanes = LANES;
        FloatVector c00 = FloatVector.zero(s), c01 = FloatVector.zero(s), c02 = FloatVector.zero(s), c03 = FloatVector.zero(s), c04 = FloatVector.zero(s);
        FloatVector c10 = FloatVector.zero(s), c11 = FloatVector.zero(s), c12 = FloatVector.zero(s), c13 = FloatVector.zero(s), c14 = FloatVector.zero(s);
        FloatVector c20 = FloatVector.zero(s), c21 = FloatVector.zero(s), c22 = FloatVector.zero(s), c23 = FloatVector.zero(s), c24 = FloatVector.zero(s);
        FloatVector c30 = FloatVector.zero(s), c31 = FloatVector.zero(s), c32 = FloatVector.zero(s), c33 = FloatVector.zero(s), c34 = FloatVector.zero(s);
        int a0 = aOff, a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda, bi = bOff;
        for (int k = 0; k < kc; k++, bi += 5 * lanes) {
            FloatVector b0 = FloatVector.fromArray(s, b, bi);
            FloatVector b1 = FloatVector.fromArray(s, b, bi + lanes);
            FloatVector b2 = FloatVector.fromArray(s, b, bi + 2 * lanes);
            FloatVector b3 = FloatVector.fromArray(s, b, bi + 3 * lanes);
            FloatVector b4 = FloatVector.fromArray(s, b, bi + 4 * lanes);
            FloatVector x = FloatVector.broadcast(s, a[a0 + k]);
            c00 = x.fma(b0, c00); c01 = x.fma(b1, c01); c02 = x.fma(b2, c02); c03 = x.fma(b3, c03); c04 = x.fma(b4, c04);
            x = FloatVector.broadcast(s, a[a1 + k]);
            c10 = x.fma(b0, c10); c11 = x.fma(b1, c11); c12 = x.fma(b2, c12); c13 = x.fma(b3, c13); c14 = x.fma(b4, c14);
            x = FloatVector.broadcast(s, a[a2 + k]);
            c20 = x.fma(b0, c20); c21 = x.fma(b1, c21); c22 = x.fma(b2, c22); c23 = x.fma(b3, c23); c24 = x.fma(b4, c24);
            x = FloatVector.broadcast(s, a[a3 + k]);
            c30 = x.fma(b0, c30); c31 = x.fma(b1, c31); c32 = x.fma(b2, c32); c33 = x.fma(b3, c33); c34 = x.fma(b4, c34);
        }
        int w = 5 * lanes;
        c00.intoArray(t, 0); c01.intoArray(t, lanes); c02.intoArray(t, 2 * lanes); c03.intoArray(t, 3 * lanes); c04.intoArray(t, 4 * lanes);
        c10.intoArray(t, w); c11.intoArray(t, w + lanes); c12.intoArray(t, w + 2 * lanes); c13.intoArray(t, w + 3 * lanes); c14.intoArray(t, w + 4 * lanes);
        c20.intoArray(t, 2 * w); c21.intoArray(t, 2 * w + lanes); c22.intoArray(t, 2 * w + 2 * lanes); c23.intoArray(t, 2 * w + 3 * lanes); c24.intoArray(t, 2 * w + 4 * lanes);
        c30.intoArray(t, 3 * w); c31.intoArray(t, 3 * w + lanes); c32.intoArray(t, 3 * w + 2 * lanes); c33.intoArray(t, 3 * w + 3 * lanes); c34.intoArray(t, 3 * w + 4 * lanes);
    }
}
