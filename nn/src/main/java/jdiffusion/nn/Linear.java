package jdiffusion.nn;

import jdiffusion.tensor.Backend;
import jdiffusion.tensor.Tensor;

/** {@code y = x Wᵀ + b}, weights in their file dtype. */
public final class Linear {
    private final Tensor weight, bias;

    public Linear(Backend backend, Weights w) {
        this.weight = backend.upload(w.get("weight"));
        Tensor b = w.find("bias");
        this.bias = b == null ? null : backend.upload(b);
    }

    public Tensor forward(Backend backend, Tensor x) { return backend.linear(x, weight, bias); }

    public int outFeatures() { return weight.size(0); }

    public int inFeatures() { return weight.size(1); }
}
