package jdiffusion.tensor;

import java.lang.foreign.MemorySegment;

/** Small host tensors of every dtype, built in the little-endian file layout, for reader and writer tests. */
final class LittleEndianTensors {
    private LittleEndianTensors() {}

    static Tensor f16(float[] v, int... shape) {
        MemorySegment s = MemorySegment.ofArray(new byte[v.length * 2]);
        for (int i = 0; i < v.length; i++) s.set(Tensor.I16_LE, i * 2L, Float.floatToFloat16(v[i]));
        return Tensor.wrap(s, DType.F16, shape);
    }

    static Tensor bf16(float[] v, int... shape) {
        MemorySegment s = MemorySegment.ofArray(new byte[v.length * 2]);
        for (int i = 0; i < v.length; i++) s.set(Tensor.I16_LE, i * 2L, DType.floatToBf16(v[i]));
        return Tensor.wrap(s, DType.BF16, shape);
    }

    static Tensor i64(long[] v, int... shape) {
        MemorySegment s = MemorySegment.ofArray(new byte[v.length * 8]);
        for (int i = 0; i < v.length; i++) s.set(Tensor.I64_LE, i * 8L, v[i]);
        return Tensor.wrap(s, DType.I64, shape);
    }

    static Tensor i32(int[] v, int... shape) {
        MemorySegment s = MemorySegment.ofArray(new byte[v.length * 4]);
        for (int i = 0; i < v.length; i++) s.set(Tensor.I32_LE, i * 4L, v[i]);
        return Tensor.wrap(s, DType.I32, shape);
    }

    static Tensor u8(byte[] v, int... shape) {
        return Tensor.wrap(MemorySegment.ofArray(v.clone()), DType.U8, shape);
    }
}
