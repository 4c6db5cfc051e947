package jdiffusion.kernels.cpu;

import jdiffusion.kernels.reference.ReferenceBackend;
import jdiffusion.tensor.Backend;
import jdiffusion.tensor.Tensor;

/**
 * The CPU backend: Vector API kernels on all cores. Each group of operations lives in its own class
 * ({@link LinearOps}, {@link ConvOps}, {@link AttentionOps}, {@link NormOps}, {@link ElementwiseOps},
 * {@link LayoutOps}); this class only owns the worker threads and routes calls.
 */
public final class CpuBackend implements Backend {
    private final Parallel parallel;
    private final ReferenceBackend reference = new ReferenceBackend();

    public CpuBackend() { this(Runtime.getRuntime().availableProcessors()); }

    public CpuBackend(int threads) { this.parallel = new Parallel(threads); }

    public Parallel parallel() { return parallel; }

    @Override public String name() { return "cpu"; }

    @Override public Tensor fromFloats(float[] data, int... shape) { return Tensor.of(data, shape); }

    @Override public Tensor upload(Tensor t) { return reference.upload(t); }

    @Override public float[] toFloatArray(Tensor t) { return t.toFloatArray(); }

    @Override public Tensor contiguous(Tensor t) { return LayoutOps.contiguous(parallel, t); }

    @Override public Tensor linear(Tensor x, Tensor weight, Tensor bias) { return LinearOps.linear(parallel, x, weight, bias); }

    @Override public Tensor matmul(Tensor a, Tensor b) { return LinearOps.matmul(parallel, a, b); }

    @Override
    public Tensor conv2d(Tensor x, Tensor weight, Tensor bias, int stride, int padding) {
        return ConvOps.conv2d(parallel, x, weight, bias, stride, padding);
    }

    @Override
    public Tensor attention(Tensor q, Tensor k, Tensor v, int heads, boolean causal) {
        return AttentionOps.attention(parallel, q, k, v, heads, causal);
    }

    @Override
    public Tensor groupNorm(Tensor x, int groups, Tensor gamma, Tensor beta, float eps, boolean silu) {
        return NormOps.groupNorm(parallel, x, groups, gamma, beta, eps, silu);
    }

    @Override public Tensor layerNorm(Tensor x, Tensor gamma, Tensor beta, float eps) { return NormOps.layerNorm(parallel, x, gamma, beta, eps); }

    @Override public Tensor softmax(Tensor x) { return NormOps.softmax(parallel, x); }

    @Override public Tensor gelu(Tensor x) { return ElementwiseOps.gelu(parallel, x); }

    @Override public Tensor geluTanh(Tensor x) { return ElementwiseOps.geluTanh(parallel, x); }

    @Override public Tensor quickGelu(Tensor x) { return ElementwiseOps.quickGelu(parallel, x); }

    @Override public Tensor silu(Tensor x) { return ElementwiseOps.silu(parallel, x); }

    @Override public Tensor leakyRelu(Tensor x, float slope) { return ElementwiseOps.leakyRelu(parallel, x, slope); }

    @Override public Tensor prelu(Tensor x, Tensor slope) { return ElementwiseOps.prelu(parallel, x, slope); }

    @Override public Tensor geglu(Tensor x) { return ElementwiseOps.geglu(parallel, x); }

    @Override public Tensor add(Tensor a, Tensor b) { return ElementwiseOps.add(parallel, a, b); }

    @Override public Tensor sub(Tensor a, Tensor b) { return ElementwiseOps.sub(parallel, a, b); }

    @Override public Tensor mul(Tensor a, Tensor b) { return ElementwiseOps.mul(parallel, a, b); }

    @Override public Tensor scale(Tensor a, float s) { return ElementwiseOps.scale(parallel, a, s); }

    @Override public Tensor upsampleNearest(Tensor x, int outH, int outW) { return LayoutOps.upsampleNearest(parallel, x, outH, outW); }

    @Override public Tensor concat(int dim, Tensor... xs) { return LayoutOps.concat(parallel, dim, xs); }

    @Override public Tensor gatherRows(Tensor table, int[] ids) { return LayoutOps.gatherRows(parallel, table, ids); }

    @Override public void close() { parallel.close(); }
}
