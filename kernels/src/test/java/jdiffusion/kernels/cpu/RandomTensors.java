package jdiffusion.kernels.cpu;

import jdiffusion.tensor.DType;
import jdiffusion.tensor.Tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.SplittableRandom;

/** Seeded random inputs for comparing the CPU kernels with the reference backend. */
final class RandomTensors {
    private static final ValueLayout.OfShort I16_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private final SplittableRandom random;

    RandomTensors(long seed) { this.random = new SplittableRandom(seed); }

    /** Normal(0, sigma) values plus {@code offset}. */
    Tensor normal(float sigma, float offset, int... shape) {
        float[] a = new float[Math.toIntExact(Tensor.numel(shape))];
        for (int i = 0; i < a.length; i++) a[i] = (float) (offset + sigma * gaussian());
        return Tensor.of(a, shape);
    }

    Tensor normal(int... shape) { return normal(1f, 0f, shape); }

    /** {@code t} rounded to a little-endian F16 tensor in off-heap memory, as weights arrive from a file. */
    static Tensor toF16(Tensor t) {
        float[] a = t.toFloatArray();
        MemorySegment seg = Arena.ofAuto().allocate(a.length * 2L, 2);
        for (int i = 0; i < a.length; i++) seg.set(I16_LE, i * 2L, Float.floatToFloat16(a[i]));
        return Tensor.wrap(seg, DType.F16, t.shape());
    }

    /** {@code t} as a little-endian BF16 tensor in off-heap memory. */
    static Tensor toBf16(Tensor t) {
        float[] a = t.toFloatArray();
        MemorySegment seg = Arena.ofAuto().allocate(a.length * 2L, 2);
        for (int i = 0; i < a.length; i++) seg.set(I16_LE, i * 2L, DType.floatToBf16(a[i]));
        return Tensor.wrap(seg, DType.BF16, t.shape());
    }

    private double gaussian() {
        double u = 1 - random.nextDouble(), v = random.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    }
}
