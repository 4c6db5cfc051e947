package jdiffusion.nn;

import jdiffusion.tensor.Backend;
import jdiffusion.tensor.Tensor;

/** Layer normalisation over the last dimension. */
public final class LayerNorm {
    private final Tensor gamma, beta;
    private final float eps;

    public LayerNorm(Backend backend, Weights w, float eps) {
        this.gamma = backend.upload(w.get("weight"));
        this.beta = backend.upload(w.get("bias"));
        this.eps = eps;
    }

    public Tensor forward(Backend backend, Tensor x) { return backend.layerNorm(x, gamma, beta, eps); }
}
