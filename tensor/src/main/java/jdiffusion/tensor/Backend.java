package jdiffusion.tensor;

/**
 * The one contract of tensor operations. Model code ({@code nn}, {@code sd}) calls only these; the CPU
 * (Vector API) and OpenCL backends implement them. Results are new F32 tensors on this backend.
 *
 * <p>Conventions: images and feature maps are NCHW; text is {@code [batch, tokens, channels]}.
 * Weight arguments may be F32, F16 or BF16 and may live on the host (memory-mapped from the file): a
 * backend converts them while packing and a device backend uploads them once and keeps them.
 * Inputs may be non-contiguous views unless a method says otherwise.
 */
public interface Backend extends AutoCloseable {
    String name();

    // ---- memory ----

    /** An F32 tensor on this backend holding {@code data} (row-major). */
    Tensor fromFloats(float[] data, int... shape);

    /** A zero-filled F32 tensor on this backend. */
    default Tensor zeros(int... shape) { return fromFloats(new float[Math.toIntExact(Tensor.numel(shape))], shape); }

    /** {@code t} made resident on this backend (host tensors are returned as they are by the CPU backend). */
    Tensor upload(Tensor t);

    /** All elements of {@code t} (on this backend) as host floats in row-major order. */
    float[] toFloatArray(Tensor t);

    /** A contiguous copy of a view, same dtype. */
    Tensor contiguous(Tensor t);

    /** Hint that {@code t}'s memory will not be read again, so it may be reused. Never required for correctness. */
    default void release(Tensor t) {}

    // ---- linear algebra ----

    /** {@code x [..., K] · weightᵀ + bias}: weight {@code [N, K]}, bias {@code [N]} or null; result {@code [..., N]}. */
    Tensor linear(Tensor x, Tensor weight, Tensor bias);

    /** Batched matrix product {@code [B..., M, K] x [B..., K, N] -> [B..., M, N]}; batch dims equal (no broadcast). */
    Tensor matmul(Tensor a, Tensor b);

    /**
     * 2-D convolution of {@code x [B, C, H, W]} with {@code weight [O, C, kh, kw]}, bias {@code [O]} or null,
     * equal stride and zero padding on both axes. Output {@code [B, O, (H+2p-kh)/s+1, (W+2p-kw)/s+1]}.
     */
    Tensor conv2d(Tensor x, Tensor weight, Tensor bias, int stride, int padding);

    /**
     * Scaled-dot-product attention, {@code softmax(q kᵀ / sqrt(d)) v}, per head. {@code q [B, Lq, heads*d]},
     * {@code k [B, Lk, heads*d]}, {@code v [B, Lk, heads*dv]}; head h uses channels {@code h*d .. h*d+d-1}.
     * Result {@code [B, Lq, heads*dv]}. {@code causal} masks keys after the query position (CLIP).
     */
    Tensor attention(Tensor q, Tensor k, Tensor v, int heads, boolean causal);

    // ---- normalisation ----

    /** Group norm over {@code x [B, C, ...]} with per-channel affine; {@code silu} fuses SiLU after it. */
    Tensor groupNorm(Tensor x, int groups, Tensor gamma, Tensor beta, float eps, boolean silu);

    /** Layer norm over the last dimension with affine {@code gamma, beta [C]}. */
    Tensor layerNorm(Tensor x, Tensor gamma, Tensor beta, float eps);

    /** Numerically stable softmax over the last dimension. */
    Tensor softmax(Tensor x);

    // ---- activations ----

    /** GELU with the exact erf form. */
    Tensor gelu(Tensor x);

    /** GELU with the tanh approximation. */
    Tensor geluTanh(Tensor x);

    /** {@code x · sigmoid(1.702 x)} (CLIP). */
    Tensor quickGelu(Tensor x);

    Tensor silu(Tensor x);

    /** {@code x < 0 ? slope·x : x} (ESRGAN's LeakyReLU, slope 0.2). */
    Tensor leakyRelu(Tensor x, float slope);

    /** Diffusers' GEGLU on {@code [..., 2N]}: first half is the hidden part, second half the gate; {@code hidden · gelu(gate)}. */
    Tensor geglu(Tensor x);

    // ---- elementwise, numpy broadcasting ----

    Tensor add(Tensor a, Tensor b);

    Tensor sub(Tensor a, Tensor b);

    Tensor mul(Tensor a, Tensor b);

    /** PReLU: {@code x < 0 ? x·slope : x}, {@code slope} broadcast against {@code x} ({@code [1, C, 1, 1]}: one slope per channel). */
    Tensor prelu(Tensor x, Tensor slope);

    /** {@code a · s}. */
    Tensor scale(Tensor a, float s);

    /**
     * {@code min(max(a, lo), hi)} elementwise (the VAE clamps its log-variance to [-30, 20]). The default goes
     * through host floats; backends override it when the data lives elsewhere or the size matters.
     */
    default Tensor clamp(Tensor a, float lo, float hi) {
        float[] v = toFloatArray(a);
        for (int i = 0; i < v.length; i++) v[i] = Math.min(Math.max(v[i], lo), hi);
        return fromFloats(v, a.shape());
    }

    // ---- shape ----

    /** Nearest-neighbour resize of {@code x [B, C, H, W]} to {@code outH x outW} (source index floor(dst·in/out)). */
    Tensor upsampleNearest(Tensor x, int outH, int outW);

    /** Concatenation along {@code dim}; all other dimensions equal. */
    Tensor concat(int dim, Tensor... xs);

    /** Rows of {@code table [V, D]} (any float dtype) at {@code ids}: result {@code [ids.length, D]} (token embeddings). */
    Tensor gatherRows(Tensor table, int[] ids);

    @Override default void close() {}
}
