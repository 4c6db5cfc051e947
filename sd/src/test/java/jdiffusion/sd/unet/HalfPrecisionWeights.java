package jdiffusion.sd.unet;

import jdiffusion.nn.WeightSource;
import jdiffusion.tensor.DType;
import jdiffusion.tensor.Tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** Test fixture: another source's float weights rounded to F16 (round to nearest even, as torch's {@code .half()}). */
final class HalfPrecisionWeights implements WeightSource {
    private static final ValueLayout.OfShort F16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private final WeightSource source;
    private final Map<String, Tensor> cache = new ConcurrentHashMap<>();

    HalfPrecisionWeights(WeightSource source) { this.source = source; }

    @Override public Tensor find(String key) {
        Tensor t = source.find(key);
        if (t == null || t.dtype() != DType.F32) return t;
        return cache.computeIfAbsent(key, k -> {
            float[] v = t.toFloatArray();
            MemorySegment seg = Arena.ofAuto().allocate(2L * v.length, 2);
            for (int i = 0; i < v.length; i++) seg.set(F16, 2L * i, Float.floatToFloat16(v[i]));
            return Tensor.wrap(seg, DType.F16, t.shape());
        });
    }

    @Override public Set<String> keys() { return source.keys(); }
}
