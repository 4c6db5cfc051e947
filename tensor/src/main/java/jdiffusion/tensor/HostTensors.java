package jdiffusion.tensor;

import java.lang.foreign.MemorySegment;

/** Strided element access to host tensors of any dtype: the slow, obviously-correct path. */
final class HostTensors {
    private HostTensors() {}

    static float readFloat(Tensor t, long element) {
        MemorySegment s = t.host().segment();
        float[] a = t.host().floats();
        return switch (t.dtype()) {
            case F32 -> a != null ? a[(int) element] : s.get(Tensor.F32_LE, element * 4);
            case F16 -> Float.float16ToFloat(s.get(Tensor.I16_LE, element * 2));
            case BF16 -> DType.bf16ToFloat(s.get(Tensor.I16_LE, element * 2));
            case I32 -> s.get(Tensor.I32_LE, element * 4);
            case I64 -> s.get(Tensor.I64_LE, element * 8);
            case U8 -> s.get(java.lang.foreign.ValueLayout.JAVA_BYTE, element) & 0xff;
        };
    }

    static long readLong(Tensor t, long element) {
        MemorySegment s = t.host().segment();
        return switch (t.dtype()) {
            case I32 -> s.get(Tensor.I32_LE, element * 4);
            case I64 -> s.get(Tensor.I64_LE, element * 8);
            case U8 -> s.get(java.lang.foreign.ValueLayout.JAVA_BYTE, element) & 0xff;
            default -> (long) readFloat(t, element);
        };
    }

    /** Visits element indices (into storage) in row-major order of the view. */
    interface ElementVisitor { void visit(int i, long element); }

    static void forEach(Tensor t, ElementVisitor v) {
        int[] shape = t.shape();
        long[] strides = t.strides();
        int rank = shape.length;
        long n = t.numel();
        int[] idx = new int[rank];
        long e = t.offset();
        for (int i = 0; i < n; i++) {
            v.visit(i, e);
            for (int d = rank - 1; d >= 0; d--) {
                if (++idx[d] < shape[d]) { e += strides[d]; break; }
                e -= (long) (shape[d] - 1) * strides[d];
                idx[d] = 0;
            }
        }
    }

    static float[] toFloatArray(Tensor t) {
        float[] out = new float[Math.toIntExact(t.numel())];
        float[] a = t.host().floats();
        if (a != null && t.dtype() == DType.F32 && t.isContiguous()) {
            System.arraycopy(a, (int) t.offset(), out, 0, out.length);
            return out;
        }
        forEach(t, (i, e) -> out[i] = readFloat(t, e));
        return out;
    }

    static long[] toLongArray(Tensor t) {
        long[] out = new long[Math.toIntExact(t.numel())];
        forEach(t, (i, e) -> out[i] = readLong(t, e));
        return out;
    }

    /** A contiguous host copy in the same dtype (F32 copies land in a heap float[]). */
    static Tensor copyContiguous(Tensor t) {
        if (t.dtype() == DType.F32) return Tensor.of(toFloatArray(t), t.shape());
        int es = t.dtype().byteSize();
        MemorySegment out = java.lang.foreign.Arena.ofAuto().allocate(t.numel() * es, 8);
        MemorySegment src = t.host().segment();
        forEach(t, (i, e) -> MemorySegment.copy(src, e * es, out, (long) i * es, es));
        return Tensor.wrap(out, t.dtype(), t.shape());
    }
}
