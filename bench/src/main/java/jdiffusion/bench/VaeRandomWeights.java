package jdiffusion.bench;

import jdiffusion.sd.vae.VaeConfig;
import jdiffusion.sd.vae.VaeParameters;
import jdiffusion.tensor.DType;

/** Every weight of a VAE configuration, seeded random ({@link RandomWeights}), under the diffusers names. */
public final class VaeRandomWeights extends RandomWeights {
    public VaeRandomWeights(VaeConfig config, DType dtype, long seed) { super(VaeParameters.shapes(config), dtype, seed); }
}
