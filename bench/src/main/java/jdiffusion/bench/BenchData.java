package jdiffusion.bench;

import jdiffusion.tensor.DType;
import jdiffusion.tensor.Tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.SplittableRandom;

/** Reproducible inputs for the benchmarks: heap F32 activations, and weights laid out as a checkpoint maps them. */
final class BenchData {
    private BenchData() {}

    static Tensor random(long seed, int... shape) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] a = new float[Math.toIntExact(Tensor.numel(shape))];
        for (int i = 0; i < a.length; i++) a[i] = (float) (rnd.nextDouble() * 2 - 1);
        return Tensor.of(a, shape);
    }

    /** F32 weights on the heap, or F16/BF16 little-endian off-heap (like a memory-mapped safetensors file). */
    static Tensor weights(DType dtype, long seed, int... shape) {
        Tensor f = random(seed, shape);
        if (dtype == DType.F32) return f;
        float[] v = f.toFloatArray();
        MemorySegment seg = Arena.ofAuto().allocate(2L * v.length, 64);
        ValueLayout.OfShort le = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < v.length; i++)
            seg.set(le, 2L * i, dtype == DType.F16 ? Float.floatToFloat16(v[i]) : DType.floatToBf16(v[i]));
        return Tensor.wrap(seg, dtype, shape);
    }
}
