package jdiffusion.sd.sample;

/**
 * Classifier-free guidance as the WebUI applies it, on the denoised (x0) predictions of the
 * conditional and unconditional passes: {@code uncond + (cond - uncond) * (weight * scale)} per image.
 * (diffusers pipelines mix the eps outputs instead; that belongs in their {@link ModelFunction}.)
 */
public final class GuidedDenoiser implements Denoiser {
    private final Denoiser cond, uncond;
    private final float scale;

    public GuidedDenoiser(Denoiser cond, Denoiser uncond, float scale) {
        this.cond = cond;
        this.uncond = uncond;
        this.scale = scale;
    }

    @Override
    public float[] denoise(float[] x, float sigma) {
        float[] c = cond.denoise(x, sigma);
        float[] u = uncond.denoise(x, sigma);
        return combine(c, u, scale);
    }

    /** {@code u + (c - u) * scale}, the WebUI's {@code combine_denoised} for one prompt of weight 1. */
    public static float[] combine(float[] cond, float[] uncond, float scale) {
        if (cond.length != uncond.length)
            throw new SamplingException("guidance: cond has " + cond.length + " values, uncond " + uncond.length);
        float[] out = new float[cond.length];
        for (int i = 0; i < out.length; i++) out[i] = uncond[i] + (cond[i] - uncond[i]) * scale;
        return out;
    }
}
