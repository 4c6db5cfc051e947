package jdiffusion.kernels.cpu;

import jdiffusion.kernels.Shapes;
import jdiffusion.tensor.Tensor;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;

/**
 * Group norm (optionally fused with SiLU), layer norm, softmax: one task per group or per block of rows.
 * Statistics are two-pass (mean, then the sum of squared deviations) with float vector partial sums folded
 * into doubles every few vectors, and the mean pass sums deviations from the first element: inputs with a
 * large common offset (mean 1000, spread 1) keep their variance instead of losing it to cancellation.
 */
final class NormOps {
    private static final VectorSpecies<Float> S = VectorMath.SPECIES;
    private static final int VL = S.length();
    /** Vectors summed in float before the partial sum moves to a double. */
    private static final int FOLD = 16;

    private NormOps() {}

    /** Sum of {@code x[from, to) - shift}, in double. */
    private static double shiftedSum(float[] x, int from, int to, float shift) {
        double total = 0;
        int i = from;
        while (to - i >= VL) {
            int end = Math.min(to - VL + 1, i + FOLD * VL);
            FloatVector acc = FloatVector.zero(S);
            for (; i < end; i += VL) acc = acc.add(FloatVector.fromArray(S, x, i).sub(shift));
            total += VectorMath.sumLanes(acc);
        }
        for (; i < to; i++) total += x[i] - shift;
        return total;
    }

    /** Sum of {@code (x[from, to) - mean)²}, in double. */
    private static double squaredDeviations(float[] x, int from, int to, float mean) {
        double total = 0;
        int i = from;
        while (to - i >= VL) {
            int end = Math.min(to - VL + 1, i + FOLD * VL);
            FloatVector acc = FloatVector.zero(S);
            for (; i < end; i += VL) {
                FloatVector dv = FloatVector.fromArray(S, x, i).sub(mean);
                acc = dv.fma(dv, acc);
            }
            total += VectorMath.sumLanes(acc);
        }
        for (; i < to; i++) { double dv = x[i] - mean; total += dv * dv; }
        return total;
    }

    /**
     * {@code [mean rounded to float, the rest of the mean, 1/sqrt(var + eps)]} of {@code x[from, to)}, population
     * variance as torch uses. Normalising as {@code (x - meanHi - meanLo)·scale} keeps inputs with a large offset
     * exact where {@code x·scale + shift} would cancel.
     */
    private static double[] moments(float[] x, int from, int to, float eps) {
        int n = to - from;
        float shift = x[from];
        double mean = shift + shiftedSum(x, from, to, shift) / n;
        float meanHi = (float) mean;
        double meanLo = mean - meanHi;
        double ss = squaredDeviations(x, from, to, meanHi) / n - meanLo * meanLo;
        return new double[] {meanHi, meanLo, 1.0 / Math.sqrt(Math.max(ss, 0) + eps)};
    }

    /** {@code out = (x - meanHi - meanLo)·a + b} (then SiLU) over {@code [from, to)}. */
    private static void affine(float[] x, float[] out, int from, int to, float meanHi, float meanLo, float a, float b, boolean silu) {
        FloatVector av = FloatVector.broadcast(S, a), bv = FloatVector.broadcast(S, b);
        int i = from;
        for (; i <= to - VL; i += VL) {
            FloatVector y = FloatVector.fromArray(S, x, i).sub(meanHi).sub(meanLo).fma(av, bv);
            (silu ? VectorMath.silu(y) : y).intoArray(out, i);
        }
        if (i < to) {
            VectorMask<Float> m = S.indexInRange(i, to);
            FloatVector y = FloatVector.fromArray(S, x, i, m).sub(meanHi).sub(meanLo).fma(av, bv);
            (silu ? VectorMath.silu(y) : y).intoArray(out, i, m);
        }
    }

    static Tensor groupNorm(Parallel parallel, Tensor x, int groups, Tensor gamma, Tensor beta, float eps, boolean silu) {
        if (x.rank() < 2) throw new IllegalArgumentException("groupNorm: expected [B, C, ...], got " + Arrays.toString(x.shape()));
        int b = x.size(0), c = x.size(1);
        if (groups <= 0 || c % groups != 0) throw new IllegalArgumentException("groupNorm: " + c + " channels do not split into " + groups + " groups");
        if (gamma.numel() != c || beta.numel() != c)
            throw new IllegalArgumentException("groupNorm: affine parameters " + Arrays.toString(gamma.shape()) + ", " + Arrays.toString(beta.shape()) + " for " + c + " channels");
        int spatial = Math.toIntExact(x.numel() / Math.max(1, (long) b * c));
        int cpg = c / groups, len = cpg * spatial;
        float[] in = LayoutOps.denseFloats(parallel, x), g = LayoutOps.denseFloats(parallel, gamma), be = LayoutOps.denseFloats(parallel, beta);
        float[] out = new float[in.length];
        if (len == 0) return Tensor.of(out, x.shape());
        parallel.forRange(b * groups, 1, (from, to) -> {
            for (int task = from; task < to; task++) {
                int base = task * len, firstChannel = (task % groups) * cpg;
                double[] mi = moments(in, base, base + len, eps);
                for (int ch = 0; ch < cpg; ch++) {
                    int s = base + ch * spatial;
                    affine(in, out, s, s + spatial, (float) mi[0], (float) mi[1], (float) (mi[2] * g[firstChannel + ch]), be[firstChannel + ch], silu);
                }
            }
        });
        return Tensor.of(out, x.shape());
    }

    static Tensor layerNorm(Parallel parallel, Tensor x, Tensor gamma, Tensor beta, float eps) {
        int c = x.size(-1), rows = Shapes.rows(x);
        if (gamma.numel() != c || beta.numel() != c)
            throw new IllegalArgumentException("layerNorm: affine parameters " + Arrays.toString(gamma.shape()) + ", " + Arrays.toString(beta.shape()) + " for " + c + " features");
        float[] in = LayoutOps.denseFloats(parallel, x), g = LayoutOps.denseFloats(parallel, gamma), be = LayoutOps.denseFloats(parallel, beta);
        float[] out = new float[in.length];
        if (c == 0) return Tensor.of(out, x.shape());
        parallel.forRange(rows, Math.max(1, 4096 / c), (from, to) -> {
            for (int r = from; r < to; r++) {
                int base = r * c;
                double[] mi = moments(in, base, base + c, eps);
                float meanHi = (float) mi[0], meanLo = (float) mi[1], inv = (float) mi[2];
                int i = 0;
                for (; i <= c - VL; i += VL) {
                    FloatVector y = FloatVector.fromArray(S, in, base + i).sub(meanHi).sub(meanLo).mul(inv);
                    y.fma(FloatVector.fromArray(S, g, i), FloatVector.fromArray(S, be, i)).intoArray(out, base + i);
                }
                for (; i < c; i++) out[base + i] = (in[base + i] - meanHi - meanLo) * inv * g[i] + be[i];
            }
        });
        return Tensor.of(out, x.shape());
    }

    static Tensor softmax(Parallel parallel, Tensor x) {
        int c = x.size(-1), rows = Shapes.rows(x);
        float[] in = LayoutOps.denseFloats(parallel, x), out = new float[in.length];
        if (c == 0) return Tensor.of(out, x.shape());
        parallel.forRange(rows, Math.max(1, 4096 / c), (from, to) -> {
            for (int r = from; r < to; r++) softmaxRow(in, out, r * c, c);
        });
        return Tensor.of(out, x.shape());
    }

    private static void softmaxRow(float[] in, float[] out, int base, int c) {
        int end = base + c, i = base;
        FloatVector mv = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        for (; i <= end - VL; i += VL) mv = mv.max(FloatVector.fromArray(S, in, i));
        float max = mv.reduceLanes(VectorOperators.MAX);
        for (; i < end; i++) max = Math.max(max, in[i]);
        double sum = 0;
        FloatVector acc = FloatVector.zero(S);
        i = base;
        for (int folded = 0; i <= end - VL; i += VL) {
            FloatVector e = VectorMath.expClamped(FloatVector.fromArray(S, in, i).sub(max));
            e.intoArray(out, i);
            acc = acc.add(e);
            if (++folded == FOLD) { sum += VectorMath.sumLanes(acc); acc = FloatVector.zero(S); folded = 0; }
        }
        if (i < end) {
            VectorMask<Float> m = S.indexInRange(i, end);
            FloatVector e = VectorMath.expClamped(FloatVector.fromArray(S, in, i, m).sub(max));
            e.intoArray(out, i, m);
            acc = acc.add(e, m);
        }
        sum += VectorMath.sumLanes(acc);
        float inv = (float) (1.0 / sum);
        for (i = base; i <= end - VL; i += VL) FloatVector.fromArray(S, out, i).mul(inv).intoArray(out, i);
        for (; i < end; i++) out[i] *= inv;
    }
}
