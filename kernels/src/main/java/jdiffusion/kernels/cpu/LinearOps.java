package jdiffusion.kernels.cpu;

import jdiffusion.kernels.reference.ReferenceBackend;
import jdiffusion.tensor.Tensor;

/** Matrix products: {@code linear} and batched {@code matmul}. (Placeholder: routes to the scalar reference until the Vector API kernels land.) */
final class LinearOps {
    private static final ReferenceBackend REFERENCE = new ReferenceBackend();

    private LinearOps() {}

    static Tensor linear(Parallel parallel, Tensor x, Tensor weight, Tensor bias) { return REFERENCE.linear(x, weight, bias); }

    static Tensor matmul(Parallel parallel, Tensor a, Tensor b) { return REFERENCE.matmul(a, b); }
}
