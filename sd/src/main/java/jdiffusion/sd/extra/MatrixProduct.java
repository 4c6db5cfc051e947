package jdiffusion.sd.extra;

import jdiffusion.tensor.Backend;

/** {@code a [m, k] x b [k, n]} on row-major floats: where the deltas' products run. */
@FunctionalInterface
public interface MatrixProduct {
    float[] multiply(float[] a, float[] b, int m, int k, int n);

    /** Plain loops on the host (small networks, tests). */
    MatrixProduct HOST = HostMath::matmul;

    /** The backend's GEMM: a real LoRA's deltas (rank 32-128 over hundreds of layers) take seconds instead of tens of them. */
    static MatrixProduct on(Backend backend) {
        return (a, b, m, k, n) -> {
            var product = backend.matmul(backend.fromFloats(a, m, k), backend.fromFloats(b, k, n));
            float[] out = backend.toFloatArray(product);
            backend.release(product);
            return out;
        };
    }
}
