package jdiffusion.sd.unet;

import jdiffusion.tensor.Backend;
import jdiffusion.tensor.Tensor;

/** Test helper: forwards every op to another backend, so a test can override one to observe the calls. */
class DelegatingBackend implements Backend {
    private final Backend d;

    DelegatingBackend(Backend delegate) { this.d = delegate; }

    @Override public String name() { return d.name(); }
    @Override public Tensor fromFloats(float[] data, int... shape) { return d.fromFloats(data, shape); }
    @Override public Tensor upload(Tensor t) { return d.upload(t); }
    @Override public float[] toFloatArray(Tensor t) { return d.toFloatArray(t); }
    @Override public Tensor contiguous(Tensor t) { return d.contiguous(t); }
    @Override public void release(Tensor t) { d.release(t); }
    @Override public Tensor linear(Tensor x, Tensor weight, Tensor bias) { return d.linear(x, weight, bias); }
    @Override public Tensor matmul(Tensor a, Tensor b) { return d.matmul(a, b); }
    @Override public Tensor conv2d(Tensor x, Tensor weight, Tensor bias, int stride, int padding) { return d.conv2d(x, weight, bias, stride, padding); }
    @Override public Tensor attention(Tensor q, Tensor k, Tensor v, int heads, boolean causal) { return d.attention(q, k, v, heads, causal); }
    @Override public Tensor groupNorm(Tensor x, int groups, Tensor gamma, Tensor beta, float eps, boolean silu) { return d.groupNorm(x, groups, gamma, beta, eps, silu); }
    @Override public Tensor layerNorm(Tensor x, Tensor gamma, Tensor beta, float eps) { return d.layerNorm(x, gamma, beta, eps); }
    @Override public Tensor softmax(Tensor x) { return d.softmax(x); }
    @Override public Tensor gelu(Tensor x) { return d.gelu(x); }
    @Override public Tensor geluTanh(Tensor x) { return d.geluTanh(x); }
    @Override public Tensor quickGelu(Tensor x) { return d.quickGelu(x); }
    @Override public Tensor silu(Tensor x) { return d.silu(x); }
    @Override public Tensor leakyRelu(Tensor x, float slope) { return d.leakyRelu(x, slope); }
    @Override public Tensor prelu(Tensor x, Tensor slope) { return d.prelu(x, slope); }
    @Override public Tensor geglu(Tensor x) { return d.geglu(x); }
    @Override public Tensor add(Tensor a, Tensor b) { return d.add(a, b); }
    @Override public Tensor sub(Tensor a, Tensor b) { return d.sub(a, b); }
    @Override public Tensor mul(Tensor a, Tensor b) { return d.mul(a, b); }
    @Override public Tensor scale(Tensor a, float s) { return d.scale(a, s); }
    @Override public Tensor upsampleNearest(Tensor x, int outH, int outW) { return d.upsampleNearest(x, outH, outW); }
    @Override public Tensor concat(int dim, Tensor... xs) { return d.concat(dim, xs); }
    @Override public Tensor gatherRows(Tensor table, int[] ids) { return d.gatherRows(table, ids); }
}
