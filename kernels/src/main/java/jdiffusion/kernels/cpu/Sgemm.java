package jdiffusion.kernels.cpu;

/**
 * Packed, cache-blocked single-precision GEMM, {@code C(i, j) (+)= sum_k A(i,k)·B(j,k)} (+ bias), in the
 * GotoBLAS / BLIS shape:
 *
 * <pre>
 *  for ic in M step (4M floats / KC)        (one step unless M is huge)
 *  for jc in N step NC                      B block (KC x NC, about 4 MiB) packed once, shared by all threads
 *    for pc in K step KC (<= 768)           A block (M x KC) packed once, shared; F32 rows are read in place
 *      pack A and B panels                  (in parallel; F16/BF16/strides/im2col end here)
 *      parallel over tiles of MC rows x some NR-panels of C:
 *        for ir in the tile's A panels      A micro-panel (MR x KC) stays in L1
 *          for jr in the tile's B panels    the tile's B panels (KC x NR each) stay in L2
 *            MicroKernel.tile               MR x NR accumulators in registers
 * </pre>
 *
 * The first K block stores (adding the biases), later ones accumulate, so C needs no clearing. Edge tiles
 * are computed from zero-padded panels and written partially; C may have any strides (a transposed C is
 * how callers put the cheaper-to-pack operand on the A side). Scratch for the packed panels is kept per
 * calling thread and reused between calls (a big activation GEMM would otherwise spend a noticeable part of
 * its time zeroing fresh arrays).
 */
final class Sgemm {
    static final int MR = MicroKernel.MR, NR = MicroKernel.NR;
    /** Depth of a K block. The A micro-panel (MR x KC) lives in L1, B panels in L2. */
    static final int KC = Integer.getInteger("jdiffusion.gemm.kc", 768);
    /** Rows of A per task (a multiple of MR): the task's B panels are reused from L2 this many times over. */
    static final int MC = roundUp(Integer.getInteger("jdiffusion.gemm.mc", 192), MR);
    private static final int L2_BYTES = Integer.getInteger("jdiffusion.gemm.l2", 1 << 20);
    /** Largest packed B block in floats (L3-sized): bounds NC. */
    private static final int B_BLOCK_FLOATS = 1 << 20;
    /** Largest packed A block in floats: bounds the rows packed at once (and keeps the scratch size an int). */
    private static final int A_BLOCK_FLOATS = 4 << 20;
    /** Packed scratch larger than this is not kept between calls. */
    private static final int KEEP_SCRATCH_FLOATS = 4 << 20;
    private static final ThreadLocal<float[]> SCRATCH = new ThreadLocal<>();

    private Sgemm() {}

    /** Where C lives: element {@code (i, j)} at {@code data[offset + i*rowStride + j*colStride]}. */
    record Output(float[] data, int offset, int rowStride, int colStride) {
        static Output rowMajor(float[] data, int offset, int ld) { return new Output(data, offset, ld, 1); }

        /** The same memory seen with i and j swapped. */
        Output transposed() { return new Output(data, offset, colStride, rowStride); }
    }

    /**
     * {@code C(i, j) = sum_k a(i,k) b(j,k) + rowBias[i] + colBias[j]} for {@code i < a.outer()},
     * {@code j < b.outer()}. {@code parallel} may be null to run on the calling thread only.
     */
    static void multiply(Parallel parallel, PanelSource a, PanelSource b, Output c, float[] rowBias, float[] colBias) {
        multiply(parallel, a, b, c, rowBias, colBias, KC, A_BLOCK_FLOATS, B_BLOCK_FLOATS);
    }

    /** {@link #multiply} with explicit blocking (tests use small blocks to reach every blocking loop). */
    static void multiply(Parallel parallel, PanelSource a, PanelSource b, Output c, float[] rowBias, float[] colBias,
                         int kcMax, int aBlockFloats, int bBlockFloats) {
        int m = a.outer(), n = b.outer(), k = a.inner();
        if (b.inner() != k) throw new IllegalArgumentException("gemm: inner sizes " + k + " and " + b.inner());
        if (m == 0 || n == 0) return;
        if (k == 0) { fillBias(c, m, n, rowBias, colBias); return; }
        if ((kcMax == KC || kcMax >= k) && SkinnyGemm.suits(m, n, k)) { SkinnyGemm.multiply(parallel, a, b, c, rowBias, colBias); return; }

        int kBlocks = ceilDiv(k, kcMax), kcb = ceilDiv(k, kBlocks);
        int nc = Math.min(roundUp(n, NR), Math.max(NR, bBlockFloats / kcb / NR * NR));
        int mc = Math.min(roundUp(m, MR), Math.max(MR, aBlockFloats / kcb / MR * MR));
        if (n > nc && (long) roundUp(m, MR) * kBlocks * kcb <= aBlockFloats) {
            streamColumns(parallel, a, b, c, rowBias, colBias, m, n, k, kBlocks, kcb);
            return;
        }
        if (kBlocks > 1 && a.rowsInPlace() == null && m > 4 * MR && ceilDiv(n, NR) <= maxPanelsInL2(kcb)
                && (long) roundUp(n, NR) * kBlocks * kcb <= bBlockFloats) {
            streamRows(parallel, a, b, c, rowBias, colBias, m, n, k, kBlocks, kcb);
            return;
        }
        int aSize = mc * kcb, bSize = nc * kcb;
        // all of A packed once when it is one row block met by several column blocks (a conv's weights against
        // a big image): re-packing (and F16-converting) it for every column block cost ~10% at 128 channels
        boolean keepA = m <= mc && n > nc;
        int aRegion = keepA ? kBlocks * aSize : aSize;
        float[] scratch = scratch(aRegion + bSize);
        int threads = parallel == null ? 1 : parallel.threads();

        for (int ic = 0; ic < m; ic += mc)
            for (int jc = 0; jc < n; jc += nc)
                for (int pc = 0, kb = 0; pc < k; pc += kcb, kb++)
                    block(parallel, threads, a, b, c, rowBias, colBias, scratch, keepA ? kb * aSize : 0, !keepA || jc == 0,
                            aRegion, ic, Math.min(mc, m - ic), jc, Math.min(nc, n - jc), pc, Math.min(kcb, k - pc));
        release(scratch);
    }

    /**
     * One (ic, jc, pc) step: pack the A block at {@code scratch[aOff ..]} (unless {@code packA} is false: packed
     * there before) and the B block at {@code scratch[aSize ..]} (in parallel), then all their tiles (in parallel).
     */
    private static void block(Parallel parallel, int threads, PanelSource a, PanelSource b, Output c, float[] rowBias,
                              float[] colBias, float[] scratch, int aOff, boolean packA, int aSize, int ic, int mcur,
                              int jc, int ncur, int pc, int kcur) {
        int mPanels = ceilDiv(mcur, MR), nPanels = ceilDiv(ncur, NR);
        // F32 rows are read in place by the kernel: only a cut last panel (zero rows needed) gets packed
        PanelSource.RowsInPlace direct = a.rowsInPlace();
        int inPlace = direct == null ? 0 : mcur / MR, packFrom = packA ? inPlace : mPanels;
        run(parallel, mPanels - packFrom + nPanels, (from, to) -> {
            for (int u = from; u < to; u++) {
                int t = u + packFrom;
                if (t < mPanels) {
                    int i = t * MR;
                    a.packRows(scratch, aOff + t * MR * kcur, ic + i, Math.min(MR, mcur - i), pc, kcur, MR);
                } else {
                    int p = t - mPanels, j = p * NR;
                    b.packInterleaved(scratch, aSize + p * NR * kcur, jc + j, Math.min(NR, ncur - j), pc, kcur, NR);
                }
            }
        });

        int mode = pc == 0 ? MicroKernel.STORE : MicroKernel.ACCUMULATE;
        int mcPanels = MC / MR, mBlocks = ceilDiv(mPanels, mcPanels);
        int nBlocks = Math.min(nPanels, Math.max(ceilDiv(nPanels, maxPanelsInL2(kcur)), ceilDiv(4 * threads, mBlocks)));
        int nPanelsPerBlock = ceilDiv(nPanels, nBlocks);
        run(parallel, mBlocks * ceilDiv(nPanels, nPanelsPerBlock), (from, to) -> {
            for (int t = from; t < to; t++) {
                int mb = t % mBlocks, nb = t / mBlocks;
                int ip1 = Math.min(mPanels, (mb + 1) * mcPanels), jp1 = Math.min(nPanels, (nb + 1) * nPanelsPerBlock);
                for (int ip = mb * mcPanels; ip < ip1; ip++)
                    for (int jp = nb * nPanelsPerBlock; jp < jp1; jp++)
                        tileAt(ip, jp, ic, mcur, ncur, jc, pc, kcur, aOff, aSize, scratch, ip < inPlace ? direct : null,
                                c, mode, rowBias, colBias);
            }
        });
    }

    /**
     * A small enough to be packed whole (all its K blocks) against a wide B (a conv's weights against a big
     * image): A is packed once, then each task takes the next group of B panels, packs them itself into its
     * worker's own buffer (they stay in its L2) and runs them through every K block against all of A. One
     * fork-join for all of B instead of two per block, and no packed B block making a round trip through L3.
     */
    private static void streamColumns(Parallel parallel, PanelSource a, PanelSource b, Output c, float[] rowBias,
                                      float[] colBias, int m, int n, int k, int kBlocks, int kcb) {
        int threads = parallel == null ? 1 : parallel.threads();
        int mPanels = ceilDiv(m, MR), nPanels = ceilDiv(n, NR), aSize = mPanels * MR * kcb;
        PanelSource.RowsInPlace direct = a.rowsInPlace();
        int inPlace = direct == null ? 0 : m / MR, packed = mPanels - inPlace;
        int group = Math.max(1, Math.min(maxPanelsInL2(kcb), ceilDiv(nPanels, 4 * threads)));
        int tasks = ceilDiv(nPanels, group), workers = Math.min(threads, tasks), bSize = group * NR * kcb;
        int bRegion = kBlocks * aSize;
        float[] scratch = scratch(bRegion + workers * bSize);
        run(parallel, packed * kBlocks, (from, to) -> {
            for (int u = from; u < to; u++) {
                int kb = u / packed, t = inPlace + u % packed, pc = kb * kcb, kcur = Math.min(kcb, k - pc), i = t * MR;
                a.packRows(scratch, kb * aSize + i * kcur, i, Math.min(MR, m - i), pc, kcur, MR);
            }
        });
        java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger();
        Parallel.RangeBody body = (w0, w1) -> {
            for (int w = w0; w < w1; w++) {
                int bBase = bRegion + w * bSize;
                for (int t; (t = next.getAndIncrement()) < tasks; ) {
                    int jp0 = t * group, jp1 = Math.min(nPanels, jp0 + group), jc = jp0 * NR;
                    for (int kb = 0; kb < kBlocks; kb++) {
                        int pc = kb * kcb, kcur = Math.min(kcb, k - pc);
                        for (int jp = jp0; jp < jp1; jp++) {
                            int j = jp * NR;
                            b.packInterleaved(scratch, bBase + (jp - jp0) * NR * kcur, j, Math.min(NR, n - j), pc, kcur, NR);
                        }
                        int mode = kb == 0 ? MicroKernel.STORE : MicroKernel.ACCUMULATE;
                        for (int ip = 0; ip < mPanels; ip++)
                            for (int jp = jp0; jp < jp1; jp++)
                                tileAt(ip, jp - jp0, 0, m, n - jc, jc, pc, kcur, kb * aSize, bBase, scratch,
                                        ip < inPlace ? direct : null, c, mode, rowBias, colBias);
                    }
                }
            }
        };
        if (parallel == null || workers == 1) body.run(0, 1);
        else parallel.forEachTask(workers, body);
        release(scratch);
    }

    /**
     * The mirror of {@link #streamColumns} for a narrow B that fits in half the L2 against a deep A that must be
     * packed (F16 conv weights against a small image): B is packed whole once, then each task packs its own
     * group of A panels, K block by K block, straight into its worker's buffer and runs them against all of B:
     * the weights are read once, converted into cache and used there, with one fork-join instead of two per K block.
     */
    private static void streamRows(Parallel parallel, PanelSource a, PanelSource b, Output c, float[] rowBias,
                                   float[] colBias, int m, int n, int k, int kBlocks, int kcb) {
        int threads = parallel == null ? 1 : parallel.threads();
        int mPanels = ceilDiv(m, MR), nPanels = ceilDiv(n, NR), bSize = nPanels * NR * kcb;
        int group = Math.max(1, Math.min(32, ceilDiv(mPanels, 4 * threads)));
        int tasks = ceilDiv(mPanels, group), workers = Math.min(threads, tasks), aSize = group * MR * kcb;
        int aRegion = kBlocks * bSize;
        float[] scratch = scratch(aRegion + workers * aSize);
        run(parallel, nPanels * kBlocks, (from, to) -> {
            for (int u = from; u < to; u++) {
                int kb = u / nPanels, jp = u % nPanels, pc = kb * kcb, kcur = Math.min(kcb, k - pc), j = jp * NR;
                b.packInterleaved(scratch, kb * bSize + j * kcur, j, Math.min(NR, n - j), pc, kcur, NR);
            }
        });
        java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger();
        Parallel.RangeBody body = (w0, w1) -> {
            for (int w = w0; w < w1; w++) {
                int aBase = aRegion + w * aSize;
                for (int t; (t = next.getAndIncrement()) < tasks; ) {
                    int ip0 = t * group, ip1 = Math.min(mPanels, ip0 + group), ic = ip0 * MR;
                    for (int kb = 0; kb < kBlocks; kb++) {
                        int pc = kb * kcb, kcur = Math.min(kcb, k - pc);
                        for (int ip = ip0; ip < ip1; ip++) {
                            int i = ip * MR;
                            a.packRows(scratch, aBase + (i - ic) * kcur, i, Math.min(MR, m - i), pc, kcur, MR);
                        }
                        int mode = kb == 0 ? MicroKernel.STORE : MicroKernel.ACCUMULATE;
                        for (int ip = ip0; ip < ip1; ip++)
                            for (int jp = 0; jp < nPanels; jp++)
                                tileAt(ip - ip0, jp, ic, m - ic, n, 0, pc, kcur, aBase, kb * bSize, scratch, null,
                                        c, mode, rowBias, colBias);
                    }
                }
            }
        };
        if (parallel == null || workers == 1) body.run(0, 1);
        else parallel.forEachTask(workers, body);
        release(scratch);
    }

    /** B micro-panels of depth {@code kc} that fit in half the L2. */
    private static int maxPanelsInL2(int kc) { return Math.max(1, (L2_BYTES / 2) / (kc * NR * Float.BYTES)); }

    private static void tileAt(int ip, int jp, int ic, int mcur, int ncur, int jc, int pc, int kc, int aBlock, int aSize, float[] scratch,
                               PanelSource.RowsInPlace direct, Output c, int mode, float[] rowBias, float[] colBias) {
        int rows = Math.min(MR, mcur - ip * MR), i = ic + ip * MR, j = jp * NR, cols = Math.min(NR, ncur - j);
        int co = c.offset() + i * c.rowStride() + (jc + j) * c.colStride(), bOff = aSize + jp * NR * kc;
        float[] a = scratch;
        int aOff = aBlock + ip * MR * kc, lda = kc;
        if (direct != null) { a = direct.array(); aOff = direct.offset() + i * direct.rowStride() + pc; lda = direct.rowStride(); }
        if (rows == MR && cols == NR && c.colStride() == 1)
            MicroKernel.tile(kc, a, aOff, lda, scratch, bOff, c.data(), co, c.rowStride(), mode, rowBias, i, colBias, jc + j);
        else
            MicroKernel.edgeTile(kc, a, aOff, lda, scratch, bOff, c.data(), co, c.rowStride(), c.colStride(), mode,
                    rowBias, i, colBias, jc + j, rows, cols);
    }

    private static void run(Parallel parallel, int tasks, Parallel.RangeBody body) {
        if (parallel == null) body.run(0, tasks);
        else parallel.forRange(tasks, 1, body);
    }

    private static void fillBias(Output c, int m, int n, float[] rowBias, float[] colBias) {
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
                c.data()[c.offset() + i * c.rowStride() + j * c.colStride()] =
                        (rowBias != null ? rowBias[i] : 0f) + (colBias != null ? colBias[j] : 0f);
    }

    static float[] scratch(int size) {
        float[] s = SCRATCH.get();
        if (s != null && s.length >= size) { SCRATCH.remove(); return s; }
        return new float[size];
    }

    static void release(float[] s) {
        if (s.length <= KEEP_SCRATCH_FLOATS) SCRATCH.set(s);
    }

    static int ceilDiv(int a, int b) { return (a + b - 1) / b; }

    static int roundUp(int a, int b) { return ceilDiv(a, b) * b; }
}
