package jdiffusion.bench;

import jdiffusion.sd.unet.UNetConfig;
import jdiffusion.sd.unet.UNetParameters;
import jdiffusion.tensor.DType;

/** Every weight of a UNet configuration, seeded random ({@link RandomWeights}), under the diffusers names. */
public final class UNetRandomWeights extends RandomWeights {
    public UNetRandomWeights(UNetConfig config, DType dtype, long seed) { super(UNetParameters.shapes(config), dtype, seed); }
}
