package jdiffusion.sd.unet;

import jdiffusion.nn.LayerNorm;
import jdiffusion.nn.Weights;
import jdiffusion.tensor.Backend;
import jdiffusion.tensor.Tensor;

/**
 * Pre-norm transformer block over image tokens {@code [B, HW, C]}:
 * <pre>
 *   x += attn1(norm1(x))            self-attention
 *   x += attn2(norm2(x), context)   cross-attention to the text
 *   x += ff(norm3(x))               GEGLU feed-forward
 * </pre>
 */
public final class BasicTransformerBlock {
    /** diffusers' default LayerNorm epsilon inside transformer blocks. */
    static final float NORM_EPS = 1e-5f;

    private final LayerNorm norm1, norm2, norm3;
    private final CrossAttention attn1, attn2;
    private final FeedForward ff;

    public BasicTransformerBlock(Backend backend, Weights w, int heads) { this(backend, w, heads, AttentionContext.NONE); }

    /** {@code keysAndValues} applies to both attentions, as the WebUI's hypernetworks do. */
    public BasicTransformerBlock(Backend backend, Weights w, int heads, AttentionContext keysAndValues) {
        this.norm1 = new LayerNorm(backend, w.child("norm1"), NORM_EPS);
        this.attn1 = new CrossAttention(backend, w.child("attn1"), heads, keysAndValues);
        this.norm2 = new LayerNorm(backend, w.child("norm2"), NORM_EPS);
        this.attn2 = new CrossAttention(backend, w.child("attn2"), heads, keysAndValues);
        this.norm3 = new LayerNorm(backend, w.child("norm3"), NORM_EPS);
        this.ff = new FeedForward(backend, w.child("ff"));
    }

    /** {@code x} is left intact; the result is a new tensor. */
    public Tensor forward(Backend backend, Tensor x, Tensor context) {
        Tensor n = norm1.forward(backend, x);
        Tensor a = attn1.forward(backend, n, n);
        backend.release(n);
        Tensor h = backend.add(a, x);
        backend.release(a);

        n = norm2.forward(backend, h);
        a = attn2.forward(backend, n, context);
        backend.release(n);
        Tensor h2 = backend.add(a, h);
        backend.release(a);
        backend.release(h);

        n = norm3.forward(backend, h2);
        Tensor f = ff.forward(backend, n);
        backend.release(n);
        Tensor out = backend.add(f, h2);
        backend.release(f);
        backend.release(h2);
        return out;
    }

    int contextDim() { return attn2.contextDim(); }
}
