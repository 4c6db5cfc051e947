package jdiffusion.sd.sample;

/**
 * A guided model that also reports the unconditional half of its last call, for samplers that use it
 * separately (the WebUI's DDIM CFG++ re-noises along the unconditional eps).
 */
public interface GuidedModelFunction extends ModelFunction {
    /** The unconditional prediction from the most recent {@link #predict} call. */
    float[] lastUnconditional();
}
