package jdiffusion.sd.unet;

import jdiffusion.nn.Linear;
import jdiffusion.nn.Weights;
import jdiffusion.tensor.Backend;
import jdiffusion.tensor.Tensor;

/** diffusers {@code FeedForward} with GEGLU: {@code net.2(geglu(net.0.proj(x)))}, inner width 4x. */
public final class FeedForward {
    private final Linear proj, out;

    public FeedForward(Backend backend, Weights w) {
        this.proj = new Linear(backend, w.child("net").child(0).child("proj"));
        this.out = new Linear(backend, w.child("net").child(2));
    }

    public Tensor forward(Backend backend, Tensor x) {
        Tensor h = proj.forward(backend, x);
        Tensor g = backend.geglu(h);
        backend.release(h);
        Tensor y = out.forward(backend, g);
        backend.release(g);
        return y;
    }
}
