package jdiffusion.nn;

import jdiffusion.tensor.Backend;
import jdiffusion.tensor.Tensor;

/** Group normalisation with affine parameters; {@link #forwardSilu} fuses the SiLU that usually follows. */
public final class GroupNorm {
    private final Tensor gamma, beta;
    private final int groups;
    private final float eps;

    public GroupNorm(Backend backend, Weights w, int groups, float eps) {
        this.gamma = backend.upload(w.get("weight"));
        this.beta = backend.upload(w.get("bias"));
        this.groups = groups;
        this.eps = eps;
    }

    public Tensor forward(Backend backend, Tensor x) { return backend.groupNorm(x, groups, gamma, beta, eps, false); }

    public Tensor forwardSilu(Backend backend, Tensor x) { return backend.groupNorm(x, groups, gamma, beta, eps, true); }
}
