package jdiffusion.kernels.cpu;

import jdiffusion.kernels.Shapes;
import jdiffusion.tensor.Tensor;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;

/**
 * Activations, GEGLU and broadcasting arithmetic. Broadcasting collapses the output shape into runs where
 * each operand is either contiguous or constant, so the per-channel add of a UNet time embedding
 * ([B,C,H,W] + [B,C,1,1]), a bias row ([...,N] + [N]) and equal shapes all become a loop over long
 * vector runs; anything else takes the same path with shorter runs.
 */
final class ElementwiseOps {
    private static final VectorSpecies<Float> S = VectorMath.SPECIES;
    private static final int VL = S.length();
    /** Elements per parallel task: enough to amortise a fork. */
    private static final int GRAIN = 1 << 14;

    private ElementwiseOps() {}

    /**
     * The pointwise functions. Each has its own loop method so that C2 compiles it alone, inlines the whole
     * vector expression and keeps every vector in registers (one shared loop with a switch inside grew too
     * large to inline and boxed its vectors).
     */
    private enum Pointwise { GELU, GELU_TANH, QUICK_GELU, SILU, SCALE, LEAKY_RELU }

    private static Tensor map(Parallel parallel, Tensor x, Pointwise f, float s) {
        float[] in = LayoutOps.denseFloats(parallel, x), out = new float[in.length];
        parallel.forRange(in.length, GRAIN, (from, to) -> {
            switch (f) {
                case GELU -> geluRange(in, out, from, to);
                case GELU_TANH -> geluTanhRange(in, out, from, to);
                case QUICK_GELU -> quickGeluRange(in, out, from, to);
                case SILU -> siluRange(in, out, from, to);
                case SCALE -> scaleRange(in, out, from, to, s);
                case LEAKY_RELU -> leakyReluRange(in, out, from, to, s);
            }
        });
        return Tensor.of(out, x.shape());
    }

    private static void geluRange(float[] in, float[] out, int from, int to) {
        int i = from;
        for (; i <= to - VL; i += VL) {
            FloatVector v = FloatVector.fromArray(S, in, i);
            VectorMath.gelu(v).intoArray(out, i);
        }
        if (i < to) {
            VectorMask<Float> m = S.indexInRange(i, to);
            FloatVector v = FloatVector.fromArray(S, in, i, m);
            VectorMath.gelu(v).intoArray(out, i, m);
        }
    }

    private static void geluTanhRange(float[] in, float[] out, int from, int to) {
        int i = from;
        for (; i <= to - VL; i += VL) {
            FloatVector v = FloatVector.fromArray(S, in, i);
            VectorMath.geluTanh(v).intoArray(out, i);
        }
        if (i < to) {
            VectorMask<Float> m = S.indexInRange(i, to);
            FloatVector v = FloatVector.fromArray(S, in, i, m);
            VectorMath.geluTanh(v).intoArray(out, i, m);
        }
    }

    private static void quickGeluRange(float[] in, float[] out, int from, int to) {
        int i = from;
        for (; i <= to - VL; i += VL) {
            FloatVector v = FloatVector.fromArray(S, in, i);
            VectorMath.quickGelu(v).intoArray(out, i);
        }
        if (i < to) {
            VectorMask<Float> m = S.indexInRange(i, to);
            FloatVector v = FloatVector.fromArray(S, in, i, m);
            VectorMath.quickGelu(v).intoArray(out, i, m);
        }
    }

    private static void siluRange(float[] in, float[] out, int from, int to) {
        int i = from;
        for (; i <= to - VL; i += VL) {
            FloatVector v = FloatVector.fromArray(S, in, i);
            VectorMath.silu(v).intoArray(out, i);
        }
        if (i < to) {
            VectorMask<Float> m = S.indexInRange(i, to);
            FloatVector v = FloatVector.fromArray(S, in, i, m);
            VectorMath.silu(v).intoArray(out, i, m);
        }
    }

    private static void scaleRange(float[] in, float[] out, int from, int to, float s) {
        int i = from;
        for (; i <= to - VL; i += VL) {
            FloatVector v = FloatVector.fromArray(S, in, i);
            v.mul(s).intoArray(out, i);
        }
        if (i < to) {
            VectorMask<Float> m = S.indexInRange(i, to);
            FloatVector v = FloatVector.fromArray(S, in, i, m);
            v.mul(s).intoArray(out, i, m);
        }
    }

    private static void leakyReluRange(float[] in, float[] out, int from, int to, float slope) {
        int i = from;
        for (; i <= to - VL; i += VL) {
            FloatVector v = FloatVector.fromArray(S, in, i);
            v.blend(v.mul(slope), v.lt(0f)).intoArray(out, i);
        }
        for (; i < to; i++) out[i] = in[i] < 0 ? in[i] * slope : in[i];
    }

    static Tensor gelu(Parallel parallel, Tensor x) { return map(parallel, x, Pointwise.GELU, 1f); }

    static Tensor geluTanh(Parallel parallel, Tensor x) { return map(parallel, x, Pointwise.GELU_TANH, 1f); }

    static Tensor quickGelu(Parallel parallel, Tensor x) { return map(parallel, x, Pointwise.QUICK_GELU, 1f); }

    static Tensor silu(Parallel parallel, Tensor x) { return map(parallel, x, Pointwise.SILU, 1f); }

    static Tensor scale(Parallel parallel, Tensor a, float s) { return map(parallel, a, Pointwise.SCALE, s); }

    static Tensor leakyRelu(Parallel parallel, Tensor x, float slope) { return map(parallel, x, Pointwise.LEAKY_RELU, slope); }

    static Tensor geglu(Parallel parallel, Tensor x) {
        int c2 = x.size(-1);
        if (c2 % 2 != 0) throw new IllegalArgumentException("geglu: last dimension " + c2 + " is odd: " + Arrays.toString(x.shape()));
        int c = c2 / 2, rows = Shapes.rows(x);
        float[] in = LayoutOps.denseFloats(parallel, x), out = new float[rows * c];
        parallel.forRange(rows, Math.max(1, GRAIN / Math.max(1, c)), (from, to) -> {
            for (int r = from; r < to; r++) {
                int src = r * c2, dst = r * c, i = 0;
                for (; i <= c - VL; i += VL) {
                    FloatVector hidden = FloatVector.fromArray(S, in, src + i), gate = FloatVector.fromArray(S, in, src + c + i);
                    hidden.mul(VectorMath.gelu(gate)).intoArray(out, dst + i);
                }
                if (i < c) {
                    VectorMask<Float> m = S.indexInRange(i, c);
                    FloatVector hidden = FloatVector.fromArray(S, in, src + i, m), gate = FloatVector.fromArray(S, in, src + c + i, m);
                    hidden.mul(VectorMath.gelu(gate)).intoArray(out, dst + i, m);
                }
            }
        });
        return Tensor.of(out, Shapes.withLast(x.shape(), c));
    }

    private enum Op { ADD, SUB, MUL, PRELU }

    static Tensor add(Parallel parallel, Tensor a, Tensor b) { return broadcast(parallel, a, b, Op.ADD); }

    static Tensor sub(Parallel parallel, Tensor a, Tensor b) { return broadcast(parallel, a, b, Op.SUB); }

    static Tensor mul(Parallel parallel, Tensor a, Tensor b) { return broadcast(parallel, a, b, Op.MUL); }

    /** PReLU as a broadcasting operation: the slope operand broadcasts like the second operand of {@link #mul}. */
    static Tensor prelu(Parallel parallel, Tensor x, Tensor slope) { return broadcast(parallel, x, slope, Op.PRELU); }

    /**
     * The broadcast output shape with both operands' element strides (0 on broadcast axes), after dropping
     * unit axes and merging neighbours that stay mergeable for both operands.
     */
    private record Runs(int[] shape, long[] sa, long[] sb) {
        static Runs of(int[] out, long[] sa, long[] sb) {
            int n = out.length, r = 0;
            int[] shape = new int[n];
            long[] ra = new long[n], rb = new long[n];
            for (int i = 0; i < n; i++) {
                if (out[i] == 1) continue;
                if (r > 0 && ra[r - 1] == sa[i] * out[i] && rb[r - 1] == sb[i] * out[i]) {
                    shape[r - 1] *= out[i];
                    ra[r - 1] = sa[i];
                    rb[r - 1] = sb[i];
                } else {
                    shape[r] = out[i];
                    ra[r] = sa[i];
                    rb[r++] = sb[i];
                }
            }
            if (r == 0) return new Runs(new int[] {1}, new long[] {0}, new long[] {0});
            return new Runs(Arrays.copyOf(shape, r), Arrays.copyOf(ra, r), Arrays.copyOf(rb, r));
        }
    }

    private static Tensor broadcast(Parallel parallel, Tensor a, Tensor b, Op op) {
        int[] shape = Shapes.broadcast(a.shape(), b.shape());
        float[] x = LayoutOps.denseFloats(parallel, a), y = LayoutOps.denseFloats(parallel, b);
        float[] out = new float[Math.toIntExact(Tensor.numel(shape))];
        if (out.length == 0) return Tensor.of(out, shape);
        Runs runs = Runs.of(shape, Shapes.broadcastStrides(a.shape(), shape), Shapes.broadcastStrides(b.shape(), shape));
        int rank = runs.shape.length, len = runs.shape[rank - 1];
        long sa = runs.sa[rank - 1], sb = runs.sb[rank - 1];
        int count = out.length / len;
        parallel.forRange(count, Math.max(1, GRAIN / len), (from, to) -> {
            for (int r = from; r < to; r++) {
                long ia = 0, ib = 0;
                for (int d = rank - 2, rem = r; d >= 0; d--) {
                    int idx = rem % runs.shape[d];
                    rem /= runs.shape[d];
                    ia += idx * runs.sa[d];
                    ib += idx * runs.sb[d];
                }
                run(op, x, (int) ia, (int) sa, y, (int) ib, (int) sb, out, r * len, len);
            }
        });
        return Tensor.of(out, shape);
    }

    /** One run of {@code len} outputs; each input steps by 1 (contiguous) or 0 (constant over the run). */
    private static void run(Op op, float[] x, int ix, int sx, float[] y, int iy, int sy, float[] out, int o, int len) {
        if (sx == 1 && sy == 1) {
            int i = 0;
            for (; i <= len - VL; i += VL) apply(op, FloatVector.fromArray(S, x, ix + i), FloatVector.fromArray(S, y, iy + i)).intoArray(out, o + i);
            for (; i < len; i++) out[o + i] = apply(op, x[ix + i], y[iy + i]);
        } else if (sx == 1 && sy == 0) {
            float c = y[iy];
            FloatVector cv = FloatVector.broadcast(S, c);
            int i = 0;
            for (; i <= len - VL; i += VL) apply(op, FloatVector.fromArray(S, x, ix + i), cv).intoArray(out, o + i);
            for (; i < len; i++) out[o + i] = apply(op, x[ix + i], c);
        } else if (sx == 0 && sy == 1) {
            float c = x[ix];
            FloatVector cv = FloatVector.broadcast(S, c);
            int i = 0;
            for (; i <= len - VL; i += VL) apply(op, cv, FloatVector.fromArray(S, y, iy + i)).intoArray(out, o + i);
            for (; i < len; i++) out[o + i] = apply(op, c, y[iy + i]);
        } else {
            for (int i = 0; i < len; i++) out[o + i] = apply(op, x[ix + i * sx], y[iy + i * sy]);
        }
    }

    private static FloatVector apply(Op op, FloatVector a, FloatVector b) {
        return switch (op) {
            case ADD -> a.add(b);
            case SUB -> a.sub(b);
            case MUL -> a.mul(b);
            case PRELU -> a.blend(a.mul(b), a.lt(0f));
        };
    }

    private static float apply(Op op, float a, float b) {
        return switch (op) {
            case ADD -> a + b;
            case SUB -> a - b;
            case MUL -> a * b;
            case PRELU -> a < 0 ? a * b : a;
        };
    }
}
