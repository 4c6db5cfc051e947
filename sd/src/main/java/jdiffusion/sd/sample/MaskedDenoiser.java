package jdiffusion.sd.sample;

/**
 * The WebUI's inpainting blend for k-diffusion samplers ({@code CFGDenoiser}, blend after denoising):
 * {@code denoised * (1 - keep) + initLatent * keep}, where {@code keep} is 1 where the original image is
 * kept (the WebUI's {@code mask}) and 0 where it is repainted. {@code keep} has one value per latent
 * element or one per pixel of a single channel plane, shared across channels and images.
 */
public final class MaskedDenoiser implements Denoiser {
    private final Denoiser inner;
    private final float[] initLatent;
    private final float[] keep;

    public MaskedDenoiser(Denoiser inner, float[] initLatent, float[] keep) {
        if (keep.length == 0 || initLatent.length % keep.length != 0)
            throw new SamplingException("inpaint mask of " + keep.length + " values does not tile latents of " + initLatent.length);
        this.inner = inner;
        this.initLatent = initLatent.clone();
        this.keep = keep.clone();
    }

    @Override
    public float[] denoise(float[] x, float sigma) {
        float[] d = inner.denoise(x, sigma);
        if (d.length != initLatent.length)
            throw new SamplingException("inpaint: " + d.length + " latents but an initial latent of " + initLatent.length);
        float[] out = new float[d.length];
        for (int i = 0; i < d.length; i++) {
            float m = keep[i % keep.length];
            out[i] = d[i] * (1f - m) + initLatent[i] * m;
        }
        return out;
    }
}
