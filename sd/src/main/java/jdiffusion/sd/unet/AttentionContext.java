package jdiffusion.sd.unet;

import jdiffusion.tensor.Backend;
import jdiffusion.tensor.Tensor;

/**
 * What an attention layer computes its keys and values from, given its context (the text for cross-attention, the
 * image tokens themselves for self-attention). Plain attention uses the context as it is; the WebUI's hypernetworks
 * transform it, separately for keys and values ({@code context_k = context + hn_k(context) * multiplier}).
 * A returned tensor other than {@code context} is released by the layer after use.
 */
public interface AttentionContext {
    Tensor keys(Backend backend, Tensor context);

    Tensor values(Backend backend, Tensor context);

    /** Who looks at the cross-attention layers' queries and keys; null (the usual case) for nobody. */
    default AttentionObserver observer() { return null; }

    /** {@code inner}'s keys and values, with {@code observer} looking on. */
    static AttentionContext observed(AttentionContext inner, AttentionObserver observer) {
        return new AttentionContext() {
            @Override public Tensor keys(Backend backend, Tensor context) { return inner.keys(backend, context); }

            @Override public Tensor values(Backend backend, Tensor context) { return inner.values(backend, context); }

            @Override public AttentionObserver observer() { return observer; }
        };
    }

    /** Keys and values from the context as it is. */
    AttentionContext NONE = new AttentionContext() {
        @Override public Tensor keys(Backend backend, Tensor context) { return context; }

        @Override public Tensor values(Backend backend, Tensor context) { return context; }
    };
}
