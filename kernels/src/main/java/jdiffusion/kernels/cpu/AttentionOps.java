package jdiffusion.kernels.cpu;

import jdiffusion.kernels.reference.ReferenceBackend;
import jdiffusion.tensor.Tensor;

/** Scaled-dot-product attention. (Placeholder: routes to the scalar reference until the Vector API kernels land.) */
final class AttentionOps {
    private static final ReferenceBackend REFERENCE = new ReferenceBackend();

    private AttentionOps() {}

    static Tensor attention(Parallel parallel, Tensor q, Tensor k, Tensor v, int heads, boolean causal) { return REFERENCE.attention(q, k, v, heads, causal); }
}
