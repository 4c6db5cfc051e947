package jdiffusion.sd.vae;

import jdiffusion.nn.Conv2d;
import jdiffusion.nn.Weights;
import jdiffusion.tensor.Backend;
import jdiffusion.tensor.Tensor;

/** Nearest-neighbour 2x then a 3x3 conv. */
final class Upsample {
    private final Conv2d conv;

    Upsample(Backend backend, Weights w) { this.conv = new Conv2d(backend, w.child("conv")); }

    Tensor forward(Backend b, Tensor x) { return conv.forward(b, b.upsampleNearest(x, 2 * x.size(2), 2 * x.size(3))); }
}
