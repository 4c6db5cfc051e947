package jdiffusion.kernels.reference;

import jdiffusion.kernels.MathFunctions;
import jdiffusion.kernels.Shapes;
import jdiffusion.tensor.Backend;
import jdiffusion.tensor.Tensor;

import java.util.Arrays;
import java.util.function.DoubleUnaryOperator;

/**
 * The plain scalar implementation of every {@link Backend} operation: loops that read like the formulas,
 * double accumulation, no blocking, no threads. It is the yardstick the fast backends are tested against,
 * and a fallback to switch to when a fast kernel is in doubt. Slow by design.
 */
public final class ReferenceBackend implements Backend {
    @Override public String name() { return "reference"; }

    // ---- memory ----

    @Override public Tensor fromFloats(float[] data, int... shape) { return Tensor.of(data, shape); }

    @Override public Tensor upload(Tensor t) { return t.isHost() ? t : Tensor.of(t.toFloatArray(), t.shape()); }

    @Override public float[] toFloatArray(Tensor t) { return t.toFloatArray(); }

    @Override public Tensor contiguous(Tensor t) { return t.contiguous(); }

    // ---- linear algebra ----

    @Override
    public Tensor linear(Tensor x, Tensor weight, Tensor bias) {
        int k = x.size(-1), n = weight.size(0), m = Shapes.rows(x);
        if (weight.size(1) != k) throw new IllegalArgumentException("linear: input has " + k + " features, weight " + Arrays.toString(weight.shape()));
        float[] a = x.toFloatArray(), w = weight.toFloatArray(), b = bias == null ? null : bias.toFloatArray();
        float[] out = new float[m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++) {
                double s = b == null ? 0 : b[j];
                for (int p = 0; p < k; p++) s += (double) a[i * k + p] * w[j * k + p];
                out[i * n + j] = (float) s;
            }
        return Tensor.of(out, Shapes.withLast(x.shape(), n));
    }

    @Override
    public Tensor matmul(Tensor a, Tensor b) {
        int m = a.size(-2), k = a.size(-1), n = b.size(-1);
        if (b.size(-2) != k) throw new IllegalArgumentException("matmul: inner dimensions " + k + " and " + b.size(-2));
        int batch = Math.toIntExact(a.numel() / ((long) m * k));
        float[] x = a.toFloatArray(), y = b.toFloatArray(), out = new float[batch * m * n];
        for (int q = 0; q < batch; q++)
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++) {
                    double s = 0;
                    for (int p = 0; p < k; p++) s += (double) x[(q * m + i) * k + p] * y[(q * k + p) * n + j];
                    out[(q * m + i) * n + j] = (float) s;
                }
        int[] shape = a.shape();
        shape[shape.length - 1] = n;
        return Tensor.of(out, shape);
    }

    @Override
    public Tensor conv2d(Tensor x, Tensor weight, Tensor bias, int stride, int padding) {
        int bsz = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3);
        int o = weight.size(0), kh = weight.size(2), kw = weight.size(3);
        if (weight.size(1) != c) throw new IllegalArgumentException("conv2d: input has " + c + " channels, weight " + Arrays.toString(weight.shape()));
        int oh = Shapes.convOut(h, kh, stride, padding), ow = Shapes.convOut(w, kw, stride, padding);
        float[] in = x.toFloatArray(), wt = weight.toFloatArray(), b = bias == null ? null : bias.toFloatArray();
        float[] out = new float[bsz * o * oh * ow];
        for (int n = 0; n < bsz; n++)
            for (int oc = 0; oc < o; oc++)
                for (int y = 0; y < oh; y++)
                    for (int xx = 0; xx < ow; xx++) {
                        double s = b == null ? 0 : b[oc];
                        for (int ic = 0; ic < c; ic++)
                            for (int dy = 0; dy < kh; dy++) {
                                int iy = y * stride - padding + dy;
                                if (iy < 0 || iy >= h) continue;
                                for (int dx = 0; dx < kw; dx++) {
                                    int ix = xx * stride - padding + dx;
                                    if (ix < 0 || ix >= w) continue;
                                    s += (double) in[((n * c + ic) * h + iy) * w + ix] * wt[((oc * c + ic) * kh + dy) * kw + dx];
                                }
                            }
                        out[((n * o + oc) * oh + y) * ow + xx] = (float) s;
                    }
        return Tensor.of(out, bsz, o, oh, ow);
    }

    @Override
    public Tensor attention(Tensor q, Tensor k, Tensor v, int heads, boolean causal) {
        int b = q.size(0), lq = q.size(1), lk = k.size(1);
        int d = q.size(2) / heads, dv = v.size(2) / heads;
        float[] qa = q.toFloatArray(), ka = k.toFloatArray(), va = v.toFloatArray();
        float[] out = new float[b * lq * heads * dv];
        double scale = 1.0 / Math.sqrt(d);
        double[] scores = new double[lk];
        for (int n = 0; n < b; n++)
            for (int h = 0; h < heads; h++)
                for (int i = 0; i < lq; i++) {
                    double max = Double.NEGATIVE_INFINITY;
                    int visible = causal ? Math.min(i + 1, lk) : lk;
                    for (int j = 0; j < visible; j++) {
                        double s = 0;
                        for (int p = 0; p < d; p++)
                            s += (double) qa[(n * lq + i) * heads * d + h * d + p] * ka[(n * lk + j) * heads * d + h * d + p];
                        scores[j] = s * scale;
                        max = Math.max(max, scores[j]);
                    }
                    double sum = 0;
                    for (int j = 0; j < visible; j++) { scores[j] = Math.exp(scores[j] - max); sum += scores[j]; }
                    for (int p = 0; p < dv; p++) {
                        double s = 0;
                        for (int j = 0; j < visible; j++) s += scores[j] * va[(n * lk + j) * heads * dv + h * dv + p];
                        out[(n * lq + i) * heads * dv + h * dv + p] = (float) (s / sum);
                    }
                }
        return Tensor.of(out, b, lq, heads * dv);
    }

    // ---- normalisation ----

    @Override
    public Tensor groupNorm(Tensor x, int groups, Tensor gamma, Tensor beta, float eps, boolean silu) {
        int b = x.size(0), c = x.size(1);
        int spatial = Math.toIntExact(x.numel() / ((long) b * c));
        if (c % groups != 0) throw new IllegalArgumentException("groupNorm: " + c + " channels do not split into " + groups + " groups");
        int cpg = c / groups, len = cpg * spatial;
        float[] in = x.toFloatArray(), g = gamma.toFloatArray(), be = beta.toFloatArray(), out = new float[in.length];
        for (int n = 0; n < b; n++)
            for (int grp = 0; grp < groups; grp++) {
                int base = (n * c + grp * cpg) * spatial;
                double mean = 0;
                for (int i = 0; i < len; i++) mean += in[base + i];
                mean /= len;
                double var = 0;
                for (int i = 0; i < len; i++) { double d = in[base + i] - mean; var += d * d; }
                var /= len;
                double inv = 1.0 / Math.sqrt(var + eps);
                for (int i = 0; i < len; i++) {
                    int ch = grp * cpg + i / spatial;
                    float y = (float) ((in[base + i] - mean) * inv * g[ch] + be[ch]);
                    out[base + i] = silu ? MathFunctions.silu(y) : y;
                }
            }
        return Tensor.of(out, x.shape());
    }

    @Override
    public Tensor layerNorm(Tensor x, Tensor gamma, Tensor beta, float eps) {
        int c = x.size(-1), rows = Shapes.rows(x);
        float[] in = x.toFloatArray(), g = gamma.toFloatArray(), be = beta.toFloatArray(), out = new float[in.length];
        for (int r = 0; r < rows; r++) {
            double mean = 0, var = 0;
            for (int i = 0; i < c; i++) mean += in[r * c + i];
            mean /= c;
            for (int i = 0; i < c; i++) { double d = in[r * c + i] - mean; var += d * d; }
            var /= c;
            double inv = 1.0 / Math.sqrt(var + eps);
            for (int i = 0; i < c; i++) out[r * c + i] = (float) ((in[r * c + i] - mean) * inv * g[i] + be[i]);
        }
        return Tensor.of(out, x.shape());
    }

    @Override
    public Tensor softmax(Tensor x) {
        int c = x.size(-1), rows = Shapes.rows(x);
        float[] in = x.toFloatArray(), out = new float[in.length];
        for (int r = 0; r < rows; r++) {
            double max = Double.NEGATIVE_INFINITY, sum = 0;
            for (int i = 0; i < c; i++) max = Math.max(max, in[r * c + i]);
            for (int i = 0; i < c; i++) sum += Math.exp(in[r * c + i] - max);
            for (int i = 0; i < c; i++) out[r * c + i] = (float) (Math.exp(in[r * c + i] - max) / sum);
        }
        return Tensor.of(out, x.shape());
    }

    // ---- activations ----

    private static Tensor map(Tensor x, DoubleUnaryOperator f) {
        float[] a = x.toFloatArray();
        for (int i = 0; i < a.length; i++) a[i] = (float) f.applyAsDouble(a[i]);
        return Tensor.of(a, x.shape());
    }

    @Override public Tensor gelu(Tensor x) { return map(x, v -> MathFunctions.gelu((float) v)); }

    @Override public Tensor geluTanh(Tensor x) { return map(x, v -> MathFunctions.geluTanh((float) v)); }

    @Override public Tensor quickGelu(Tensor x) { return map(x, v -> MathFunctions.quickGelu((float) v)); }

    @Override public Tensor silu(Tensor x) { return map(x, v -> MathFunctions.silu((float) v)); }

    @Override public Tensor leakyRelu(Tensor x, float slope) { return map(x, v -> v < 0 ? (float) v * slope : v); }

    @Override
    public Tensor geglu(Tensor x) {
        int c2 = x.size(-1), c = c2 / 2, rows = Shapes.rows(x);
        float[] in = x.toFloatArray(), out = new float[rows * c];
        for (int r = 0; r < rows; r++)
            for (int i = 0; i < c; i++) out[r * c + i] = in[r * c2 + i] * MathFunctions.gelu(in[r * c2 + c + i]);
        return Tensor.of(out, Shapes.withLast(x.shape(), c));
    }

    // ---- elementwise ----

    private interface Op { float apply(float a, float b); }

    private static Tensor broadcast(Tensor a, Tensor b, Op op) {
        int[] shape = Shapes.broadcast(a.shape(), b.shape());
        long[] sa = Shapes.broadcastStrides(a.shape(), shape), sb = Shapes.broadcastStrides(b.shape(), shape);
        float[] x = a.toFloatArray(), y = b.toFloatArray(), out = new float[Math.toIntExact(Tensor.numel(shape))];
        int[] idx = new int[shape.length];
        for (int i = 0; i < out.length; i++) {
            long ia = 0, ib = 0;
            for (int d = 0; d < shape.length; d++) { ia += idx[d] * sa[d]; ib += idx[d] * sb[d]; }
            out[i] = op.apply(x[(int) ia], y[(int) ib]);
            for (int d = shape.length - 1; d >= 0 && ++idx[d] == shape[d]; d--) idx[d] = 0;
        }
        return Tensor.of(out, shape);
    }

    @Override public Tensor add(Tensor a, Tensor b) { return broadcast(a, b, (x, y) -> x + y); }

    @Override public Tensor sub(Tensor a, Tensor b) { return broadcast(a, b, (x, y) -> x - y); }

    @Override public Tensor mul(Tensor a, Tensor b) { return broadcast(a, b, (x, y) -> x * y); }

    @Override public Tensor prelu(Tensor x, Tensor slope) { return broadcast(x, slope, (v, s) -> v < 0 ? v * s : v); }

    @Override public Tensor scale(Tensor a, float s) { return map(a, v -> (float) v * s); }

    // ---- shape ----

    @Override
    public Tensor upsampleNearest(Tensor x, int outH, int outW) {
        int b = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3);
        float[] in = x.toFloatArray(), out = new float[b * c * outH * outW];
        for (int p = 0; p < b * c; p++)
            for (int y = 0; y < outH; y++) {
                int sy = Shapes.nearestSource(y, h, outH);
                for (int xx = 0; xx < outW; xx++)
                    out[(p * outH + y) * outW + xx] = in[(p * h + sy) * w + Shapes.nearestSource(xx, w, outW)];
            }
        return Tensor.of(out, b, c, outH, outW);
    }

    @Override
    public Tensor concat(int dim, Tensor... xs) {
        int[] shape = xs[0].shape();
        dim = dim < 0 ? dim + shape.length : dim;
        int total = 0;
        for (Tensor t : xs) {
            for (int d = 0; d < shape.length; d++)
                if (d != dim && t.size(d) != shape[d])
                    throw new IllegalArgumentException("concat: shapes " + Arrays.toString(shape) + " and " + Arrays.toString(t.shape()) + " differ outside dim " + dim);
            total += t.size(dim);
        }
        shape[dim] = total;
        int outer = 1, inner = 1;
        for (int d = 0; d < dim; d++) outer *= shape[d];
        for (int d = dim + 1; d < shape.length; d++) inner *= shape[d];
        float[] out = new float[Math.toIntExact(Tensor.numel(shape))];
        int at = 0;
        for (Tensor t : xs) {
            float[] a = t.toFloatArray();
            int block = t.size(dim) * inner;
            for (int o = 0; o < outer; o++) System.arraycopy(a, o * block, out, o * total * inner + at, block);
            at += block;
        }
        return Tensor.of(out, shape);
    }

    @Override
    public Tensor gatherRows(Tensor table, int[] ids) {
        int v = table.size(0), d = table.size(1);
        float[] out = new float[ids.length * d];
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] >= v) throw new IndexOutOfBoundsException("token id " + ids[i] + " outside the embedding table of " + v);
            System.arraycopy(table.select(0, ids[i]).toFloatArray(), 0, out, i * d, d);
        }
        return Tensor.of(out, ids.length, d);
    }
}
