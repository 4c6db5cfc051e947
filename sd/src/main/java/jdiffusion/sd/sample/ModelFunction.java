package jdiffusion.sd.sample;

/**
 * The raw network call a sampler needs: {@code output = unet(modelInput, t)} for a whole batch, where
 * the output is the eps or v prediction (see {@link Prediction}). The pipeline puts classifier-free
 * guidance inside (running the conditional and unconditional passes and mixing them), so the samplers
 * see one function of (x, t).
 */
@FunctionalInterface
public interface ModelFunction {
    /**
     * @param modelInput the scaled latents, {@code [B, C, H, W]} flattened
     * @param timestep   the (possibly fractional) training timestep, the same for every image of the batch
     * @return the prediction, same layout as {@code modelInput}
     */
    float[] predict(float[] modelInput, float timestep);
}
