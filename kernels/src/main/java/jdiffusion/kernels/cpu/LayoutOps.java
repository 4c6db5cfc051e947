package jdiffusion.kernels.cpu;

import jdiffusion.kernels.Shapes;
import jdiffusion.tensor.DType;
import jdiffusion.tensor.HostStorage;
import jdiffusion.tensor.Tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Nearest upsampling, concatenation, row gathers and contiguous copies. Strided F32 copies collapse the view's
 * dimensions first, then copy whole rows when the innermost axis is unit-stride (head splits such as
 * [B,L,H,d] -> [B,H,L,d]) or transpose in square blocks when it is not (NCHW <-> NHWC), so that both the reads
 * and the writes stay within a few cache lines at a time.
 */
final class LayoutOps {
    private static final ValueLayout.OfFloat F32_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** Side of the square tiles of a blocked transpose: 16x16 floats; 32 measured slower (power-of-two row strides alias in L1). */
    private static final int BLOCK = 16;
    /** Below this many elements a copy runs on the calling thread. */
    private static final int PARALLEL_ELEMENTS = 1 << 15;

    private LayoutOps() {}

    /**
     * The elements of {@code t} as a contiguous row-major float[]: the backing array itself when {@code t} is
     * a whole heap F32 array (do not write to it), else a fresh copy converted to F32.
     */
    static float[] denseFloats(Parallel parallel, Tensor t) {
        float[] a = t.heapArrayOrNull();
        if (a != null) return a;
        if (heapF32(t) != null) return stridedCopy(parallel, t);
        return t.toFloatArray();
    }

    private static float[] heapF32(Tensor t) {
        return t.isHost() && t.dtype() == DType.F32 ? t.host().floats() : null;
    }

    static Tensor contiguous(Parallel parallel, Tensor t) {
        if (t.isContiguous()) return t;
        if (heapF32(t) != null) return Tensor.of(stridedCopy(parallel, t), t.shape());
        return t.contiguous();
    }

    /** A view's dimensions with unit axes dropped and mergeable neighbours merged: same elements, same order. */
    private record Layout(int[] shape, long[] strides) {
        static Layout of(Tensor t) {
            int[] s = t.shape();
            long[] st = t.strides();
            int[] shape = new int[s.length];
            long[] strides = new long[s.length];
            int r = 0;
            for (int i = 0; i < s.length; i++) {
                if (s[i] == 1) continue;
                if (r > 0 && strides[r - 1] == st[i] * s[i]) {
                    shape[r - 1] *= s[i];
                    strides[r - 1] = st[i];
                } else {
                    shape[r] = s[i];
                    strides[r++] = st[i];
                }
            }
            return new Layout(Arrays.copyOf(shape, r), Arrays.copyOf(strides, r));
        }

        /** Source offset of the {@code index}-th combination of the dimensions {@code [0, dims)} other than {@code skip}. */
        long offsetOf(long index, int dims, int skip) {
            long off = 0;
            for (int d = dims - 1; d >= 0; d--) {
                if (d == skip) continue;
                off += (index % shape[d]) * strides[d];
                index /= shape[d];
            }
            return off;
        }
    }

    private static float[] stridedCopy(Parallel parallel, Tensor t) {
        float[] src = heapF32(t);
        float[] out = new float[Math.toIntExact(t.numel())];
        if (out.length == 0) return out;
        long base = t.offset();
        Layout l = Layout.of(t);
        int rank = l.shape.length;
        if (rank == 0) { out[0] = src[(int) base]; return out; }
        int last = rank - 1, len = l.shape[last];
        if (l.strides[last] == 1) {
            int rows = out.length / len;
            parallel.forRange(rows, Math.max(1, PARALLEL_ELEMENTS / len), (from, to) -> {
                for (int r = from; r < to; r++)
                    System.arraycopy(src, (int) (base + l.offsetOf(r, last, -1)), out, r * len, len);
            });
            return out;
        }
        int unitAxis = -1;
        for (int d = 0; d < last; d++) if (l.strides[d] == 1) unitAxis = d;
        final int k = unitAxis;
        if (k < 0) {
            genericCopy(src, base, l, out);
            return out;
        }
        // Transpose: output axis k is the source's unit-stride axis, the output's last axis is strided in the source.
        int rowsK = l.shape[k];
        long srcStrideLast = l.strides[last];
        int step = Math.toIntExact(srcStrideLast);
        int outStrideK = 1;
        for (int d = k + 1; d < rank; d++) outStrideK *= l.shape[d];
        final int outStride = outStrideK;
        int outerCount = out.length / (rowsK * len);
        int kBlocks = (rowsK + BLOCK - 1) / BLOCK;
        int innerAfterK = outStride / len; // combinations of the axes between k and last
        parallel.forRange(outerCount * kBlocks, Math.max(1, PARALLEL_ELEMENTS / (BLOCK * len)), (from, to) -> {
            for (int task = from; task < to; task++) {
                int outer = task / kBlocks, kb = task % kBlocks;
                long srcBase = base + l.offsetOf(outer, last, k);
                int before = outer / innerAfterK, after = outer % innerAfterK;
                int outBase = before * rowsK * outStride + after * len;
                int k0 = kb * BLOCK, k1 = Math.min(rowsK, k0 + BLOCK);
                for (int j0 = 0; j0 < len; j0 += BLOCK) {
                    int j1 = Math.min(len, j0 + BLOCK);
                    for (int i = k0; i < k1; i++) {
                        int o = outBase + i * outStride;
                        int s = Math.toIntExact(srcBase + i + j0 * srcStrideLast);
                        for (int j = j0; j < j1; j++, s += step) out[o + j] = src[s];
                    }
                }
            }
        });
        return out;
    }

    private static void genericCopy(float[] src, long base, Layout l, float[] out) {
        int rank = l.shape.length;
        int[] idx = new int[rank];
        long e = base;
        for (int i = 0; i < out.length; i++) {
            out[i] = src[(int) e];
            for (int d = rank - 1; d >= 0; d--) {
                if (++idx[d] < l.shape[d]) { e += l.strides[d]; break; }
                e -= (long) (l.shape[d] - 1) * l.strides[d];
                idx[d] = 0;
            }
        }
    }

    static Tensor upsampleNearest(Parallel parallel, Tensor x, int outH, int outW) {
        if (x.rank() != 4) throw new IllegalArgumentException("upsampleNearest: expected [B, C, H, W], got " + Arrays.toString(x.shape()));
        if (outH <= 0 || outW <= 0) throw new IllegalArgumentException("upsampleNearest: output size " + outH + "x" + outW + " is empty");
        int b = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3);
        float[] in = denseFloats(parallel, x), out = new float[Math.multiplyExact(b * c, Math.multiplyExact(outH, outW))];
        int[] sx = new int[outW];
        for (int i = 0; i < outW; i++) sx[i] = Shapes.nearestSource(i, w, outW);
        boolean doubleWidth = outW == 2 * w;
        parallel.forRange(b * c, Math.max(1, PARALLEL_ELEMENTS / Math.max(1, outH * outW)), (from, to) -> {
            for (int p = from; p < to; p++) {
                int prevSy = -1;
                for (int y = 0; y < outH; y++) {
                    int sy = Shapes.nearestSource(y, h, outH), o = (p * outH + y) * outW;
                    if (sy == prevSy) { System.arraycopy(out, o - outW, out, o, outW); continue; }
                    prevSy = sy;
                    int s = (p * h + sy) * w;
                    if (doubleWidth) {
                        for (int i = 0; i < w; i++) { float v = in[s + i]; out[o + 2 * i] = v; out[o + 2 * i + 1] = v; }
                    } else {
                        for (int i = 0; i < outW; i++) out[o + i] = in[s + sx[i]];
                    }
                }
            }
        });
        return Tensor.of(out, b, c, outH, outW);
    }

    static Tensor concat(Parallel parallel, int dim, Tensor... xs) {
        if (xs.length == 0) throw new IllegalArgumentException("concat: no tensors");
        int[] shape = xs[0].shape();
        int rank = shape.length;
        int axis = dim < 0 ? dim + rank : dim;
        if (axis < 0 || axis >= rank) throw new IllegalArgumentException("concat: dim " + dim + " outside rank " + rank);
        int total = 0;
        for (Tensor t : xs) {
            if (t.rank() != rank) throw new IllegalArgumentException("concat: ranks of " + Arrays.toString(shape) + " and " + Arrays.toString(t.shape()) + " differ");
            for (int d = 0; d < rank; d++)
                if (d != axis && t.size(d) != shape[d])
                    throw new IllegalArgumentException("concat: shapes " + Arrays.toString(shape) + " and " + Arrays.toString(t.shape()) + " differ outside dim " + axis);
            total += t.size(axis);
        }
        shape[axis] = total;
        int outer = 1, inner = 1;
        for (int d = 0; d < axis; d++) outer *= shape[d];
        for (int d = axis + 1; d < rank; d++) inner *= shape[d];
        float[] out = new float[Math.toIntExact(Tensor.numel(shape))];
        int rowOut = total * inner, at = 0;
        for (Tensor t : xs) {
            float[] a = denseFloats(parallel, t);
            int block = t.size(axis) * inner, start = at;
            if (block > 0)
                parallel.forRange(outer, Math.max(1, PARALLEL_ELEMENTS / block), (from, to) -> {
                    for (int o = from; o < to; o++) System.arraycopy(a, o * block, out, o * rowOut + start, block);
                });
            at += block;
        }
        return Tensor.of(out, shape);
    }

    static Tensor gatherRows(Parallel parallel, Tensor table, int[] ids) {
        if (table.rank() != 2) throw new IllegalArgumentException("gatherRows: table must be [V, D], got " + Arrays.toString(table.shape()));
        int v = table.size(0), d = table.size(1);
        for (int id : ids)
            if (id < 0 || id >= v) throw new IndexOutOfBoundsException("token id " + id + " outside the embedding table of " + v);
        float[] out = new float[Math.multiplyExact(ids.length, d)];
        boolean rowsContiguous = table.isHost() && (table.stride(1) == 1 || d == 1);
        DType dtype = table.dtype();
        if (!rowsContiguous || !(dtype == DType.F32 || dtype == DType.F16 || dtype == DType.BF16)) {
            for (int i = 0; i < ids.length; i++) System.arraycopy(table.select(0, ids[i]).toFloatArray(), 0, out, i * d, d);
            return Tensor.of(out, ids.length, d);
        }
        HostStorage host = table.host();
        float[] heap = host.floats();
        MemorySegment seg = host.segment();
        short[] halves = dtype == DType.F32 ? null : new short[d];
        for (int i = 0; i < ids.length; i++) {
            long first = table.offset() + ids[i] * table.stride(0);
            switch (dtype) {
                case F32 -> {
                    if (heap != null) System.arraycopy(heap, (int) first, out, i * d, d);
                    else MemorySegment.copy(seg, F32_LE, first * 4, out, i * d, d);
                }
                case F16 -> {
                    MemorySegment.copy(seg, I16_LE, first * 2, halves, 0, d);
                    for (int j = 0; j < d; j++) out[i * d + j] = Float.float16ToFloat(halves[j]);
                }
                default -> {
                    MemorySegment.copy(seg, I16_LE, first * 2, halves, 0, d);
                    for (int j = 0; j < d; j++) out[i * d + j] = DType.bf16ToFloat(halves[j]);
                }
            }
        }
        return Tensor.of(out, ids.length, d);
    }
}
