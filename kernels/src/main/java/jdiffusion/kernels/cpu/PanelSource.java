package jdiffusion.kernels.cpu;

/**
 * One operand of {@link Sgemm} seen as a matrix {@code X(i, k)} over an outer index {@code i} (rows of A, or
 * columns of B) and the shared inner index {@code k}, able to copy a block of itself into the two packed
 * layouts the {@link MicroKernel} reads: B panels interleaved ({@code dst[k*R + r]}, one vector load per k)
 * and A panels row by row ({@code dst[r*kc + k]}, broadcast one scalar at a time). Packing is where storage
 * formats end: F16/BF16 weights, strided views and convolution patches all arrive at the kernel as the same
 * dense F32 panels. Row-by-row packing of k-contiguous data is a plain (converting) copy, which is why
 * {@link Sgemm} puts the operand that is more expensive to interleave on the A side.
 */
interface PanelSource {
    /** Extent of the outer index {@code i}. */
    int outer();

    /** Extent of the inner (reduction) index {@code k}. */
    int inner();

    /** {@code dst[dstOff + k*R + r] = X(i0 + r, k0 + k)} for {@code k < kc, r < R}, zero for {@code r >= width}. */
    void packInterleaved(float[] dst, int dstOff, int i0, int width, int k0, int kc, int R);

    /** {@code dst[dstOff + r*kc + k] = X(i0 + r, k0 + k)} for {@code k < kc, r < R}, zero for {@code r >= width}. */
    default void packRows(float[] dst, int dstOff, int i0, int width, int k0, int kc, int R) {
        float[] t = new float[kc * R];
        packInterleaved(t, 0, i0, width, k0, kc, R);
        for (int r = 0; r < R; r++)
            for (int k = 0; k < kc; k++) dst[dstOff + r * kc + k] = t[k * R + r];
    }

    /**
     * When {@code X(i, k)} is {@code array[offset + i*rowStride + k]} in a heap F32 array, the A side reads it in
     * place, no packing: this says where. Null (the default) when the rows are not plain F32 runs.
     */
    default RowsInPlace rowsInPlace() { return null; }

    /** F32 rows readable in place: {@code X(i, k) = array[offset + i*rowStride + k]}. */
    record RowsInPlace(float[] array, int offset, int rowStride) {}

    /** Sets rows {@code width .. R} of a row-by-row panel to zero. */
    static void zeroRows(float[] dst, int dstOff, int width, int kc, int R) {
        java.util.Arrays.fill(dst, dstOff + width * kc, dstOff + R * kc, 0f);
    }
}
