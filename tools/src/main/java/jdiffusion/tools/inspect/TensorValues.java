package jdiffusion.tools.inspect;

import jdiffusion.tensor.Tensor;

/**
 * A tensor's elements read in row-major order a chunk at a time, converted to F32, so a tool can walk a multi-GiB
 * memory-mapped file with a heap of a few MiB.
 */
public final class TensorValues {
    /** Elements per chunk: 4 MiB of floats. */
    public static final int CHUNK = 1 << 20;

    private TensorValues() {}

    /** Receives {@code values[0..count)}, the elements starting at flat index {@code first}. */
    public interface ChunkConsumer { void accept(float[] values, int count, long first); }

    public static void forEachChunk(Tensor t, ChunkConsumer consumer) {
        long n = t.numel();
        if (n == 0) return;
        Tensor flat = (t.isContiguous() ? t : t.contiguous());
        if (flat.rank() == 0) {
            consumer.accept(flat.toFloatArray(), 1, 0);
            return;
        }
        if (n > Integer.MAX_VALUE) throw new IllegalArgumentException("tensor of " + n + " elements");
        flat = flat.reshape((int) n);
        for (long first = 0; first < n; first += CHUNK) {
            int count = (int) Math.min(CHUNK, n - first);
            float[] v = flat.narrow(0, (int) first, count).toFloatArray();
            consumer.accept(v, count, first);
        }
    }

    /** Two tensors of the same element count walked side by side, chunk by chunk. */
    public interface PairConsumer { void accept(float[] a, float[] b, int count, long first); }

    public static void forEachChunkPair(Tensor a, Tensor b, PairConsumer consumer) {
        long n = a.numel();
        if (n != b.numel()) throw new IllegalArgumentException("element counts differ");
        if (n == 0) return;
        if (a.rank() == 0 || b.rank() == 0) {
            consumer.accept(a.contiguous().toFloatArray(), b.contiguous().toFloatArray(), 1, 0);
            return;
        }
        Tensor fa = a.contiguous().reshape((int) n), fb = b.contiguous().reshape((int) n);
        for (long first = 0; first < n; first += CHUNK) {
            int count = (int) Math.min(CHUNK, n - first);
            consumer.accept(fa.narrow(0, (int) first, count).toFloatArray(), fb.narrow(0, (int) first, count).toFloatArray(), count, first);
        }
    }

    /** A flat index as the multi-index it has in {@code shape}. */
    public static long[] multiIndex(long flat, int[] shape) {
        long[] idx = new long[shape.length];
        for (int d = shape.length - 1; d >= 0; d--) {
            int s = Math.max(shape[d], 1);
            idx[d] = flat % s;
            flat /= s;
        }
        return idx;
    }

    /** A flat index as a multi-index of {@code shape}, e.g. {@code [1, 0, 3]}. */
    public static String index(long flat, int[] shape) { return java.util.Arrays.toString(multiIndex(flat, shape)); }
}
