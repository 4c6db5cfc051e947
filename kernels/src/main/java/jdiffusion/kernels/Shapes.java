package jdiffusion.kernels;

import jdiffusion.tensor.Tensor;

import java.util.Arrays;

/** Shape arithmetic shared by the backends: broadcasting, output sizes, argument checks. */
public final class Shapes {
    private Shapes() {}

    /** The numpy-broadcast shape of {@code a} and {@code b}, or an exception naming both. */
    public static int[] broadcast(int[] a, int[] b) {
        int r = Math.max(a.length, b.length);
        int[] out = new int[r];
        for (int i = 0; i < r; i++) {
            int da = i < r - a.length ? 1 : a[i - (r - a.length)];
            int db = i < r - b.length ? 1 : b[i - (r - b.length)];
            if (da != db && da != 1 && db != 1)
                throw new IllegalArgumentException("shapes " + Arrays.toString(a) + " and " + Arrays.toString(b) + " do not broadcast");
            out[i] = da == 1 ? db : da;
        }
        return out;
    }

    /** Element strides of a contiguous tensor of {@code shape} seen with {@code outShape}: 0 on broadcast axes. */
    public static long[] broadcastStrides(int[] shape, int[] outShape) {
        long[] contiguous = Tensor.contiguousStrides(shape);
        long[] s = new long[outShape.length];
        int lead = outShape.length - shape.length;
        for (int i = lead; i < outShape.length; i++) s[i] = shape[i - lead] == 1 ? 0 : contiguous[i - lead];
        return s;
    }

    public static int convOut(int in, int kernel, int stride, int padding) { return (in + 2 * padding - kernel) / stride + 1; }

    /** Rows of a [..., K] tensor seen as a matrix [rows, K]. */
    public static int rows(Tensor x) { return Math.toIntExact(x.numel() / x.size(-1)); }

    public static int[] withLast(int[] shape, int last) {
        int[] s = shape.clone();
        s[s.length - 1] = last;
        return s;
    }

    /** PyTorch's nearest source index (float scale in/out, floor, clamp), with its exact 1x and 2x shortcuts. */
    public static int nearestSource(int dst, int in, int out) {
        if (in == out) return dst;
        if (out == 2 * in) return dst >> 1;
        float scale = (float) in / out;
        return Math.min((int) Math.floor(dst * scale), in - 1);
    }
}
