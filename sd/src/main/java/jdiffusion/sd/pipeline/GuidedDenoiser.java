package jdiffusion.sd.pipeline;

import jdiffusion.sd.sample.Denoiser;
import jdiffusion.sd.sample.KDiffusionDenoiser;
import jdiffusion.sd.unet.UNet;
import jdiffusion.tensor.Backend;
import jdiffusion.tensor.Tensor;

import java.util.List;

/**
 * Classifier-free guidance as the WebUI's {@code CFGDenoiser} applies it around k-diffusion's CompVis denoiser:
 * <pre>
 *   x_in = [x; x]  context = [cond(step); uncond(step)]        (one UNet batch when both have the same token count,
 *   d    = D(x_in, sigma)                                        else the cond and the uncond halves separately)
 *   denoised = d_uncond + (d_cond - d_uncond) * cfg
 *   inpainting with a normal model: denoised = init * keep + denoised * (1 - keep)
 * </pre>
 * {@code step} counts denoiser calls (not sampler steps), which is what the WebUI's prompt-editing schedules index.
 * Each image of the batch has its own schedules; a 9-channel inpainting UNet also gets the image conditioning
 * ({@code [mask, masked-image latents]} per image) appended to its input channels.
 */
final class GuidedDenoiser implements Denoiser {
    private final Backend backend;
    private final UNet unet;
    private final KDiffusionDenoiser kdiffusion;
    private final List<ConditioningSchedule> conds, unconds;
    private final float cfgScale;
    private final int channels, height, width;
    private final float[] imageConditioning;
    private final int conditioningChannels;
    private float[] initLatent, keepMask;
    private int step;

    /**
     * @param imageConditioning per-image extra UNet input {@code [B, k, h, w]} (9-channel inpainting: k = 5), or null
     */
    GuidedDenoiser(StableDiffusionModel model, List<ConditioningSchedule> conds, List<ConditioningSchedule> unconds, double cfgScale,
                   int channels, int height, int width, float[] imageConditioning, int conditioningChannels) {
        if (conds.size() != unconds.size()) throw new IllegalArgumentException("one cond and one uncond schedule per image");
        this.backend = model.backend();
        this.unet = model.unet();
        this.kdiffusion = model.denoiser();
        this.conds = List.copyOf(conds);
        this.unconds = List.copyOf(unconds);
        this.cfgScale = (float) cfgScale;
        this.channels = channels;
        this.height = height;
        this.width = width;
        this.imageConditioning = imageConditioning;
        this.conditioningChannels = conditioningChannels;
    }

    /** Normal-model inpainting: after each call keep {@code init} where {@code keep} is 1 ({@code keep} is {@code [B or 1, 1, h, w]}). */
    void blendWith(float[] initLatent, float[] keepMask) {
        this.initLatent = initLatent;
        this.keepMask = keepMask;
    }

    int calls() { return step; }

    @Override
    public float[] denoise(float[] x, float sigma) {
        int batch = conds.size(), n = channels * height * width;
        if (x.length != batch * n) throw new IllegalArgumentException("latents hold " + x.length + " values, expected " + batch * n);
        TextConditioning[] c = new TextConditioning[batch], u = new TextConditioning[batch];
        boolean sameLength = true;
        for (int i = 0; i < batch; i++) {
            c[i] = conds.get(i).at(step);
            u[i] = unconds.get(i).at(step);
            sameLength &= c[i].tokens() == c[0].tokens() && u[i].tokens() == c[0].tokens();
        }
        float[] dCond, dUncond;
        if (sameLength) {
            float[] xIn = new float[2 * batch * n];
            System.arraycopy(x, 0, xIn, 0, batch * n);
            System.arraycopy(x, 0, xIn, batch * n, batch * n);
            TextConditioning[] both = new TextConditioning[2 * batch];
            System.arraycopy(c, 0, both, 0, batch);
            System.arraycopy(u, 0, both, batch, batch);
            float[] out = kdiffusion.denoise(xIn, sigma, (input, t) -> unet(input, t, both, 2));
            dCond = java.util.Arrays.copyOfRange(out, 0, batch * n);
            dUncond = java.util.Arrays.copyOfRange(out, batch * n, 2 * batch * n);
        } else {
            dCond = kdiffusion.denoise(x, sigma, (input, t) -> unet(input, t, c, 1));
            dUncond = kdiffusion.denoise(x, sigma, (input, t) -> unet(input, t, u, 1));
        }
        float[] denoised = new float[batch * n];
        for (int i = 0; i < denoised.length; i++) denoised[i] = dUncond[i] + (dCond[i] - dUncond[i]) * cfgScale;
        if (keepMask != null) blend(denoised);
        step++;
        return denoised;
    }

    private void blend(float[] denoised) {
        int n = channels * height * width, plane = height * width;
        int maskImages = keepMask.length / plane;
        for (int b = 0; b < conds.size(); b++)
            for (int ch = 0; ch < channels; ch++)
                for (int p = 0; p < plane; p++) {
                    int i = b * n + ch * plane + p;
                    float keep = keepMask[(maskImages == 1 ? 0 : b) * plane + p];
                    denoised[i] = initLatent[i] * keep + (1f - keep) * denoised[i];
                }
    }

    /** The UNet on {@code input} ([repeats x B, C, h, w]) with each sample's context; contexts must share a token count. */
    private float[] unet(float[] input, float t, TextConditioning[] contexts, int repeats) {
        int samples = contexts.length, n = channels * height * width;
        int tokens = contexts[0].tokens(), dim = contexts[0].dim();
        float[] ctx = new float[samples * tokens * dim];
        for (int i = 0; i < samples; i++) System.arraycopy(contexts[i].values(), 0, ctx, i * tokens * dim, tokens * dim);
        Tensor sample;
        if (imageConditioning == null) {
            sample = backend.fromFloats(input, samples, channels, height, width);
        } else {
            int k = conditioningChannels, plane = height * width, images = samples / repeats;
            float[] in = new float[samples * (channels + k) * plane];
            for (int s = 0; s < samples; s++) {
                System.arraycopy(input, s * n, in, s * (channels + k) * plane, n);
                System.arraycopy(imageConditioning, (s % images) * k * plane, in, s * (channels + k) * plane + n, k * plane);
            }
            sample = backend.fromFloats(in, samples, channels + k, height, width);
        }
        Tensor out = unet.forward(sample, new float[] {t}, backend.fromFloats(ctx, samples, tokens, dim));
        float[] result = backend.toFloatArray(out);
        for (float v : result)
            if (!Float.isFinite(v))
                throw new PipelineException("the UNet produced NaN or infinite values at denoiser call " + (step + 1)
                        + " (t=" + t + "): the model weights or the settings (CFG scale, sampler) are broken for this model");
        return result;
    }
}
