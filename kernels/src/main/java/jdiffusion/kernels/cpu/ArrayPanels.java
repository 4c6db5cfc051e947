package jdiffusion.kernels.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;

/**
 * A GEMM operand in a heap {@code float[]}: {@code X(i, k) = data[base + i*si + k*sk]}. Covers contiguous
 * activations, transposed and otherwise strided views of them, without copying the view first.
 */
record ArrayPanels(float[] data, int base, int outer, int inner, int si, int sk) implements PanelSource {
    private static final VectorSpecies<Float> S = MicroKernel.SPECIES;

    @Override
    public void packInterleaved(float[] dst, int dstOff, int i0, int width, int k0, int kc, int R) {
        if (si == 1 && width == R && R % S.length() == 0) {
            // the i run is contiguous: each k step is a straight vector copy
            for (int k = 0; k < kc; k++) {
                int src = base + i0 + (k0 + k) * sk, d = dstOff + k * R;
                for (int r = 0; r < R; r += S.length()) FloatVector.fromArray(S, data, src + r).intoArray(dst, d + r);
            }
            return;
        }
        if (sk == 1) {
            // rows contiguous along k: transpose into the panel
            int[] starts = new int[width];
            for (int r = 0; r < width; r++) starts[r] = base + (i0 + r) * si + k0;
            Interleave.rows(data, starts, width, kc, dst, dstOff, R);
            return;
        }
        for (int k = 0; k < kc; k++) {
            int src = base + i0 * si + (k0 + k) * sk, d = dstOff + k * R;
            for (int r = 0; r < width; r++) dst[d + r] = data[src + r * si];
        }
        if (width < R) zeroPad(dst, dstOff, width, kc, R);
    }

    @Override
    public RowsInPlace rowsInPlace() { return sk == 1 ? new RowsInPlace(data, base, si) : null; }

    @Override
    public void packRows(float[] dst, int dstOff, int i0, int width, int k0, int kc, int R) {
        for (int r = 0; r < width; r++) {
            int src = base + (i0 + r) * si + k0 * sk, d = dstOff + r * kc;
            if (sk == 1) System.arraycopy(data, src, dst, d, kc);
            else for (int k = 0; k < kc; k++) dst[d + k] = data[src + k * sk];
        }
        PanelSource.zeroRows(dst, dstOff, width, kc, R);
    }

    static void zeroPad(float[] dst, int dstOff, int width, int kc, int R) {
        for (int k = 0; k < kc; k++) Arrays.fill(dst, dstOff + k * R + width, dstOff + k * R + R, 0f);
    }
}
