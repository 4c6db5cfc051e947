package jdiffusion.kernels.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;

/**
 * One query tile of flash attention and its scratch memory, kept transposed so that every step is a
 * vertical vector operation across queries:
 * <pre>
 *   Qᵀ tile  [d][QT]   packed once, pre-scaled by log2(e)/sqrt(d) so the softmax can use 2^x
 *   for each key tile (KT keys):
 *     Sᵀ  [KT][QT]  = K_tile · Qᵀ          micro-GEMM: 4 keys x 4 query vectors per block, K broadcast
 *     m'  = max(m, column max of Sᵀ);  α = 2^(m - m');  Pᵀ = 2^(Sᵀ - m');  l = α·l + Σ_j Pᵀ
 *     Oᵀ  [dv][QT]  = α·Oᵀ + V_tileᵀ · Pᵀ  micro-GEMM: 4 channels x 4 query vectors, V broadcast
 *   out = Oᵀ / l, transposed back
 * </pre>
 * The running max, sum and rescale factor are per query, i.e. per vector lane, so the softmax needs no
 * horizontal reductions, and head dims like 40 need no padding: d and dv are the broadcast/reduction axes.
 */
final class AttentionTile {
    private static final VectorSpecies<Float> S = VectorMath.SPECIES;
    private static final int VL = S.length();
    /** Queries per tile: four vectors, the width of both micro-kernels. */
    static final int QT = 4 * VL;
    /** Keys per tile (32 KiB of scores at 512-bit vectors; 64..256 measured within noise of each other). */
    static final int KT = 128;
    /**
     * 256-bit vectors usually mean AVX2 and its 16 registers: there the micro-kernels take two rows (8 accumulators)
     * instead of four (16), which would spill. Measured on Zen 4 with -XX:UseAVX=2: 4 rows ran at a third of peak.
     */
    static final boolean NARROW_BY_DEFAULT = VL < 16;
    private static final float LOG2E = 1.4426950408889634f;

    /** The whole problem: heads live side by side in the channel axis of q, k, v and out. */
    record Geometry(int lq, int lk, int heads, int d, int dv, boolean causal, float[] q, float[] k, float[] v, float[] out) {}

    /** Two-row micro-kernels (see {@link #NARROW_BY_DEFAULT}); a field so tests can run both shapes on any machine. */
    private final boolean narrow;

    private final Geometry g;
    private final float[] qt, st, ot, m, l, alpha, tileMax;
    /** Gather indices: query rows of the current tile in q, and the channel rows of Oᵀ. */
    private final int[] queryOffsets, channelOffsets;
    private final float qScale;

    AttentionTile(Geometry g, boolean narrow) {
        this.g = g;
        this.narrow = narrow;
        this.qt = new float[g.d() * QT];
        this.st = new float[KT * QT];
        this.ot = new float[g.dv() * QT];
        this.m = new float[QT];
        this.l = new float[QT];
        this.alpha = new float[QT];
        this.tileMax = new float[QT];
        this.queryOffsets = new int[QT];
        this.channelOffsets = new int[(g.dv() + VL - 1) / VL * VL];
        for (int c = 0; c < g.dv(); c++) channelOffsets[c] = c * QT;
        this.qScale = (float) (LOG2E / Math.sqrt(g.d()));
    }

    /** Computes queries {@code i0 .. i0+QT-1} (clipped to Lq) of head {@code h} of batch item {@code n}. */
    void run(int n, int h, int i0) {
        int d = g.d(), dv = g.dv(), lq = g.lq(), lk = g.lk();
        int nq = Math.min(QT, lq - i0);
        int qRow = g.heads() * d, vRow = g.heads() * dv;
        float[] q = g.q(), k = g.k(), v = g.v();

        packQueries(q, (n * lq + i0) * qRow + h * d, qRow, nq, d);
        Arrays.fill(m, Float.NEGATIVE_INFINITY);
        Arrays.fill(l, 0f);

        int kBase = n * lk * qRow + h * d, vBase = n * lk * vRow + h * dv;
        int keyEnd = g.causal() ? Math.min(lk, i0 + nq) : lk;
        for (int j0 = 0; j0 < keyEnd; j0 += KT) {
            int nk = Math.min(KT, keyEnd - j0);
            int j = 0;
            Arrays.fill(tileMax, Float.NEGATIVE_INFINITY);
            if (narrow) for (; j + 2 <= nk; j += 2) scores2(k, kBase + (j0 + j) * qRow, qRow, qt, d, st, j * QT, tileMax);
            else for (; j + 4 <= nk; j += 4) scores4(k, kBase + (j0 + j) * qRow, qRow, qt, d, st, j * QT, tileMax);
            int maxKnown = j;
            for (; j < nk; j++) block1(k, kBase + (j0 + j) * qRow, 1, qt, d, st, j * QT, null);
            boolean masked = g.causal() && j0 + nk - 1 > i0;
            if (masked) maskFuture(j0, nk, i0);
            softmaxStep(nk, maxKnown, masked);
            int c = 0, vTile = vBase + j0 * vRow;
            float[] rescale = j0 == 0 ? null : alpha; // the first tile starts the accumulators from zero
            if (narrow) for (; c + 2 <= dv; c += 2) block2(v, vTile + c, 1, vRow, st, nk, ot, c * QT, rescale);
            else for (; c + 4 <= dv; c += 4) block4(v, vTile + c, 1, vRow, st, nk, ot, c * QT, rescale);
            for (; c < dv; c++) block1(v, vTile + c, vRow, st, nk, ot, c * QT, rescale);
        }

        float[] out = g.out();
        for (int i = 0; i < nq; i++) {
            float inv = 1f / l[i];
            int dst = (n * lq + i0 + i) * vRow + h * dv, c = 0;
            // column i of Oᵀ is row i of the output: gather it from the L1-resident accumulator
            for (; c <= dv - VL; c += VL) FloatVector.fromArray(S, ot, i, channelOffsets, c).mul(inv).intoArray(out, dst + c);
            if (c < dv) {
                VectorMask<Float> tail = S.indexInRange(c, dv);
                FloatVector.fromArray(S, ot, i, channelOffsets, c, tail).mul(inv).intoArray(out, dst + c, tail);
            }
        }
    }

    /**
     * Qᵀ [d][QT] from {@code nq} query rows {@code qRow} apart, scaled; a short tile repeats its last query in the
     * unused columns (finite scores, results never read).
     */
    private void packQueries(float[] q, int base, int qRow, int nq, int d) {
        for (int i = 0; i < QT; i++) queryOffsets[i] = Math.min(i, nq - 1) * qRow;
        FloatVector scale = FloatVector.broadcast(S, qScale);
        for (int p = 0; p < d; p++)
            for (int col = 0; col < QT; col += VL)
                FloatVector.fromArray(S, q, base + p, queryOffsets, col).mul(scale).intoArray(qt, p * QT + col);
    }

    /** Scores of keys after their query (key j0+j > query i0+i) become -inf. */
    private void maskFuture(int j0, int nk, int i0) {
        for (int j = 0; j < nk; j++) {
            int masked = Math.min(QT, j0 + j - i0);
            if (masked > 0) Arrays.fill(st, j * QT, j * QT + masked, Float.NEGATIVE_INFINITY);
        }
    }

    /**
     * Online softmax over one key tile: Sᵀ becomes Pᵀ in place, {@code alpha} rescales the old sums and outputs.
     * The column max of the first {@code maxKnown} rows is already in {@code tileMax} (unless the tile was masked).
     * One query vector at a time: the loops stay small enough for C2 to inline and intrinsify every vector op.
     */
    private void softmaxStep(int nk, int maxKnown, boolean masked) {
        int scanFrom = masked ? 0 : maxKnown;
        for (int col = 0; col < QT; col += VL) {
            FloatVector old = FloatVector.fromArray(S, m, col), max = old;
            if (!masked) max = max.max(FloatVector.fromArray(S, tileMax, col));
            for (int o = col + scanFrom * QT, end = col + nk * QT; o < end; o += QT) max = max.max(FloatVector.fromArray(S, st, o));
            FloatVector a = VectorMath.exp2NonPositive(old.sub(max));
            a.intoArray(alpha, col);
            max.intoArray(m, col);
            FloatVector sum = FloatVector.zero(S);
            for (int o = col, end = col + nk * QT; o < end; o += QT) {
                FloatVector p = VectorMath.exp2NonPositive(FloatVector.fromArray(S, st, o).sub(max));
                p.intoArray(st, o);
                sum = sum.add(p);
            }
            FloatVector.fromArray(S, l, col).fma(a, sum).intoArray(l, col);
        }
    }

    /** Scores of four keys (rows of {@code a} {@code aRow} apart) against the packed queries, and their column max. */
    private static void scores4(float[] a, int aOff, int aRow, float[] b, int n, float[] c, int cOff, float[] max) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c02 = c00, c03 = c00, c10 = c00, c11 = c00, c12 = c00, c13 = c00,
                c20 = c00, c21 = c00, c22 = c00, c23 = c00, c30 = c00, c31 = c00, c32 = c00, c33 = c00;
        for (int p = 0, ap = aOff, bp = 0; p < n; p++, ap++, bp += QT) {
            FloatVector b0 = FloatVector.fromArray(S, b, bp), b1 = FloatVector.fromArray(S, b, bp + VL),
                    b2 = FloatVector.fromArray(S, b, bp + 2 * VL), b3 = FloatVector.fromArray(S, b, bp + 3 * VL);
            FloatVector x = FloatVector.broadcast(S, a[ap]);
            c00 = x.fma(b0, c00); c01 = x.fma(b1, c01); c02 = x.fma(b2, c02); c03 = x.fma(b3, c03);
            x = FloatVector.broadcast(S, a[ap + aRow]);
            c10 = x.fma(b0, c10); c11 = x.fma(b1, c11); c12 = x.fma(b2, c12); c13 = x.fma(b3, c13);
            x = FloatVector.broadcast(S, a[ap + 2 * aRow]);
            c20 = x.fma(b0, c20); c21 = x.fma(b1, c21); c22 = x.fma(b2, c22); c23 = x.fma(b3, c23);
            x = FloatVector.broadcast(S, a[ap + 3 * aRow]);
            c30 = x.fma(b0, c30); c31 = x.fma(b1, c31); c32 = x.fma(b2, c32); c33 = x.fma(b3, c33);
        }
        int r1 = cOff + QT, r2 = cOff + 2 * QT, r3 = cOff + 3 * QT;
        c00.intoArray(c, cOff); c01.intoArray(c, cOff + VL); c02.intoArray(c, cOff + 2 * VL); c03.intoArray(c, cOff + 3 * VL);
        c10.intoArray(c, r1); c11.intoArray(c, r1 + VL); c12.intoArray(c, r1 + 2 * VL); c13.intoArray(c, r1 + 3 * VL);
        c20.intoArray(c, r2); c21.intoArray(c, r2 + VL); c22.intoArray(c, r2 + 2 * VL); c23.intoArray(c, r2 + 3 * VL);
        c30.intoArray(c, r3); c31.intoArray(c, r3 + VL); c32.intoArray(c, r3 + 2 * VL); c33.intoArray(c, r3 + 3 * VL);
        FloatVector.fromArray(S, max, 0).max(c00.max(c10).max(c20.max(c30))).intoArray(max, 0);
        FloatVector.fromArray(S, max, VL).max(c01.max(c11).max(c21.max(c31))).intoArray(max, VL);
        FloatVector.fromArray(S, max, 2 * VL).max(c02.max(c12).max(c22.max(c32))).intoArray(max, 2 * VL);
        FloatVector.fromArray(S, max, 3 * VL).max(c03.max(c13).max(c23.max(c33))).intoArray(max, 3 * VL);
    }

    /**
     * Four rows of {@code c [rows][QT]} (from {@code cOff}): {@code c[r] = α·c[r] + Σ_p a[aOff + r·aRow + p·aCol] · b[p][·]}
     * for {@code p < n}, or without the old value when {@code alpha} is null. 16 accumulators in registers.
     */
    private static void block4(float[] a, int aOff, int aRow, int aCol, float[] b, int n, float[] c, int cOff, float[] alpha) {
        FloatVector c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33;
        int r1 = cOff + QT, r2 = cOff + 2 * QT, r3 = cOff + 3 * QT;
        if (alpha == null) {
            c00 = FloatVector.zero(S);
            c01 = c00; c02 = c00; c03 = c00; c10 = c00; c11 = c00; c12 = c00; c13 = c00;
            c20 = c00; c21 = c00; c22 = c00; c23 = c00; c30 = c00; c31 = c00; c32 = c00; c33 = c00;
        } else {
            FloatVector a0 = FloatVector.fromArray(S, alpha, 0), a1 = FloatVector.fromArray(S, alpha, VL),
                    a2 = FloatVector.fromArray(S, alpha, 2 * VL), a3 = FloatVector.fromArray(S, alpha, 3 * VL);
            c00 = FloatVector.fromArray(S, c, cOff).mul(a0);
            c01 = FloatVector.fromArray(S, c, cOff + VL).mul(a1);
            c02 = FloatVector.fromArray(S, c, cOff + 2 * VL).mul(a2);
            c03 = FloatVector.fromArray(S, c, cOff + 3 * VL).mul(a3);
            c10 = FloatVector.fromArray(S, c, r1).mul(a0);
            c11 = FloatVector.fromArray(S, c, r1 + VL).mul(a1);
            c12 = FloatVector.fromArray(S, c, r1 + 2 * VL).mul(a2);
            c13 = FloatVector.fromArray(S, c, r1 + 3 * VL).mul(a3);
            c20 = FloatVector.fromArray(S, c, r2).mul(a0);
            c21 = FloatVector.fromArray(S, c, r2 + VL).mul(a1);
            c22 = FloatVector.fromArray(S, c, r2 + 2 * VL).mul(a2);
            c23 = FloatVector.fromArray(S, c, r2 + 3 * VL).mul(a3);
            c30 = FloatVector.fromArray(S, c, r3).mul(a0);
            c31 = FloatVector.fromArray(S, c, r3 + VL).mul(a1);
            c32 = FloatVector.fromArray(S, c, r3 + 2 * VL).mul(a2);
            c33 = FloatVector.fromArray(S, c, r3 + 3 * VL).mul(a3);
        }
        for (int p = 0, ap = aOff, bp = 0; p < n; p++, ap += aCol, bp += QT) {
            FloatVector b0 = FloatVector.fromArray(S, b, bp), b1 = FloatVector.fromArray(S, b, bp + VL),
                    b2 = FloatVector.fromArray(S, b, bp + 2 * VL), b3 = FloatVector.fromArray(S, b, bp + 3 * VL);
            FloatVector x = FloatVector.broadcast(S, a[ap]);
            c00 = x.fma(b0, c00); c01 = x.fma(b1, c01); c02 = x.fma(b2, c02); c03 = x.fma(b3, c03);
            x = FloatVector.broadcast(S, a[ap + aRow]);
            c10 = x.fma(b0, c10); c11 = x.fma(b1, c11); c12 = x.fma(b2, c12); c13 = x.fma(b3, c13);
            x = FloatVector.broadcast(S, a[ap + 2 * aRow]);
            c20 = x.fma(b0, c20); c21 = x.fma(b1, c21); c22 = x.fma(b2, c22); c23 = x.fma(b3, c23);
            x = FloatVector.broadcast(S, a[ap + 3 * aRow]);
            c30 = x.fma(b0, c30); c31 = x.fma(b1, c31); c32 = x.fma(b2, c32); c33 = x.fma(b3, c33);
        }
        c00.intoArray(c, cOff); c01.intoArray(c, cOff + VL); c02.intoArray(c, cOff + 2 * VL); c03.intoArray(c, cOff + 3 * VL);
        c10.intoArray(c, r1); c11.intoArray(c, r1 + VL); c12.intoArray(c, r1 + 2 * VL); c13.intoArray(c, r1 + 3 * VL);
        c20.intoArray(c, r2); c21.intoArray(c, r2 + VL); c22.intoArray(c, r2 + 2 * VL); c23.intoArray(c, r2 + 3 * VL);
        c30.intoArray(c, r3); c31.intoArray(c, r3 + VL); c32.intoArray(c, r3 + 2 * VL); c33.intoArray(c, r3 + 3 * VL);
    }

    /** {@link #scores4} for two keys: 8 accumulators, for targets with 16 vector registers (AVX2). */
    private static void scores2(float[] a, int aOff, int aRow, float[] b, int n, float[] c, int cOff, float[] max) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c02 = c00, c03 = c00, c10 = c00, c11 = c00, c12 = c00, c13 = c00;
        for (int p = 0, ap = aOff, bp = 0; p < n; p++, ap++, bp += QT) {
            FloatVector b0 = FloatVector.fromArray(S, b, bp), b1 = FloatVector.fromArray(S, b, bp + VL),
                    b2 = FloatVector.fromArray(S, b, bp + 2 * VL), b3 = FloatVector.fromArray(S, b, bp + 3 * VL);
            FloatVector x = FloatVector.broadcast(S, a[ap]);
            c00 = x.fma(b0, c00); c01 = x.fma(b1, c01); c02 = x.fma(b2, c02); c03 = x.fma(b3, c03);
            x = FloatVector.broadcast(S, a[ap + aRow]);
            c10 = x.fma(b0, c10); c11 = x.fma(b1, c11); c12 = x.fma(b2, c12); c13 = x.fma(b3, c13);
        }
        c00.intoArray(c, cOff + 0 * QT + 0 * VL); c01.intoArray(c, cOff + 0 * QT + 1 * VL); c02.intoArray(c, cOff + 0 * QT + 2 * VL); c03.intoArray(c, cOff + 0 * QT + 3 * VL);
        c10.intoArray(c, cOff + 1 * QT + 0 * VL); c11.intoArray(c, cOff + 1 * QT + 1 * VL); c12.intoArray(c, cOff + 1 * QT + 2 * VL); c13.intoArray(c, cOff + 1 * QT + 3 * VL);
        FloatVector.fromArray(S, max, 0).max(c00.max(c10)).intoArray(max, 0);
        FloatVector.fromArray(S, max, VL).max(c01.max(c11)).intoArray(max, VL);
        FloatVector.fromArray(S, max, 2 * VL).max(c02.max(c12)).intoArray(max, 2 * VL);
        FloatVector.fromArray(S, max, 3 * VL).max(c03.max(c13)).intoArray(max, 3 * VL);
    }

    /** {@link #block4} for two rows: 8 accumulators, for targets with 16 vector registers (AVX2). */
    private static void block2(float[] a, int aOff, int aRow, int aCol, float[] b, int n, float[] c, int cOff, float[] alpha) {
        FloatVector c00, c01, c02, c03, c10, c11, c12, c13;
        if (alpha == null) {
            c00 = FloatVector.zero(S);
            c01 = c00; c02 = c00; c03 = c00; c10 = c00; c11 = c00; c12 = c00; c13 = c00;
        } else {
            FloatVector a0 = FloatVector.fromArray(S, alpha, 0), a1 = FloatVector.fromArray(S, alpha, VL),
                    a2 = FloatVector.fromArray(S, alpha, 2 * VL), a3 = FloatVector.fromArray(S, alpha, 3 * VL);
            c00 = FloatVector.fromArray(S, c, cOff + 0 * QT + 0 * VL).mul(a0);
            c01 = FloatVector.fromArray(S, c, cOff + 0 * QT + 1 * VL).mul(a1);
            c02 = FloatVector.fromArray(S, c, cOff + 0 * QT + 2 * VL).mul(a2);
            c03 = FloatVector.fromArray(S, c, cOff + 0 * QT + 3 * VL).mul(a3);
            c10 = FloatVector.fromArray(S, c, cOff + 1 * QT + 0 * VL).mul(a0);
            c11 = FloatVector.fromArray(S, c, cOff + 1 * QT + 1 * VL).mul(a1);
            c12 = FloatVector.fromArray(S, c, cOff + 1 * QT + 2 * VL).mul(a2);
            c13 = FloatVector.fromArray(S, c, cOff + 1 * QT + 3 * VL).mul(a3);
        }
        for (int p = 0, ap = aOff, bp = 0; p < n; p++, ap += aCol, bp += QT) {
            FloatVector b0 = FloatVector.fromArray(S, b, bp), b1 = FloatVector.fromArray(S, b, bp + VL),
                    b2 = FloatVector.fromArray(S, b, bp + 2 * VL), b3 = FloatVector.fromArray(S, b, bp + 3 * VL);
            FloatVector x = FloatVector.broadcast(S, a[ap]);
            c00 = x.fma(b0, c00); c01 = x.fma(b1, c01); c02 = x.fma(b2, c02); c03 = x.fma(b3, c03);
            x = FloatVector.broadcast(S, a[ap + aRow]);
            c10 = x.fma(b0, c10); c11 = x.fma(b1, c11); c12 = x.fma(b2, c12); c13 = x.fma(b3, c13);
        }
        c00.intoArray(c, cOff + 0 * QT + 0 * VL); c01.intoArray(c, cOff + 0 * QT + 1 * VL); c02.intoArray(c, cOff + 0 * QT + 2 * VL); c03.intoArray(c, cOff + 0 * QT + 3 * VL);
        c10.intoArray(c, cOff + 1 * QT + 0 * VL); c11.intoArray(c, cOff + 1 * QT + 1 * VL); c12.intoArray(c, cOff + 1 * QT + 2 * VL); c13.intoArray(c, cOff + 1 * QT + 3 * VL);
    }

    /** {@link #block4} for one row. */
    private static void block1(float[] a, int aOff, int aCol, float[] b, int n, float[] c, int cOff, float[] alpha) {
        FloatVector c0, c1, c2, c3;
        if (alpha == null) {
            c0 = FloatVector.zero(S);
            c1 = c0; c2 = c0; c3 = c0;
        } else {
            c0 = FloatVector.fromArray(S, c, cOff).mul(FloatVector.fromArray(S, alpha, 0));
            c1 = FloatVector.fromArray(S, c, cOff + VL).mul(FloatVector.fromArray(S, alpha, VL));
            c2 = FloatVector.fromArray(S, c, cOff + 2 * VL).mul(FloatVector.fromArray(S, alpha, 2 * VL));
            c3 = FloatVector.fromArray(S, c, cOff + 3 * VL).mul(FloatVector.fromArray(S, alpha, 3 * VL));
        }
        for (int p = 0, ap = aOff, bp = 0; p < n; p++, ap += aCol, bp += QT) {
            FloatVector x = FloatVector.broadcast(S, a[ap]);
            c0 = x.fma(FloatVector.fromArray(S, b, bp), c0);
            c1 = x.fma(FloatVector.fromArray(S, b, bp + VL), c1);
            c2 = x.fma(FloatVector.fromArray(S, b, bp + 2 * VL), c2);
            c3 = x.fma(FloatVector.fromArray(S, b, bp + 3 * VL), c3);
        }
        c0.intoArray(c, cOff); c1.intoArray(c, cOff + VL); c2.intoArray(c, cOff + 2 * VL); c3.intoArray(c, cOff + 3 * VL);
    }
}
