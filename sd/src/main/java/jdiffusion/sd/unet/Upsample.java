package jdiffusion.sd.unet;

import jdiffusion.nn.Conv2d;
import jdiffusion.nn.Weights;
import jdiffusion.tensor.Backend;
import jdiffusion.tensor.Tensor;

/**
 * diffusers {@code Upsample2D} with a conv: nearest resize, then 3x3 conv. The target is normally 2x, but
 * the skip connection's size when the latent was not a multiple of the total downsampling (diffusers'
 * {@code forward_upsample_size}), so a 3x4 map comes back as 5x7 rather than 6x8.
 */
public final class Upsample {
    private final Conv2d conv;

    public Upsample(Backend backend, Weights w) { this.conv = new Conv2d(backend, w.child("conv")); }

    public Tensor forward(Backend backend, Tensor x, int outH, int outW) {
        Tensor up = backend.upsampleNearest(x, outH, outW);
        Tensor out = conv.forward(backend, up);
        backend.release(up);
        return out;
    }
}
