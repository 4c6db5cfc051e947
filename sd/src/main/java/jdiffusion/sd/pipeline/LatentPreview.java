package jdiffusion.sd.pipeline;

import jdiffusion.sd.image.ImageConversion;

/**
 * The WebUI's "Approx cheap" live preview: each latent pixel's 4 channels times a fixed 4x3 matrix gives RGB in
 * [-1, 1], at latent resolution. Good enough to watch a run; not the VAE's image.
 */
public final class LatentPreview {
    private LatentPreview() {}

    // the WebUI's coefficients for SD 1.x/2.x latents (sd_vae_approx.cheap_approximation)
    private static final float[][] SD = {
            {0.298f, 0.207f, 0.208f},
            {0.187f, 0.286f, 0.173f},
            {-0.158f, 0.189f, 0.264f},
            {-0.184f, -0.271f, -0.473f}};

    /** RGB bytes (row-major) of image {@code index} of latents {@code [B, 4, h, w]}. */
    public static byte[] rgb(float[] latents, int index, int channels, int height, int width) {
        if (channels != SD.length) throw new PipelineException("a cheap preview needs 4 latent channels, the model has " + channels);
        int plane = height * width, base = index * channels * plane;
        float[] chw = new float[3 * plane];
        for (int p = 0; p < plane; p++)
            for (int c = 0; c < 3; c++) {
                float v = 0;
                for (int l = 0; l < channels; l++) v += latents[base + l * plane + p] * SD[l][c];
                chw[c * plane + p] = v;
            }
        return ImageConversion.toRgbBytes(chw, 0, height, width);
    }
}
