package jdiffusion.sd.upscale;

import jdiffusion.tensor.Backend;
import jdiffusion.tensor.Tensor;

/** The bare network of an upscaler: {@code [1, C, H, W]} in, {@code [1, C', H·s, W·s]} out, no padding or clamping. */
interface UpscaleNetwork {
    Tensor forward(Backend backend, Tensor x);
}
