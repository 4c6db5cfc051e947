package jdiffusion.bench;

import jdiffusion.nn.WeightSource;
import jdiffusion.tensor.DType;
import jdiffusion.tensor.Tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Named weights of given shapes filled with seeded random values, held off-heap in the file dtype (F16 or F32) as a
 * checkpoint would be, so model benchmarks run at full size without a file. Matrices, convolutions and embeddings
 * get PyTorch's default uniform bound {@code 1/sqrt(fan_in)} so the activations stay in a realistic range; biases
 * are small; norms (any module whose name contains {@code norm}) get weight 1, bias 0. Each tensor has its own
 * generator seeded from the seed and its name, so the values do not depend on the order or threads that made them.
 */
public class RandomWeights implements WeightSource, AutoCloseable {
    private static final ValueLayout.OfShort F16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final Arena arena = Arena.ofShared();
    private final Map<String, Tensor> tensors = new ConcurrentHashMap<>();

    /** {@code shapes}: name to shape, as the models' parameter lists ({@code UNetParameters}, ...) give them. */
    public RandomWeights(Map<String, int[]> shapes, DType dtype, long seed) {
        if (dtype != DType.F16 && dtype != DType.F32) throw new IllegalArgumentException("random weights are F16 or F32, not " + dtype);
        shapes.entrySet().parallelStream().forEach(e -> tensors.put(e.getKey(), make(e.getKey(), e.getValue(), dtype, seed)));
    }

    private Tensor make(String name, int[] shape, DType dtype, long seed) {
        long n = Tensor.numel(shape);
        MemorySegment seg = arena.allocate(n * dtype.byteSize(), 8);
        String module = name.substring(0, name.lastIndexOf('.')), layer = module.substring(module.lastIndexOf('.') + 1);
        boolean normLayer = layer.contains("norm");
        boolean norm = normLayer && name.endsWith(".weight");
        boolean bias = shape.length == 1 && !norm;
        int fanIn = 1;
        for (int i = 1; i < shape.length; i++) fanIn *= shape[i];
        float bound = normLayer ? 0f : bias ? 0.02f : (float) (1 / Math.sqrt(fanIn));
        SplittableRandom r = new SplittableRandom(seed ^ name.hashCode() * 0x9E3779B97F4A7C15L);
        for (long i = 0; i < n; i++) {
            float v = norm ? 1f : (float) ((2 * r.nextDouble() - 1) * bound);
            if (dtype == DType.F16) seg.set(F16, 2 * i, Float.floatToFloat16(v));
            else seg.set(F32, 4 * i, v);
        }
        return Tensor.wrap(seg, dtype, shape);
    }

    @Override public Tensor find(String key) { return tensors.get(key); }

    @Override public Set<String> keys() { return Collections.unmodifiableSet(tensors.keySet()); }

    @Override public void close() { arena.close(); }
}
