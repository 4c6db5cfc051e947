package jdiffusion.sd.pipeline;

import jdiffusion.sd.checkpoint.ModelVariant;
import jdiffusion.sd.image.ImageConversion;
import jdiffusion.sd.sample.ImageNoise;
import jdiffusion.tensor.Backend;
import jdiffusion.tensor.Tensor;

import java.util.Arrays;

/**
 * One img2img/inpaint batch as the WebUI's k-diffusion {@code sample_img2img} runs it:
 * <pre>
 *   init   = VAE(image)  (the posterior's mean: the WebUI samples it, with a variance that is negligible for SD's VAE)
 *   t_enc  = int(min(strength, 0.999) * steps);  sigmas = full schedule[steps - t_enc - 1 :]
 *   x      = init + noise * sigmas[0]
 *   with a mask (white = repaint): masked content "latent noise"/"latent nothing" replaces init under the mask,
 *   every denoised prediction is blended back to init outside it, and so is the result.
 * </pre>
 * For 9-channel inpainting models the UNet also gets [mask, latents of the image with the masked area zeroed]
 * (mask 1 everywhere without a mask; {@link #forTxt2Img} for txt2img).
 */
final class Img2ImgSetup {
    private final float[] initLatent;
    private final float[] keepMask;
    private final float[] imageConditioning;

    private Img2ImgSetup(float[] initLatent, float[] keepMask, float[] imageConditioning) {
        this.initLatent = initLatent;
        this.keepMask = keepMask;
        this.imageConditioning = imageConditioning;
    }

    static Img2ImgSetup prepare(StableDiffusionModel model, InitImage init, GenerationParams p, long[] firstSeeds,
                                int channels, int h, int w, int batch) {
        RgbImage image = init.image();
        float[] source = ImageConversion.toModelRange(image.rgb(), image.height(), image.width());
        float[] latent = encode(model, source, image.height(), image.width());
        int n = channels * h * w, plane = h * w;
        float[] keep = null, fullMask = null;
        if (init.mask() != null) {
            // the WebUI resizes the (blurred, resized) mask to latent size with Pillow's default bicubic, then rounds it
            byte[] small = PilResample.resize(init.mask(), image.width(), image.height(), 1, w, h, PilResample.Filter.BICUBIC);
            keep = new float[plane];
            for (int i = 0; i < plane; i++) keep[i] = 1f - Math.round((small[i] & 0xff) / 255f);
            fullMask = new float[image.width() * image.height()];
            for (int i = 0; i < fullMask.length; i++) fullMask[i] = Math.round((init.mask()[i] & 0xff) / 255f);
            switch (p.maskedContent()) {
                case ORIGINAL, FILL -> {}
                case LATENT_NOISE -> {
                    float[] noise = new ImageNoise(p.rng(), channels, h, w, firstSeeds).first();
                    latent = tile(latent, batch);
                    for (int b = 0; b < batch; b++)
                        for (int c = 0; c < channels; c++)
                            for (int i = 0; i < plane; i++) {
                                int k = b * n + c * plane + i;
                                latent[k] = latent[k] * keep[i] + noise[k] * (1f - keep[i]);
                            }
                }
                case LATENT_NOTHING -> {
                    for (int c = 0; c < channels; c++) for (int i = 0; i < plane; i++) latent[c * plane + i] *= keep[i];
                }
            }
        }
        if (latent.length == n) latent = tile(latent, batch);
        float[] cond = model.variant() == ModelVariant.INPAINTING
                ? inpaintingConditioning(model, source, fullMask, image.height(), image.width(), channels, h, w, batch) : null;
        return new Img2ImgSetup(latent, keep, cond);
    }

    /** A 9-channel model in txt2img: mask 1 everywhere and the latents of a mid-grey (0 in model range) image. */
    static float[] forTxt2Img(StableDiffusionModel model, int channels, int h, int w, int batch) {
        int f = model.vaeScaleFactor();
        return inpaintingConditioning(model, new float[3 * h * f * w * f], null, h * f, w * f, channels, h, w, batch);
    }

    /** The WebUI's {@code inpainting_image_conditioning}: [mask (nearest to latent size), VAE(source * (1 - mask))] per image. */
    private static float[] inpaintingConditioning(StableDiffusionModel model, float[] source, float[] mask, int height, int width,
                                                  int channels, int h, int w, int batch) {
        int plane = height * width;
        float[] masked = new float[source.length];
        for (int c = 0; c < 3; c++)
            for (int i = 0; i < plane; i++) masked[c * plane + i] = mask == null ? 0f : source[c * plane + i] * (1f - mask[i]);
        float[] latent = encode(model, masked, height, width);
        int lp = h * w, k = 1 + channels;
        float[] out = new float[batch * k * lp];
        for (int b = 0; b < batch; b++) {
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++) {
                    int sy = (int) Math.floor(y * ((double) height / h)), sx = (int) Math.floor(x * ((double) width / w));
                    out[b * k * lp + y * w + x] = mask == null ? 1f : mask[sy * width + sx];
                }
            System.arraycopy(latent, 0, out, b * k * lp + lp, channels * lp);
        }
        return out;
    }

    private static float[] encode(StableDiffusionModel model, float[] chw, int height, int width) {
        Backend b = model.backend();
        Tensor latents = model.vae().encodeToLatents(b, b.fromFloats(chw, 1, 3, height, width));
        float[] out = b.toFloatArray(latents);
        Generator.checkFinite(out, "the VAE encoder's output");
        return out;
    }

    private static float[] tile(float[] one, int batch) {
        float[] out = new float[one.length * batch];
        for (int b = 0; b < batch; b++) System.arraycopy(one, 0, out, b * one.length, one.length);
        return out;
    }

    /** With a mask, the result is the init latents outside it. */
    float[] finish(float[] samples) {
        if (keepMask == null) return samples;
        int plane = keepMask.length;
        float[] out = new float[samples.length];
        for (int i = 0; i < out.length; i++) {
            float keep = keepMask[i % plane];
            out[i] = samples[i] * (1f - keep) + initLatent[i] * keep;
        }
        return out;
    }

    float[] initLatent() { return initLatent; }
    float[] keepMask() { return keepMask; }
    float[] imageConditioning() { return imageConditioning; }
}
