package jdiffusion.kernels.cpu;

import jdiffusion.kernels.reference.ReferenceBackend;
import jdiffusion.tensor.Tensor;

/** Group norm (optionally fused with SiLU), layer norm, softmax. (Placeholder: routes to the scalar reference until the Vector API kernels land.) */
final class NormOps {
    private static final ReferenceBackend REFERENCE = new ReferenceBackend();

    private NormOps() {}

    static Tensor groupNorm(Parallel parallel, Tensor x, int groups, Tensor gamma, Tensor beta, float eps, boolean silu) { return REFERENCE.groupNorm(x, groups, gamma, beta, eps, silu); }

    static Tensor layerNorm(Parallel parallel, Tensor x, Tensor gamma, Tensor beta, float eps) { return REFERENCE.layerNorm(x, gamma, beta, eps); }

    static Tensor softmax(Parallel parallel, Tensor x) { return REFERENCE.softmax(x); }
}
