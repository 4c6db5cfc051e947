package jdiffusion.kernels.cpu;

import jdiffusion.kernels.Shapes;
import jdiffusion.tensor.DType;
import jdiffusion.tensor.Tensor;

import java.util.Arrays;

/**
 * Matrix products on {@link Sgemm}: {@code linear} (x · Wᵀ + bias, weights read in their stored dtype and
 * converted while packing) and batched {@code matmul} (strided views such as transposes read in place).
 */
final class LinearOps {
    /** Below this many multiply-adds per matrix, a batched matmul runs whole matrices on separate threads. */
    private static final long SMALL_GEMM = 1L << 21;

    private LinearOps() {}

    static Tensor linear(Parallel parallel, Tensor x, Tensor weight, Tensor bias) {
        int k = x.size(-1), n = weight.size(0), m = Shapes.rows(x);
        if (weight.rank() != 2 || weight.size(1) != k)
            throw new IllegalArgumentException("linear: input has " + k + " features, weight " + Arrays.toString(weight.shape()));
        if (bias != null && bias.numel() != n)
            throw new IllegalArgumentException("linear: bias " + Arrays.toString(bias.shape()) + " for " + n + " outputs");
        float[] out = new float[Math.multiplyExact(m, n)];
        if (m > 0 && n > 0) {
            Tensor xs = asHeapF32(x);
            PanelSource a = xs.isContiguous()
                    ? new ArrayPanels(xs.host().floats(), Math.toIntExact(xs.offset()), m, k, k, 1)
                    : rowsView(xs, m, k);
            PanelSource w = weightPanels(weight);
            float[] b = bias == null ? null : bias.toFloatArray();
            Sgemm.Output c = Sgemm.Output.rowMajor(out, 0, n);
            // interleaving (B side) is the costly packing; give it the smaller operand: few tokens -> Cᵀ = W·xᵀ
            if (m < n) Sgemm.multiply(parallel, w, a, c.transposed(), b, null);
            else Sgemm.multiply(parallel, a, w, c, null, b);
        }
        return Tensor.of(out, Shapes.withLast(x.shape(), n));
    }

    static Tensor matmul(Parallel parallel, Tensor a, Tensor b) {
        int r = a.rank();
        if (r < 2 || b.rank() != r)
            throw new IllegalArgumentException("matmul: ranks " + a.rank() + " and " + b.rank() + " (need equal, at least 2)");
        int m = a.size(-2), k = a.size(-1), n = b.size(-1);
        if (b.size(-2) != k) throw new IllegalArgumentException("matmul: inner dimensions " + k + " and " + b.size(-2));
        for (int d = 0; d < r - 2; d++)
            if (a.size(d) != b.size(d))
                throw new IllegalArgumentException("matmul: batch dims differ " + Arrays.toString(a.shape()) + " x " + Arrays.toString(b.shape()));
        int[] shape = a.shape();
        shape[r - 1] = n;
        int batch = 1;
        for (int d = 0; d < r - 2; d++) batch = Math.multiplyExact(batch, a.size(d));
        float[] out = new float[Math.toIntExact(Tensor.numel(shape))];
        if (out.length == 0) return Tensor.of(out, shape);

        Tensor as = asHeapF32(a), bs = asHeapF32(b);
        float[] ad = as.host().floats(), bd = bs.host().floats();
        int sam = (int) as.stride(-2), sak = (int) as.stride(-1), sbk = (int) bs.stride(-2), sbn = (int) bs.stride(-1);
        int mn = m * n;
        // many small matrices (attention heads): one whole matrix per thread; otherwise each GEMM uses every thread
        boolean matrixPerThread = batch >= parallel.threads() && (long) m * n * k < SMALL_GEMM;
        Parallel.RangeBody body = (from, to) -> {
            for (int q = from; q < to; q++) {
                PanelSource pa = new ArrayPanels(ad, batchOffset(as, q), m, k, sam, sak);
                PanelSource pb = new ArrayPanels(bd, batchOffset(bs, q), n, k, sbn, sbk);
                Sgemm.multiply(matrixPerThread ? null : parallel, pa, pb, Sgemm.Output.rowMajor(out, q * mn, n), null, null);
            }
        };
        if (matrixPerThread) parallel.forRange(batch, 1, body);
        else body.run(0, batch);
        return Tensor.of(out, shape);
    }

    /** Weights as stored: F32 arrays read directly, memory-mapped F32/F16/BF16 converted while packing. */
    static PanelSource weightPanels(Tensor w) {
        int n = w.size(0), k = w.size(1);
        Tensor h = w.isHost() && w.dtype().isFloating() ? w : Tensor.of(w.toFloatArray(), w.shape());
        if (h.dtype() == DType.F32 && h.host().floats() != null)
            return new ArrayPanels(h.host().floats(), Math.toIntExact(h.offset()), n, k, (int) h.stride(0), (int) h.stride(1));
        return new SegmentPanels(h.host().segment(), h.dtype(), h.offset(), n, k, h.stride(0), h.stride(1));
    }

    /** A host F32 tensor backed by a heap array: {@code t} itself when it already is one, else a contiguous copy. */
    static Tensor asHeapF32(Tensor t) {
        if (t.isHost() && t.dtype() == DType.F32 && t.host().floats() != null) return t;
        return Tensor.of(t.toFloatArray(), t.shape());
    }

    /** A strided [..., K] view read as [M, K] rows in place when its leading dims collapse to one stride, else a copy. */
    private static PanelSource rowsView(Tensor x, int m, int k) {
        long rowStride = -1, expect = -1;
        boolean collapses = true;
        for (int d = x.rank() - 2; d >= 0 && collapses; d--) {
            if (x.size(d) == 1) continue;
            if (rowStride < 0) { rowStride = x.stride(d); expect = rowStride * x.size(d); }
            else if (x.stride(d) != expect) collapses = false;
            else expect *= x.size(d);
        }
        if (collapses)
            return new ArrayPanels(x.host().floats(), Math.toIntExact(x.offset()), m, k, (int) Math.max(rowStride, 0), (int) x.stride(-1));
        return new ArrayPanels(x.toFloatArray(), 0, m, k, k, 1);
    }

    private static int batchOffset(Tensor t, int q) {
        long off = t.offset();
        for (int d = t.rank() - 3; d >= 0; d--) {
            int size = t.size(d);
            off += (long) (q % size) * t.stride(d);
            q /= size;
        }
        return Math.toIntExact(off);
    }
}
