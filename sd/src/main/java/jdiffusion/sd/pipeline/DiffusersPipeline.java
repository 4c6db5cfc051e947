package jdiffusion.sd.pipeline;

import jdiffusion.sd.controlnet.UNetCall;
import jdiffusion.sd.controlnet.UNetControl;
import jdiffusion.sd.sample.NoiseSchedule;
import jdiffusion.sd.unet.ControlResiduals;
import jdiffusion.sd.sample.diffusers.DdimScheduler;
import jdiffusion.sd.sample.diffusers.TimestepScheduler;
import jdiffusion.tensor.Backend;
import jdiffusion.tensor.Tensor;
import jdiffusion.sd.vae.LatentDistribution;

import java.util.function.Supplier;

/**
 * diffusers' {@code StableDiffusionPipeline} / {@code Img2ImgPipeline} / {@code InpaintPipeline} loops (v0.26) over a
 * {@link TimestepScheduler}, with the caller supplying every random draw (so runs can be compared with diffusers'
 * own). Where the WebUI and diffusers differ, {@link Generator} follows the WebUI; this class follows diffusers:
 * <pre>
 *   prompt embeds = text_encoder(pad77(prompt)) at clip skip (no emphasis, no chunking)
 *   eps = unet(scale(x), t, [uncond; cond]);  eps = eps_u + g (eps_c - eps_u);  x = scheduler.step(eps, t, x)
 *   img2img: x = add_noise(VAE sample, noise, t_start) over the last int(steps * strength) timesteps
 *   inpaint (4-channel UNet): after each step but the last, x = (1 - m) add_noise(init, noise, t_next) + m x
 * </pre>
 */
public final class DiffusersPipeline {
    private final StableDiffusionModel model;
    private final Backend backend;

    public DiffusersPipeline(StableDiffusionModel model) {
        this.model = model;
        this.backend = model.backend();
    }

    /** diffusers' prompt encoding: ids padded (or cut) to 77, the encoder's output at {@code clipSkip} (A1111 numbering). */
    public TextConditioning encode(String prompt, int clipSkip) {
        int[] ids = model.tokenizer().encodePadded(prompt);
        Tensor z = model.textEncoder().encode(backend, new int[][] {ids}, clipSkip);
        return new TextConditioning(backend.toFloatArray(z), ids.length, model.textEncoder().config().hiddenSize());
    }

    /** Sees (and may replace, e.g. for inpainting's blend) the latents after each step. */
    @FunctionalInterface
    public interface StepCallback {
        StepCallback NONE = (i, latents) -> latents;

        float[] afterStep(int step, float[] latents);
    }

    /**
     * The denoising loop from {@code latents} (already noised to the first timestep) over {@code timesteps} (a suffix
     * of the scheduler's for img2img: {@code startIndex} is where it begins).
     */
    public float[] denoise(TimestepScheduler scheduler, int startIndex, float[] latents, TextConditioning cond, TextConditioning uncond,
                           double guidance, int channels, int h, int w, Supplier<float[]> noise, StepCallback callback) {
        return denoise(scheduler, startIndex, latents, cond, uncond, guidance, channels, h, w, noise, callback, (i, n) -> UNetControl.NONE);
    }

    /** Which control step {@code i} of {@code n} gets ({@code StableDiffusionControlNetPipeline}). */
    @FunctionalInterface
    public interface StepControl {
        UNetControl at(int step, int steps);
    }

    /** The loop with ControlNet residuals for each step's UNet call (batch {@code [uncond, cond]}). */
    public float[] denoise(TimestepScheduler scheduler, int startIndex, float[] latents, TextConditioning cond, TextConditioning uncond,
                           double guidance, int channels, int h, int w, Supplier<float[]> noise, StepCallback callback, StepControl control) {
        float[] timesteps = scheduler.timesteps();
        float g = (float) guidance;
        float[] context = new float[cond.values().length * 2];
        System.arraycopy(uncond.values(), 0, context, 0, uncond.values().length);
        System.arraycopy(cond.values(), 0, context, uncond.values().length, cond.values().length);
        Tensor ctx = backend.fromFloats(context, 2, cond.tokens(), cond.dim());
        float[] x = latents;
        int n = x.length;
        for (int i = startIndex; i < timesteps.length; i++) {
            float[] scaled = scheduler.scaleModelInput(x, i);
            float[] in = new float[2 * n];
            System.arraycopy(scaled, 0, in, 0, n);
            System.arraycopy(scaled, 0, in, n, n);
            ControlResiduals residuals = control.at(i, timesteps.length).residuals(
                    new UNetCall(in, 2, channels, h, w, timesteps[i], context, cond.tokens(), cond.dim(), new boolean[] {false, true}));
            float[] out = backend.toFloatArray(model.unet().forward(backend.fromFloats(in, 2, channels, h, w), new float[] {timesteps[i]}, ctx, null, residuals, null));
            if (residuals != null) residuals.release(backend);
            float[] eps = new float[n];
            for (int k = 0; k < n; k++) eps[k] = out[k] + g * (out[n + k] - out[k]);
            x = scheduler.step(eps, i, x, noise);
            x = callback.afterStep(i, x);
        }
        return x;
    }

    /** {@code (mean + std * noise) * scaling}: the VAE posterior sample diffusers draws for img2img and inpainting. */
    public float[] encodeSample(float[] imageChw, int height, int width, float[] noise) {
        LatentDistribution d = model.vae().encode(backend, backend.fromFloats(imageChw, 1, 3, height, width));
        float[] mean = backend.toFloatArray(d.mean()), logvar = backend.toFloatArray(d.logvar());
        float s = model.vaeConfig().scalingFactor();
        float[] out = new float[mean.length];
        for (int i = 0; i < out.length; i++) out[i] = (mean[i] + (float) Math.exp(0.5f * logvar[i]) * noise[i]) * s;
        return out;
    }

    /** The 4-channel inpainting blend after step {@code i}: keep the re-noised original where {@code mask} (latent size, 1 = repaint) is 0. */
    public static float[] blend(float[] latents, float[] imageLatents, float[] noise, float[] mask, NoiseSchedule schedule, float[] timesteps, int i) {
        float[] proper = i < timesteps.length - 1 ? DdimScheduler.addNoise(schedule, imageLatents, noise, (int) timesteps[i + 1]) : imageLatents;
        int plane = mask.length;
        float[] out = new float[latents.length];
        for (int k = 0; k < out.length; k++) {
            float m = mask[k % plane];
            out[k] = (1f - m) * proper[k] + m * latents[k];
        }
        return out;
    }

    /** diffusers' {@code vae.decode(latents / scaling)} then {@code (x / 2 + 0.5).clamp(0, 1)}, {@code [3, H, W]}. */
    public float[] decodeToUnit(float[] latents, int channels, int h, int w) {
        float[] image = backend.toFloatArray(model.vae().decode(backend, backend.fromFloats(latents, 1, channels, h, w)));
        for (int i = 0; i < image.length; i++) image[i] = Math.min(1f, Math.max(0f, image[i] / 2f + 0.5f));
        return image;
    }
}
