package jdiffusion.kernels.cpu;

/**
 * One operand of {@link Sgemm} seen as a matrix {@code X(i, k)} over an outer index {@code i} (rows of A, or
 * columns of B) and the shared inner index {@code k}, able to copy a block of itself into the packed layout
 * the {@link MicroKernel} reads: {@code dst[dstOff + k*R + r] = X(i0 + r, k0 + k)}, zero for {@code r >= width}.
 * Packing is where storage formats end: F16/BF16 weights, strided views and convolution patches all
 * arrive at the kernel as the same dense F32 panels.
 */
interface PanelSource {
    /** Extent of the outer index {@code i}. */
    int outer();

    /** Extent of the inner (reduction) index {@code k}. */
    int inner();

    /** Packs {@code X(i0 .. i0+width, k0 .. k0+kc)} as {@code kc} groups of {@code R} floats, zero-padding to {@code R}. */
    void pack(float[] dst, int dstOff, int i0, int width, int k0, int kc, int R);
}
