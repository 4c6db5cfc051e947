package jdiffusion.kernels.cpu;

/**
 * Packed, cache-blocked single-precision GEMM, {@code C[i][j] (+)= sum_k A(i,k)·B(j,k)} (+ bias), in the
 * GotoBLAS / BLIS shape:
 *
 * <pre>
 *  for jc in N step NC                      B block (KC x NC) packed once, shared by all threads
 *    for pc in K step KC                    A block (M x KC) packed once, shared
 *      pack A and B panels                  (in parallel; F16/BF16/strides/im2col end here)
 *      parallel over tiles of MC rows x some NR-panels of C:
 *        for jr in the tile's B panels      B micro-panel (KC x NR) stays in L1
 *          for ir in the tile's A panels    A block (MC x KC) stays in L2
 *            MicroKernel.tile               MR x NR accumulators in registers
 * </pre>
 *
 * The first K block stores (adding the biases), later ones accumulate, so C needs no clearing. Edge tiles
 * are computed from zero-padded panels and written partially. Scratch for the packed panels is kept per
 * calling thread and reused between calls (a big activation GEMM would otherwise spend a noticeable part of
 * its time zeroing fresh arrays).
 */
final class Sgemm {
    static final int MR = MicroKernel.MR, NR = MicroKernel.NR;
    /** Depth of a K block: the B micro-panel (KC x NR floats) must sit in the 32 KiB L1 with room to spare. */
    static final int KC = Integer.getInteger("jdiffusion.gemm.kc", NR >= 32 ? 128 : 256);
    /** Rows of A per task (a multiple of MR): the A block (MC x KC) stays in L2. */
    static final int MC = roundUp(Integer.getInteger("jdiffusion.gemm.mc", 96), MR);
    /** Largest packed B block in floats (L3-sized): bounds NC. */
    private static final int B_BLOCK_FLOATS = 1 << 20;
    /** Packed scratch larger than this is not kept between calls. */
    private static final int KEEP_SCRATCH_FLOATS = 16 << 20;
    private static final ThreadLocal<float[]> SCRATCH = new ThreadLocal<>();

    private Sgemm() {}

    /**
     * {@code c[cOff + i*ldc + j] = sum_k a(i,k) b(j,k) + rowBias[i] + colBias[j]} for {@code i < a.outer()},
     * {@code j < b.outer()}. {@code parallel} may be null to run on the calling thread only.
     */
    static void multiply(Parallel parallel, PanelSource a, PanelSource b, float[] c, int cOff, int ldc,
                         float[] rowBias, float[] colBias) {
        int m = a.outer(), n = b.outer(), k = a.inner();
        if (b.inner() != k) throw new IllegalArgumentException("gemm: inner sizes " + k + " and " + b.inner());
        if (m == 0 || n == 0) return;
        if (k == 0) { fillBias(c, cOff, ldc, m, n, rowBias, colBias); return; }

        int kBlocks = ceilDiv(k, KC), kcb = ceilDiv(k, kBlocks);
        int nc = Math.min(roundUp(n, NR), Math.max(NR, B_BLOCK_FLOATS / kcb / NR * NR));
        int mPanels = ceilDiv(m, MR);
        int aSize = mPanels * MR * kcb, bSize = ceilDiv(nc, NR) * NR * kcb;
        float[] scratch = scratch(aSize + bSize);
        int threads = parallel == null ? 1 : parallel.threads();

        for (int jc = 0; jc < n; jc += nc) {
            int ncur = Math.min(nc, n - jc), nPanels = ceilDiv(ncur, NR);
            for (int pc = 0; pc < k; pc += kcb) {
                int kcur = Math.min(kcb, k - pc), jc0 = jc, pc0 = pc;
                run(parallel, mPanels + nPanels, (from, to) -> {
                    for (int t = from; t < to; t++) {
                        if (t < mPanels) {
                            int i = t * MR;
                            a.pack(scratch, t * MR * kcur, i, Math.min(MR, m - i), pc0, kcur, MR);
                        } else {
                            int p = t - mPanels, j = p * NR;
                            b.pack(scratch, aSize + p * NR * kcur, jc0 + j, Math.min(NR, ncur - j), pc0, kcur, NR);
                        }
                    }
                });

                int mode = pc == 0 ? MicroKernel.STORE : MicroKernel.ACCUMULATE;
                int mcPanels = MC / MR, mBlocks = ceilDiv(mPanels, mcPanels);
                int nBlocks = Math.min(nPanels, Math.max(1, ceilDiv(4 * threads, mBlocks)));
                int nPanelsPerBlock = ceilDiv(nPanels, nBlocks);
                nBlocks = ceilDiv(nPanels, nPanelsPerBlock);
                int mBlocksF = mBlocks;
                run(parallel, mBlocks * nBlocks, (from, to) -> {
                    for (int t = from; t < to; t++) {
                        int mb = t % mBlocksF, nb = t / mBlocksF;
                        int ip0 = mb * mcPanels, ip1 = Math.min(mPanels, ip0 + mcPanels);
                        int jp0 = nb * nPanelsPerBlock, jp1 = Math.min(nPanels, jp0 + nPanelsPerBlock);
                        for (int jp = jp0; jp < jp1; jp++) {
                            int j = jp * NR, cols = Math.min(NR, ncur - j), bOff = aSize + jp * NR * kcur;
                            for (int ip = ip0; ip < ip1; ip++) {
                                int i = ip * MR, rows = Math.min(MR, m - i);
                                int co = cOff + i * ldc + jc0 + j;
                                if (rows == MR && cols == NR)
                                    MicroKernel.tile(kcur, scratch, ip * MR * kcur, scratch, bOff, c, co, ldc, mode,
                                            rowBias, i, colBias, jc0 + j);
                                else
                                    MicroKernel.edgeTile(kcur, scratch, ip * MR * kcur, scratch, bOff, c, co, ldc, mode,
                                            rowBias, i, colBias, jc0 + j, rows, cols);
                            }
                        }
                    }
                });
            }
        }
        release(scratch);
    }

    private static void run(Parallel parallel, int tasks, Parallel.RangeBody body) {
        if (parallel == null) body.run(0, tasks);
        else parallel.forRange(tasks, 1, body);
    }

    private static void fillBias(float[] c, int cOff, int ldc, int m, int n, float[] rowBias, float[] colBias) {
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
                c[cOff + i * ldc + j] = (rowBias != null ? rowBias[i] : 0f) + (colBias != null ? colBias[j] : 0f);
    }

    private static float[] scratch(int size) {
        float[] s = SCRATCH.get();
        if (s != null && s.length >= size) { SCRATCH.remove(); return s; }
        return new float[size];
    }

    private static void release(float[] s) {
        if (s.length <= KEEP_SCRATCH_FLOATS) SCRATCH.set(s);
    }

    static int ceilDiv(int a, int b) { return (a + b - 1) / b; }

    static int roundUp(int a, int b) { return ceilDiv(a, b) * b; }
}
