package jdiffusion.sd.unet;

import jdiffusion.nn.Conv2d;
import jdiffusion.nn.Weights;
import jdiffusion.tensor.Backend;
import jdiffusion.tensor.Tensor;

/** diffusers {@code Downsample2D} with a conv: 3x3, stride 2, padding 1, so H becomes ceil(H/2) (10x14 to 5x7 to 3x4). */
public final class Downsample {
    private final Conv2d conv;

    public Downsample(Backend backend, Weights w) { this.conv = new Conv2d(backend, w.child("conv"), 2, 1); }

    public Tensor forward(Backend backend, Tensor x) { return conv.forward(backend, x); }
}
