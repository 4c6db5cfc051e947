package jdiffusion.sd.sample;

/** k-diffusion's per-step callback: the state at the start of step {@code i} and that step's x0 prediction. */
@FunctionalInterface
public interface StepListener {
    StepListener NONE = (i, x, sigma, sigmaHat, denoised) -> {};

    void onStep(int step, float[] x, float sigma, float sigmaHat, float[] denoised);
}
