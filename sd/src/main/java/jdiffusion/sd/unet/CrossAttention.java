package jdiffusion.sd.unet;

import jdiffusion.nn.Linear;
import jdiffusion.nn.Weights;
import jdiffusion.tensor.Backend;
import jdiffusion.tensor.Tensor;

/**
 * Multi-head attention of diffusers' {@code Attention} (ldm {@code CrossAttention}): {@code to_q} over the
 * tokens, {@code to_k}/{@code to_v} over the context (the tokens themselves for self-attention), softmax
 * scaled by {@code 1/sqrt(head_dim)}, then {@code to_out.0}. Heads stay packed in the channels
 * ({@code [B, L, heads·d]}), as the backend's attention expects.
 */
public final class CrossAttention {
    private final Linear toQ, toK, toV, toOut;
    private final int heads;
    private final AttentionContext keysAndValues;
    private final String name;

    public CrossAttention(Backend backend, Weights w, int heads) { this(backend, w, heads, AttentionContext.NONE); }

    /** With keys and values computed from {@code keysAndValues}' view of the context (hypernetworks). */
    public CrossAttention(Backend backend, Weights w, int heads, AttentionContext keysAndValues) {
        this.keysAndValues = keysAndValues;
        this.name = w.prefix().endsWith(".") ? w.prefix().substring(0, w.prefix().length() - 1) : w.prefix();
        this.toQ = new Linear(backend, w.child("to_q"));
        this.toK = new Linear(backend, w.child("to_k"));
        this.toV = new Linear(backend, w.child("to_v"));
        this.toOut = new Linear(backend, w.child("to_out").child(0));
        this.heads = heads;
    }

    /** {@code x [B, L, C]} attending to {@code context [B, Lk, Cc]}; pass {@code x} itself for self-attention. */
    public Tensor forward(Backend backend, Tensor x, Tensor context) {
        Tensor q = toQ.forward(backend, x);
        Tensor contextK = keysAndValues.keys(backend, context), contextV = keysAndValues.values(backend, context);
        Tensor k = toK.forward(backend, contextK);
        Tensor v = toV.forward(backend, contextV);
        if (contextK != context) backend.release(contextK);
        if (contextV != context) backend.release(contextV);
        AttentionObserver observer = keysAndValues.observer();
        if (observer != null && context != x) observer.crossAttention(name, backend, q, k, heads);
        Tensor o = backend.attention(q, k, v, heads, false);
        backend.release(q);
        backend.release(k);
        backend.release(v);
        Tensor out = toOut.forward(backend, o);
        backend.release(o);
        return out;
    }

    public int heads() { return heads; }

    /** Width the keys and values are computed from (the context's channels). */
    public int contextDim() { return toK.inFeatures(); }
}
