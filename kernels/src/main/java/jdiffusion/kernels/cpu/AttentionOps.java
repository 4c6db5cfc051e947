package jdiffusion.kernels.cpu;

import jdiffusion.tensor.Tensor;

import java.util.Arrays;

/**
 * Scaled-dot-product attention, flash style: never materialises the Lq x Lk score matrix. Each task owns
 * one (batch, head, query tile) and walks the keys tile by tile with a running max and sum per query
 * (online softmax), rescaling its output accumulator whenever the max grows. See {@link AttentionTile}.
 */
final class AttentionOps {
    private AttentionOps() {}

    static Tensor attention(Parallel parallel, Tensor q, Tensor k, Tensor v, int heads, boolean causal) {
        return attention(parallel, q, k, v, heads, causal, AttentionTile.NARROW_BY_DEFAULT);
    }

    /** With the micro-kernel shape chosen explicitly: two rows for 16-register targets, four otherwise. */
    static Tensor attention(Parallel parallel, Tensor q, Tensor k, Tensor v, int heads, boolean causal, boolean narrowKernels) {
        if (q.rank() != 3 || k.rank() != 3 || v.rank() != 3)
            throw new IllegalArgumentException("attention: q, k, v must be [B, L, heads*d], got " + Arrays.toString(q.shape())
                    + ", " + Arrays.toString(k.shape()) + ", " + Arrays.toString(v.shape()));
        int b = q.size(0), lq = q.size(1), lk = k.size(1);
        if (heads <= 0 || q.size(2) % heads != 0 || v.size(2) % heads != 0 || k.size(2) != q.size(2)
                || k.size(0) != b || v.size(0) != b || v.size(1) != lk)
            throw new IllegalArgumentException("attention: shapes q " + Arrays.toString(q.shape()) + ", k " + Arrays.toString(k.shape())
                    + ", v " + Arrays.toString(v.shape()) + " do not fit " + heads + " heads");
        int d = q.size(2) / heads, dv = v.size(2) / heads;
        float[] out = new float[Math.multiplyExact(b * lq, heads * dv)];
        if (out.length == 0) return Tensor.of(out, b, lq, heads * dv);
        if (lk == 0) throw new IllegalArgumentException("attention: no keys to attend to (k is " + Arrays.toString(k.shape()) + ")");
        AttentionTile.Geometry g = new AttentionTile.Geometry(lq, lk, heads, d, dv, causal,
                LayoutOps.denseFloats(parallel, q), LayoutOps.denseFloats(parallel, k), LayoutOps.denseFloats(parallel, v), out);
        int qTiles = (lq + AttentionTile.QT - 1) / AttentionTile.QT;
        parallel.forRange(b * heads * qTiles, 1, (from, to) -> {
            AttentionTile tile = new AttentionTile(g, narrowKernels);
            for (int task = from; task < to; task++) {
                int bh = task / qTiles;
                tile.run(bh / heads, bh % heads, (task % qTiles) * AttentionTile.QT);
            }
        });
        return Tensor.of(out, b, lq, heads * dv);
    }
}
