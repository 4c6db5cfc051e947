package jdiffusion.kernels.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The register-blocked heart of {@link Sgemm}: one {@code MR x NR} tile of C from a packed A micro-panel
 * ({@code kc} steps of {@code MR} floats) and a packed B micro-panel ({@code kc} steps of {@code NR} floats).
 *
 * <pre>
 *   for k in 0..kc:   b0 b1 = B[k][0..NR)          (two vector loads)
 *                     for r in 0..MR: a = A[k][r]  (broadcast)
 *                         acc[r][0] += a*b0; acc[r][1] += a*b1
 * </pre>
 *
 * The {@code 2*MR} accumulators live in locals and the loop body is straight-line code, which is what lets
 * C2 keep them all in vector registers (6 x 2 = 12 of the 16 AVX2 registers, plus 2 for B and 1 for the
 * broadcast). {@code NR} is two vectors of the preferred species: 16 floats with AVX2, 32 with AVX-512.
 * Set {@code -Djdiffusion.cpu.vectorBits=256} to force 8-lane vectors on an AVX-512 machine.
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
    static void tile(int kc, float[] a, int aOff, float[] b, int bOff, float[] c, int cOff, int ldc, int mode,
                     float[] rowBias, int rowBiasOff, float[] colBias, int colBiasOff) {
        VectorSpecies<Float> s = SPECIES;
        final int lanes = LANES;
        FloatVector c00 = FloatVector.zero(s), c01 = FloatVector.zero(s);
        FloatVector c10 = FloatVector.zero(s), c11 = FloatVector.zero(s);
        FloatVector c20 = FloatVector.zero(s), c21 = FloatVector.zero(s);
        FloatVector c30 = FloatVector.zero(s), c31 = FloatVector.zero(s);
        FloatVector c40 = FloatVector.zero(s), c41 = FloatVector.zero(s);
        FloatVector c50 = FloatVector.zero(s), c51 = FloatVector.zero(s);
        int ai = aOff, bi = bOff;
        for (int k = 0; k < kc; k++, ai += MR, bi += 2 * lanes) {
            FloatVector b0 = FloatVector.fromArray(s, b, bi);
            FloatVector b1 = FloatVector.fromArray(s, b, bi + lanes);
            FloatVector x = FloatVector.broadcast(s, a[ai]);
            c00 = x.fma(b0, c00); c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(s, a[ai + 1]);
            c10 = x.fma(b0, c10); c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(s, a[ai + 2]);
            c20 = x.fma(b0, c20); c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(s, a[ai + 3]);
            c30 = x.fma(b0, c30); c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(s, a[ai + 4]);
            c40 = x.fma(b0, c40); c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(s, a[ai + 5]);
            c50 = x.fma(b0, c50); c51 = x.fma(b1, c51);
        }
        FloatVector bias0 = FloatVector.zero(s), bias1 = FloatVector.zero(s);
        if (mode == STORE && colBias != null) {
            bias0 = FloatVector.fromArray(s, colBias, colBiasOff);
            bias1 = FloatVector.fromArray(s, colBias, colBiasOff + lanes);
        }
        emit(c, cOff, c00, c01, mode, rowBias, rowBiasOff, bias0, bias1);
        emit(c, cOff + ldc, c10, c11, mode, rowBias, rowBiasOff + 1, bias0, bias1);
        emit(c, cOff + 2 * ldc, c20, c21, mode, rowBias, rowBiasOff + 2, bias0, bias1);
        emit(c, cOff + 3 * ldc, c30, c31, mode, rowBias, rowBiasOff + 3, bias0, bias1);
        emit(c, cOff + 4 * ldc, c40, c41, mode, rowBias, rowBiasOff + 4, bias0, bias1);
        emit(c, cOff + 5 * ldc, c50, c51, mode, rowBias, rowBiasOff + 5, bias0, bias1);
    }

    private static void emit(float[] c, int off, FloatVector v0, FloatVector v1, int mode,
                             float[] rowBias, int rowBiasOff, FloatVector bias0, FloatVector bias1) {
        if (mode == ACCUMULATE) {
            v0 = v0.add(FloatVector.fromArray(SPECIES, c, off));
            v1 = v1.add(FloatVector.fromArray(SPECIES, c, off + LANES));
        } else {
            v0 = v0.add(bias0);
            v1 = v1.add(bias1);
            if (rowBias != null) {
                float rb = rowBias[rowBiasOff];
                v0 = v0.add(rb);
                v1 = v1.add(rb);
            }
        }
        v0.intoArray(c, off);
        v1.intoArray(c, off + LANES);
    }

    /**
     * A tile cut by the edge of C ({@code rows <= MR}, {@code cols <= NR}): computed whole into scratch (the
     * packed panels are zero-padded) and only its valid part written.
     */
    static void edgeTile(int kc, float[] a, int aOff, float[] b, int bOff, float[] c, int cOff, int ldc, int mode,
                         float[] rowBias, int rowBiasOff, float[] colBias, int colBiasOff, int rows, int cols) {
        float[] t = new float[MR * NR];
        tile(kc, a, aOff, b, bOff, t, 0, NR, STORE, null, 0, null, 0);
        for (int r = 0; r < rows; r++) {
            int o = cOff + r * ldc;
            float rb = mode == STORE && rowBias != null ? rowBias[rowBiasOff + r] : 0f;
            for (int j = 0; j < cols; j++) {
                float v = t[r * NR + j];
                if (mode == ACCUMULATE) c[o + j] += v;
                else c[o + j] = v + rb + (colBias != null ? colBias[colBiasOff + j] : 0f);
            }
        }
    }
}
