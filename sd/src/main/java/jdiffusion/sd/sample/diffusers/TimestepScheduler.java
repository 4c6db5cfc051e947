package jdiffusion.sd.sample.diffusers;

import java.util.function.Supplier;

/**
 * A diffusers-style scheduler after {@code set_timesteps(n)}: the pipeline loop is
 * <pre>
 *   x = noise * initNoiseSigma()
 *   for i in 0 .. timesteps().length-1:
 *       out = unet(scaleModelInput(x, i), timesteps()[i])   // eps or v, CFG applied by the pipeline
 *       x = step(out, i, x, noise)
 * </pre>
 * Instances are stateful (multistep history) and must be stepped in order; create one per run.
 * {@code noise} supplies the next draw of the run's step generator, shaped like the sample; schedulers
 * that add noise (or, like diffusers' Euler, draw unused noise) call it.
 */
public interface TimestepScheduler {
    /** The timesteps given to the model, in call order (integers for discrete schedulers). */
    float[] timesteps();

    float initNoiseSigma();

    float[] scaleModelInput(float[] sample, int stepIndex);

    float[] step(float[] modelOutput, int stepIndex, float[] sample, Supplier<float[]> noise);

    /** Model calls per denoising step as diffusers counts it (Heun: 2), for img2img slicing. */
    default int order() { return 1; }
}
