package jdiffusion.kernels.cpu;

import jdiffusion.kernels.reference.ReferenceBackend;
import jdiffusion.tensor.Tensor;

/** Activations, GEGLU and broadcasting arithmetic. (Placeholder: routes to the scalar reference until the Vector API kernels land.) */
final class ElementwiseOps {
    private static final ReferenceBackend REFERENCE = new ReferenceBackend();

    private ElementwiseOps() {}

    static Tensor gelu(Parallel parallel, Tensor x) { return REFERENCE.gelu(x); }

    static Tensor geluTanh(Parallel parallel, Tensor x) { return REFERENCE.geluTanh(x); }

    static Tensor quickGelu(Parallel parallel, Tensor x) { return REFERENCE.quickGelu(x); }

    static Tensor silu(Parallel parallel, Tensor x) { return REFERENCE.silu(x); }

    static Tensor geglu(Parallel parallel, Tensor x) { return REFERENCE.geglu(x); }

    static Tensor add(Parallel parallel, Tensor a, Tensor b) { return REFERENCE.add(a, b); }

    static Tensor sub(Parallel parallel, Tensor a, Tensor b) { return REFERENCE.sub(a, b); }

    static Tensor mul(Parallel parallel, Tensor a, Tensor b) { return REFERENCE.mul(a, b); }

    static Tensor scale(Parallel parallel, Tensor a, float s) { return REFERENCE.scale(a, s); }
}
