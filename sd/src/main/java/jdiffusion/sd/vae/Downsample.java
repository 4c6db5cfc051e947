package jdiffusion.sd.vae;

import jdiffusion.nn.Conv2d;
import jdiffusion.nn.Weights;
import jdiffusion.tensor.Backend;
import jdiffusion.tensor.Tensor;

/**
 * Stride-2 3x3 conv that halves the resolution. ldm and diffusers pad the VAE encoder asymmetrically — one zero
 * row below and one zero column to the right, none above or left — so the input is padded explicitly and the
 * conv itself pads nothing.
 */
final class Downsample {
    private final Conv2d conv;

    Downsample(Backend backend, Weights w) { this.conv = new Conv2d(backend, w.child("conv"), 2, 0); }

    Tensor forward(Backend b, Tensor x) {
        int batch = x.size(0), channels = x.size(1), height = x.size(2), width = x.size(3);
        Tensor padded = b.concat(3, x, b.zeros(batch, channels, height, 1));
        padded = b.concat(2, padded, b.zeros(batch, channels, 1, width + 1));
        return conv.forward(b, padded);
    }
}
