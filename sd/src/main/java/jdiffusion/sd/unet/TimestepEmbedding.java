package jdiffusion.sd.unet;

import jdiffusion.nn.Linear;
import jdiffusion.nn.Weights;
import jdiffusion.tensor.Backend;
import jdiffusion.tensor.Tensor;

/** {@code linear_2(silu(linear_1(t)))}: the timestep MLP (ldm {@code time_embed.0}, {@code time_embed.2}). */
public final class TimestepEmbedding {
    private final Linear linear1, linear2;

    public TimestepEmbedding(Backend backend, Weights w) {
        this.linear1 = new Linear(backend, w.child("linear_1"));
        this.linear2 = new Linear(backend, w.child("linear_2"));
    }

    /** {@code [B, projDim]} to {@code [B, embedDim]}. */
    public Tensor forward(Backend backend, Tensor projected) {
        Tensor h = linear1.forward(backend, projected);
        Tensor a = backend.silu(h);
        backend.release(h);
        Tensor out = linear2.forward(backend, a);
        backend.release(a);
        return out;
    }

    public int outFeatures() { return linear2.outFeatures(); }
}
