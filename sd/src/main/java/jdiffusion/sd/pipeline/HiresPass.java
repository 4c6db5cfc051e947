package jdiffusion.sd.pipeline;

import jdiffusion.sd.checkpoint.ModelVariant;
import jdiffusion.sd.extra.NetworkActivation;
import jdiffusion.sd.image.ImageConversion;
import jdiffusion.sd.prompt.ExtraNetworks;
import jdiffusion.sd.sample.ImageNoise;
import jdiffusion.sd.sample.KDiffusionDenoiser;
import jdiffusion.sd.sample.NoiseSampler;
import jdiffusion.sd.sample.NoiseSchedule;
import jdiffusion.sd.sample.RngSource;
import jdiffusion.sd.sample.SamplerSpec;
import jdiffusion.sd.sample.Samplers;
import jdiffusion.sd.sample.ScheduleType;
import jdiffusion.sd.sample.TimestepSamplerSpec;
import jdiffusion.sd.sample.WebUiImg2Img;
import jdiffusion.sd.sample.WebUiSampler;
import jdiffusion.sd.sample.WebUiTimesteps;
import jdiffusion.sd.upscale.LatentUpscaleMode;
import jdiffusion.sd.upscale.Upscaler;
import jdiffusion.sd.upscale.UpscalerException;
import jdiffusion.sd.vae.LatentDistribution;
import jdiffusion.tensor.Backend;
import jdiffusion.tensor.Tensor;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The second pass of the WebUI's Hires. fix ({@code StableDiffusionProcessingTxt2Img.sample_hr_pass}, 1.10):
 * <pre>
 *   target  = int(size·hr_scale), or hr_resize_x/y (aspect kept; with both, cover then crop the latents)
 *   latents = interpolate(first-pass latents, target / vae factor, latent mode)                 latent upscalers
 *           | 0.18215·sample(VAE(resize_image(uint8(decoded image), target, upscaler)·2 − 1))     pixel upscalers
 *   noise   = a new ImageRNG with the same seeds at the new size (first draw; ancestral draws follow)
 *   steps   = hr_second_pass_steps or steps; full = int(steps / min(strength, 0.999)); t_enc = steps − 1
 *   x       = latents + noise·sigmas_full[full − t_enc − 1];  sample the rest with the hires prompt, sampler, CFG
 * </pre>
 */
final class HiresPass {
    record Result(float[] latents, int height, int width) {}

    private final Generator generator;
    private final Generator.Resolved first;
    private final GenerationParams requested;
    private final HiresFix hires;

    HiresPass(Generator generator, Generator.Resolved first, GenerationParams requested, HiresFix hires) {
        this.generator = generator;
        this.first = first;
        this.requested = requested;
        this.hires = hires;
    }

    Result run(float[] samples, int batch, int channels, int h, int w, long[] seeds, long[] subseeds, List<ExtraNetworks.Parsed> parsed,
               String negativePrompt, NetworkActivation active, PromptEncoder encoder, int firstScheduleSteps,
               Consumer<String> warn, Progress progress, GenerationTrace trace) {
        StableDiffusionModel model = generator.model();
        GenerationParams p = first.params();
        int factor = model.vaeScaleFactor();
        if (!(p.denoisingStrength() >= 0 && p.denoisingStrength() <= 1))
            throw new PipelineException("--denoising-strength must lie in 0..1 for hires fix, got " + p.denoisingStrength());
        HiresFix.Target target = hires.target(p.width(), p.height(), factor);
        if (target.width() < factor || target.height() < factor)
            throw new PipelineException("hires fix target " + target.width() + "x" + target.height() + " is too small");

        // 1. upscale the first pass
        LatentUpscaleMode mode = hires.latentMode();
        float[] up;
        int uh, uw;
        if (mode != null) {
            uh = target.height() / factor;
            uw = target.width() / factor;
            up = mode.resize(samples, batch * channels, h, w, uh, uw);
        } else {
            Upscaler upscaler = checkUpscaler(generator, hires);
            List<float[]> encoded = new ArrayList<>();
            int[] size = new int[2];
            for (int i = 0; i < batch; i++) {
                progress.update(Progress.Phase.DECODE, i, batch);
                RgbImage low = decodeToImage(model, samples, i, channels, h, w);
                RgbImage big = Upscaler.resizeImage(low, target.width(), target.height(), upscaler);
                trace.hires("upscaled_image_uint8/" + i, bytesAsFloats(big.rgb()));
                encoded.add(encode(model, big, i, size, trace));
            }
            uh = size[0];
            uw = size[1];
            up = new float[batch * channels * uh * uw];
            for (int i = 0; i < batch; i++) System.arraycopy(encoded.get(i), 0, up, i * channels * uh * uw, channels * uh * uw);
        }
        trace.hires("upscaled_latents", up);

        // 2. crop what covering both hr_resize values added
        int ty = target.truncateY(), tx = target.truncateX();
        int y0 = ty / 2, y1 = uh - (ty + 1) / 2, x0 = tx / 2, x1 = uw - (tx + 1) / 2;
        float[] init = crop(up, batch * channels, uh, uw, y0, y1, x0, x1);
        int H = y1 - y0, W = x1 - x0;
        trace.hires("hires.init_latents", init);

        // 3. the img2img pass
        Samplers.Choice choice = Samplers.resolve(hires.sampler() != null ? hires.sampler() : p.sampler());
        WebUiSampler sampler = choice.sampler();
        ScheduleType schedule = hires.schedule() != null ? hires.schedule() : requested.schedule();
        if (schedule == ScheduleType.AUTOMATIC) schedule = choice.schedule();
        boolean secondOrder = sampler instanceof SamplerSpec s && s.secondOrder();
        boolean usesEnsd = sampler instanceof SamplerSpec s && s.usesEnsd();
        int steps = hires.secondPassSteps() > 0 ? hires.secondPassSteps() : p.steps();
        int hiresScheduleSteps = secondOrder ? 2 * steps : steps;

        int resizeH = p.seedResizeFromH() > 0 && p.seedResizeFromW() > 0 ? p.seedResizeFromH() / factor : 0;
        int resizeW = p.seedResizeFromH() > 0 && p.seedResizeFromW() > 0 ? p.seedResizeFromW() / factor : 0;
        ImageNoise noise = new ImageNoise(p.rng(), channels, H, W, seeds, subseeds, (float) p.subseedStrength(), resizeH, resizeW,
                usesEnsd ? p.ensd() : 0L);
        float[] x = noise.first();
        trace.hires("hires.noise", x);

        List<List<WeightedSchedule>> conds = new ArrayList<>(batch);
        for (int i = 0; i < batch; i++) {
            String prompt = hires.prompt().isEmpty() ? parsed.get(i).prompt()
                    : ExtraNetworks.parse(generator.networks().expandWildcards(hires.prompt(), seeds[i], warn)).prompt();
            conds.add(generator.multiConditioning(encoder, active, prompt, firstScheduleSteps, hiresScheduleSteps, p.clipSkip()));
        }
        String negative = hires.negativePrompt().isEmpty() ? negativePrompt : hires.negativePrompt();
        ConditioningSchedule uncond = generator.conditioning(encoder, active, negative, firstScheduleSteps, hiresScheduleSteps, p.clipSkip());
        trace.hires("hires.cond0", conds.getFirst().getFirst().schedule().entries().getFirst().conditioning().values());
        trace.hires("hires.uncond", uncond.entries().getFirst().conditioning().values());

        double cfg = Double.isNaN(hires.cfgScale()) ? p.cfgScale() : hires.cfgScale();
        if (sampler instanceof TimestepSamplerSpec ts) cfg *= ts.guidanceScaleFactor();
        float[] imageConditioning = model.variant() == ModelVariant.INPAINTING ? Img2ImgSetup.forTxt2Img(model, channels, H, W, batch) : null;
        WebUiGuidance guidance = new WebUiGuidance(model, active.unet(), conds, Collections.nCopies(batch, uncond), cfg, channels, H, W,
                imageConditioning, imageConditioning == null ? 0 : channels + 1);
        WebUiImg2Img img2img = WebUiImg2Img.of(steps, p.denoisingStrength(), true);
        GenerationTrace stepTrace = new GenerationTrace() {
            @Override public void stepInput(int step, float[] xi) { trace.hires(String.format("hires.step%02d.x", step), xi); }
        };

        float[] out;
        if (sampler instanceof TimestepSamplerSpec ts) {
            NoiseSchedule ns = model.denoiser().schedule();
            int[] timesteps = ts.timesteps(ns, img2img.steps());
            float[] start = WebUiTimesteps.noiseToTimestep(ns, init, x, timesteps[img2img.tEnc()]);
            timesteps = img2img.timestepSchedule(timesteps);
            int n = Math.max(1, timesteps.length - 1);
            progress.update(Progress.Phase.SAMPLE, 0, n);
            out = ts.create(ns).sample(guidance.epsModel(ns, model.denoiser().prediction()), start, timesteps, noise,
                    Generator.listener(stepTrace, progress, n, channels, H, W));
        } else {
            SamplerSpec spec = (SamplerSpec) sampler;
            KDiffusionDenoiser kd = spec.denoiser(model.denoiser().schedule(), model.denoiser().prediction());
            float[] full = spec.sigmas(kd, img2img.steps(), schedule);
            float[] sigmas = img2img.sigmaSchedule(full);
            trace.hires("hires.sigmas_full", full);
            trace.hires("hires.sigma_sched", sigmas);
            float[] start = WebUiImg2Img.noised(init, x, sigmas[0]);
            trace.hires("hires.xi", start);
            NoiseSampler noiseSampler = spec.noiseSampler(noise, RngSource.GPU, channels, H, W, noise.seeds(), full);
            int n = sigmas.length - 1;
            progress.update(Progress.Phase.SAMPLE, 0, n);
            out = spec.create().sample(guidance.denoiser(kd), start, sigmas, noiseSampler, Generator.listener(stepTrace, progress, n, channels, H, W));
        }
        return new Result(out, H, W);
    }

    /** The pixel upscaler the hires fix names (null for a latent mode); a {@link PipelineException} naming the choices when there is none. */
    static Upscaler checkUpscaler(Generator generator, HiresFix hires) {
        if (hires.latentMode() != null) return null;
        try {
            return generator.upscalers().get(hires.upscaler(), hires.tile(), hires.tileOverlap());
        } catch (UpscalerException e) {
            throw new PipelineException("--hr-upscaler: " + e.getMessage(), e);
        }
    }

    /** The first pass's image as the WebUI hands it to the upscaler: {@code uint8(255·clamp((x + 1)/2))}, truncated. */
    private static RgbImage decodeToImage(StableDiffusionModel model, float[] latents, int index, int channels, int h, int w) {
        Backend b = model.backend();
        int n = channels * h * w;
        Tensor image = model.vae().decode(b, b.fromFloats(java.util.Arrays.copyOfRange(latents, index * n, (index + 1) * n), 1, channels, h, w));
        float[] chw = b.toFloatArray(image);
        b.release(image);
        Generator.checkFinite(chw, "the VAE decoder's output");
        return new RgbImage(ImageConversion.toRgbBytes(chw, 0, image.size(2), image.size(3)), image.size(3), image.size(2));
    }

    /** {@code images_tensor_to_samples}: one image encoded, its posterior sampled (the mean unless a trace supplies ε), times the scaling factor. */
    private static float[] encode(StableDiffusionModel model, RgbImage image, int index, int[] size, GenerationTrace trace) {
        Backend b = model.backend();
        int hw = image.width() * image.height();
        float[] chw = new float[3 * hw];
        byte[] rgb = image.rgb();
        for (int i = 0; i < hw; i++)
            for (int c = 0; c < 3; c++) chw[c * hw + i] = (rgb[3 * i + c] & 0xff) / 255f * 2f - 1f;
        LatentDistribution d = model.vae().encode(b, b.fromFloats(chw, 1, 3, image.height(), image.width()));
        float[] mean = b.toFloatArray(d.mean()), logvar = b.toFloatArray(d.logvar());
        size[0] = d.mean().size(2);
        size[1] = d.mean().size(3);
        float[] eps = trace.hiresPosteriorNoise(index, mean.length);
        float scale = model.vaeConfig().scalingFactor();
        float[] z = new float[mean.length];
        for (int i = 0; i < z.length; i++) {
            float v = mean[i];
            if (eps != null) v += (float) Math.exp(0.5 * logvar[i]) * eps[i];
            z[i] = v * scale;
        }
        Generator.checkFinite(z, "the VAE encoder's output");
        return z;
    }

    private static float[] crop(float[] x, int planes, int h, int w, int y0, int y1, int x0, int x1) {
        if (y0 == 0 && x0 == 0 && y1 == h && x1 == w) return x;
        int oh = y1 - y0, ow = x1 - x0;
        float[] out = new float[planes * oh * ow];
        for (int p = 0; p < planes; p++)
            for (int y = 0; y < oh; y++) System.arraycopy(x, (p * h + y0 + y) * w + x0, out, (p * oh + y) * ow, ow);
        return out;
    }

    private static float[] bytesAsFloats(byte[] b) {
        float[] f = new float[b.length];
        for (int i = 0; i < b.length; i++) f[i] = b[i] & 0xff;
        return f;
    }

    /** The hires entries added to an image's infotext, before the networks' entries and Version. */
    static void addInfotext(Map<String, String> params, HiresFix hires, GenerationParams p) {
        String version = params.remove("Version");
        params.putAll(hires.infotext(p));
        if (version != null) params.put("Version", version);
    }
}
