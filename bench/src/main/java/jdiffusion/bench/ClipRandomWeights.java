package jdiffusion.bench;

import jdiffusion.sd.clip.ClipParameters;
import jdiffusion.sd.clip.ClipTextConfig;
import jdiffusion.tensor.DType;

/** Every weight of a CLIP text encoder configuration, seeded random ({@link RandomWeights}), under the Hugging Face names. */
public final class ClipRandomWeights extends RandomWeights {
    public ClipRandomWeights(ClipTextConfig config, DType dtype, long seed) { super(ClipParameters.shapes(config), dtype, seed); }
}
