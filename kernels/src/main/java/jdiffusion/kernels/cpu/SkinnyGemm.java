package jdiffusion.kernels.cpu;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@link Sgemm} for a B of only a few dozen columns against a tall A: the CLIP and cross-attention projections,
 * which {@code linear} computes transposed ({@code Cᵀ = W·xᵀ}) so that the weights are A and the 77 or 154 tokens
 * are B. B is packed whole, in {@link MicroKernel#WIDE_COLS}-column panels (77 tokens fill 77 of 80 columns; as
 * 32-column panels the last 13 went through a one-vector tile at two thirds of the FMA rate), and stays in L2.
 * The weights are read once, in place when they are F32 rows, else converted a 4-row panel at a time into L1.
 *
 * <p>One parallel region per call: the workers first share out the packing of B in k-slices, wait until it is
 * complete, then take groups of A panels, each worker from its own contiguous run ({@link TaskRuns}: 3% over
 * handing out neighbouring groups to alternate cores). At this size (0.4 ms a core) a second fork-join, or B
 * packed on one thread, costs several percent.
 */
final class SkinnyGemm {
    static final int MR = MicroKernel.WIDE_ROWS, NR = MicroKernel.WIDE_COLS;
    /** Packed B up to this many floats (half the L2): bounds n·k. */
    private static final int B_MAX_FLOATS = (1 << 19) / Float.BYTES;
    /** Below this depth the per-tile store of C outweighs the FMAs (attention scores: k = 40..160). */
    private static final int MIN_K = 256;
    /** Panels of B up to which this path is measured faster (4096 x 320 x 320, four panels, was slower). */
    private static final int MAX_PANELS = 2;
    /** K steps per B packing slice. */
    private static final int SLICE = 128;

    private SkinnyGemm() {}

    /** Whether this path beats the blocked one for an {@code m x n x k} product. */
    static boolean suits(int m, int n, int k) {
        return MicroKernel.WIDE && n <= MAX_PANELS * NR && k >= MIN_K && m >= 16 * MR && Sgemm.roundUp(n, NR) <= Sgemm.roundUp(n, Sgemm.NR)
                && (long) Sgemm.roundUp(n, NR) * k <= B_MAX_FLOATS;
    }

    static void multiply(Parallel parallel, PanelSource a, PanelSource b, Sgemm.Output c, float[] rowBias, float[] colBias) {
        int m = a.outer(), n = b.outer(), k = a.inner();
        int threads = parallel == null ? 1 : parallel.threads();
        int mPanels = Sgemm.ceilDiv(m, MR), nPanels = Sgemm.ceilDiv(n, NR), bSize = nPanels * NR * k;
        int slices = Sgemm.ceilDiv(k, SLICE), pieces = nPanels * slices;
        // small tasks (about 10 us at 768 x 768) so that the last one to finish leaves the other cores idle only briefly
        int group = Math.max(1, mPanels / (32 * threads));
        int tasks = Sgemm.ceilDiv(mPanels, group), workers = Math.min(threads, tasks), aSize = MR * k;
        PanelSource.RowsInPlace direct = a.rowsInPlace();
        int inPlace = direct == null ? 0 : m / MR;
        float[] scratch = Sgemm.scratch(bSize + workers * aSize);
        AtomicInteger nextPiece = new AtomicInteger(), packed = new AtomicInteger();
        AtomicBoolean failed = new AtomicBoolean();
        TaskRuns runs = new TaskRuns(tasks, workers);
        Parallel.RangeBody body = (w0, w1) -> {
            for (int w = w0; w < w1; w++) {
                try {
                    for (int p; (p = nextPiece.getAndIncrement()) < pieces; ) {
                        int jp = p / slices, k0 = p % slices * SLICE, j = jp * NR;
                        b.packInterleaved(scratch, jp * NR * k + k0 * NR, j, Math.min(NR, n - j), k0, Math.min(SLICE, k - k0), NR);
                        packed.incrementAndGet();
                    }
                } catch (RuntimeException | Error e) {
                    failed.set(true);   // the other workers stop waiting; this exception reaches the caller
                    throw e;
                }
                if (!awaitAll(packed, pieces, failed)) return;
                int aBase = bSize + w * aSize;
                float[] t = new float[MR * NR];
                for (int task; (task = runs.next(w)) >= 0; ) {
                    int ip1 = Math.min(mPanels, (task + 1) * group);
                    for (int ip = task * group; ip < ip1; ip++) {
                        int i = ip * MR, rows = Math.min(MR, m - i);
                        float[] av = scratch;
                        int aOff = aBase, lda = k;
                        if (ip < inPlace) { av = direct.array(); aOff = direct.offset() + i * direct.rowStride(); lda = direct.rowStride(); }
                        else a.packRows(scratch, aBase, i, rows, 0, k, MR);
                        for (int jp = 0; jp < nPanels; jp++) {
                            MicroKernel.wideTile(k, av, aOff, lda, scratch, jp * NR * k, t);
                            store(t, c, i, rows, jp * NR, Math.min(NR, n - jp * NR), rowBias, colBias);
                        }
                    }
                }
            }
        };
        if (parallel == null || workers == 1) body.run(0, 1);
        else parallel.forEachTask(workers, body);
        Sgemm.release(scratch);
    }

    /**
     * Spins until the other workers have packed their slices of B (microseconds; yields if one was descheduled).
     * False if one of them failed instead.
     */
    private static boolean awaitAll(AtomicInteger done, int total, AtomicBoolean failed) {
        for (int spins = 0; done.get() < total; spins++) {
            if (failed.get()) return false;
            if (spins < 1 << 12) Thread.onSpinWait();
            else Thread.yield();
        }
        return true;
    }

    /** {@code C(i0 + r, j0 + q) = t[r*NR + q]} plus the biases; C transposed walks each column's run of rows. */
    private static void store(float[] t, Sgemm.Output c, int i0, int rows, int j0, int cols, float[] rowBias, float[] colBias) {
        float[] d = c.data();
        int base = c.offset() + i0 * c.rowStride() + j0 * c.colStride(), rs = c.rowStride(), cs = c.colStride();
        float r0 = 0, r1 = 0, r2 = 0, r3 = 0;
        if (rowBias != null) {
            r0 = rowBias[i0];
            if (rows > 1) r1 = rowBias[i0 + 1];
            if (rows > 2) r2 = rowBias[i0 + 2];
            if (rows > 3) r3 = rowBias[i0 + 3];
        }
        if (rs == 1 && rows == 4 && colBias == null) {   // Cᵀ of a whole tile (MR = 4): four features per token
            for (int q = 0; q < cols; q++) {
                int o = base + q * cs;
                d[o] = t[q] + r0;
                d[o + 1] = t[NR + q] + r1;
                d[o + 2] = t[2 * NR + q] + r2;
                d[o + 3] = t[3 * NR + q] + r3;
            }
            return;
        }
        for (int r = 0; r < rows; r++) {
            float rb = rowBias == null ? 0f : rowBias[i0 + r];
            for (int q = 0; q < cols; q++)
                d[base + r * rs + q * cs] = t[r * NR + q] + rb + (colBias == null ? 0f : colBias[j0 + q]);
        }
    }
}
