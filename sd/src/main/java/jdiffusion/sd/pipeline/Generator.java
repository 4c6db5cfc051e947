package jdiffusion.sd.pipeline;

import jdiffusion.sd.checkpoint.ModelVariant;
import jdiffusion.sd.controlnet.ControlNetSetup;
import jdiffusion.sd.controlnet.ControlUnit;
import jdiffusion.sd.controlnet.WebUiControl;
import jdiffusion.sd.image.ImageConversion;
import jdiffusion.sd.image.InfoText;
import jdiffusion.sd.extra.ExtraNetworkLibrary;
import jdiffusion.sd.extra.ModelsFolder;
import jdiffusion.sd.extra.NetworkActivation;
import jdiffusion.sd.prompt.ExtraNetworks;
import jdiffusion.sd.unet.UNet;
import jdiffusion.sd.sample.ImageNoise;
import jdiffusion.sd.sample.KDiffusionDenoiser;
import jdiffusion.sd.sample.NoiseSampler;
import jdiffusion.sd.sample.NoiseSchedule;
import jdiffusion.sd.sample.RngSource;
import jdiffusion.sd.sample.SamplerSpec;
import jdiffusion.sd.sample.Samplers;
import jdiffusion.sd.sample.ScheduleType;
import jdiffusion.sd.sample.StepListener;
import jdiffusion.sd.sample.TimestepSamplerSpec;
import jdiffusion.sd.sample.WebUiImg2Img;
import jdiffusion.sd.sample.WebUiSampler;
import jdiffusion.sd.sample.WebUiTimesteps;
import jdiffusion.sd.upscale.UpscalerLibrary;
import jdiffusion.tensor.Backend;
import jdiffusion.tensor.Tensor;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Text-to-image as the WebUI 1.10 runs it with a k-diffusion sampler:
 * <pre>
 *   seeds   = seed + i for image i (all images share the seed when a variation seed is mixed in)
 *   noise   = ImageRNG(seeds, subseeds, strength)                     GPU (Philox) or CPU (mt19937) source
 *   sigmas  = sampler's schedule (Automatic = the sampler's default)   from the model's alphas_cumprod
 *   x       = noise * sigmas[0];  x = sampler(CFG(UNet), x, sigmas)    ancestral noise = next draws per image
 *   image   = uint8(255 * clamp((VAE(x) + 1) / 2, 0, 1))               truncation
 * </pre>
 * The latent size is the image size divided by the VAE's own downsampling factor.
 */
public final class Generator {
    private final StableDiffusionModel model;
    private final Map<String, ConditioningSchedule> cache = new HashMap<>();
    private final Map<String, List<WeightedSchedule>> multiCache = new HashMap<>();
    // extra networks hook (sd.extra): LoRA/hypernetwork tags, embeddings and wildcards; one prompt encoder per network set
    private final ExtraNetworkLibrary networks;
    private final Map<String, PromptEncoder> encoders = new HashMap<>();
    private Refiner refiner;
    private boolean refinerUsed;
    // hires fix (sd.upscale): the pixel upscalers of the models folder, loaded on first use
    private final UpscalerLibrary upscalers;

    public Generator(StableDiffusionModel model) { this(model, null); }

    /**
     * With extra networks from a WebUI folder ({@code models/Lora}, {@code embeddings/}, {@code wildcards/} ...; null for
     * none): {@code <lora:...>}/{@code <hypernet:...>} tags, embedding names and {@code __wildcards__} in prompts.
     */
    public Generator(StableDiffusionModel model, ModelsFolder folder) {
        this.model = model;
        // SDXL runs without extra networks for now: its LoRAs and embeddings need the SDXL-aware library
        this.networks = model.isSdxl() ? null : new ExtraNetworkLibrary(folder, model.backend(), model.checkpoint(), model.name(),
                model.tokenizer(), model.textEncoder(), model.unet());
        this.upscalers = UpscalerLibrary.of(model.backend(), folder);
    }

    /** The upscalers hires fix can use by name (built-ins and the models folder's ESRGAN / Real-ESRGAN files). */
    public UpscalerLibrary upscalers() { return upscalers; }

    /** The extra networks of an SD1/SD2 model; null for SDXL. */
    public ExtraNetworkLibrary networks() { return networks; }

    private PromptEncoder encoder(NetworkActivation a) {
        // only the current network set's encoder is kept: a patched text encoder holds F32 copies of its weights
        if (!encoders.containsKey(a.key())) encoders.clear();
        return encoders.computeIfAbsent(a.key(), k -> new PromptEncoder(model.backend(), model.tokenizer(), a.textEncoder(), a.embeddings()));
    }

    public StableDiffusionModel model() { return model; }

    /** Hands sampling over to {@code refiner} (null: none) as the WebUI's "Refiner" does; SDXL models only. */
    public void useRefiner(Refiner refiner) {
        if (refiner != null && !model.isSdxl())
            throw new PipelineException("a refiner needs an SDXL base model; " + model.name() + " is not one");
        this.refiner = refiner;
    }

    /** The sampler and schedule a request resolves to, with its name normalised to the WebUI label. */
    record Resolved(GenerationParams params, WebUiSampler sampler, ScheduleType schedule) {
        SamplerSpec kdiffusion() { return sampler instanceof SamplerSpec s ? s : null; }

        boolean secondOrder() { return sampler instanceof SamplerSpec s && s.secondOrder(); }

        boolean usesEnsd() { return sampler instanceof SamplerSpec s && s.usesEnsd(); }
    }

    /** Checks a request and resolves its sampler and random seeds; throws {@link PipelineException} with the fix. */
    public GenerationParams resolve(GenerationParams p) { return resolveSampler(p).params(); }

    Resolved resolveSampler(GenerationParams p) {
        Samplers.Choice choice = Samplers.resolve(p.sampler());
        ScheduleType schedule = p.schedule() == ScheduleType.AUTOMATIC ? choice.schedule() : p.schedule();
        checkSize(p.width(), p.height());
        if (p.steps() < 1) throw new PipelineException("--steps must be at least 1, got " + p.steps());
        if (p.batchSize() < 1 || p.batchCount() < 1) throw new PipelineException("batch size and batch count must be at least 1");
        if (p.clipSkip() < 1) throw new PipelineException("--clip-skip must be at least 1, got " + p.clipSkip());
        GenerationParams.Builder b = p.toBuilder();
        b.sampler = choice.sampler().label();
        b.schedule = schedule;
        if (b.seed == -1) b.seed = randomSeed();
        if (b.subseed == -1) b.subseed = randomSeed();
        return new Resolved(b.build(), choice.sampler(), schedule);
    }

    /** The WebUI's {@code get_fixed_seed(-1)}: uniform in [0, 4294967294). */
    static long randomSeed() { return new SecureRandom().nextLong(4294967294L); }

    /** Width and height must be multiples of 8 (the WebUI's slider step; SD's VAE halves three times). */
    public static void checkSize(int width, int height) {
        for (int[] d : new int[][] {{width, 'w'}, {height, 'h'}}) {
            String name = d[1] == 'w' ? "width" : "height";
            int v = d[0];
            if (v < 8) throw new PipelineException(name + " " + v + " is too small: use at least 8");
            if (v % 8 != 0) {
                int lower = v / 8 * 8, upper = lower + 8;
                String use = v - lower == upper - v ? lower + " or " + upper : Integer.toString(v - lower < upper - v ? lower : upper);
                throw new PipelineException(name + " " + v + " is not a multiple of 8: use " + use);
            }
        }
    }

    /** Text to image: {@code batchCount x batchSize} images. */
    public List<GeneratedImage> txt2img(GenerationParams params, Progress progress) {
        return txt2img(params, progress, GenerationTrace.NONE);
    }

    public List<GeneratedImage> txt2img(GenerationParams params, Progress progress, GenerationTrace trace) {
        return generate(params, null, null, ControlNetSetup.NONE, progress, trace);
    }

    /** Text to image with the WebUI's "Hires. fix" ({@code hires} null: none). */
    public List<GeneratedImage> txt2img(GenerationParams params, HiresFix hires, Progress progress, GenerationTrace trace) {
        return generate(params, null, hires, ControlNetSetup.NONE, progress, trace);
    }

    /** Text to image steered by ControlNet units. */
    public List<GeneratedImage> txt2img(GenerationParams params, ControlNetSetup control, Progress progress, GenerationTrace trace) {
        return generate(params, null, null, control, progress, trace);
    }

    /** Text to image steered by ControlNet units, with "Hires. fix" ({@code hires} null: none). */
    public List<GeneratedImage> txt2img(GenerationParams params, HiresFix hires, ControlNetSetup control, Progress progress, GenerationTrace trace) {
        return generate(params, null, hires, control, progress, trace);
    }

    /** Image to image (and inpainting when {@code init} has a mask). */
    public List<GeneratedImage> img2img(GenerationParams params, InitImage init, Progress progress) {
        return img2img(params, init, progress, GenerationTrace.NONE);
    }

    public List<GeneratedImage> img2img(GenerationParams params, InitImage init, Progress progress, GenerationTrace trace) {
        return img2img(params, init, ControlNetSetup.NONE, progress, trace);
    }

    /** Image to image (and inpainting) steered by ControlNet units. */
    public List<GeneratedImage> img2img(GenerationParams params, InitImage init, ControlNetSetup control, Progress progress, GenerationTrace trace) {
        if (init == null) throw new PipelineException("img2img needs an init image (--init-image)");
        return generate(params, init, null, control, progress, trace);
    }

    private List<GeneratedImage> generate(GenerationParams requested, InitImage init, HiresFix hires, ControlNetSetup control,
                                          Progress progress, GenerationTrace trace) {
        Resolved r = resolveSampler(requested);
        GenerationParams p = r.params();
        if (hires != null) HiresPass.checkUpscaler(this, hires); // a wrong name fails before the first pass, not after it
        if (requested.seed() == -1) progress.note("seed " + p.seed() + " (random)");
        int factor = model.vaeScaleFactor();
        if (p.width() % factor != 0 || p.height() % factor != 0)
            throw new PipelineException("size " + p.width() + "x" + p.height() + " is not a multiple of the VAE's downsampling factor " + factor);
        int channels = model.latentChannels(), h = p.height() / factor, w = p.width() / factor;

        // the WebUI takes extra-network tags from the positive prompts only: in the negative prompt they are plain text
        String negativePrompt = p.negativePrompt();
        // each warning of the extra networks once per run, not once per batch
        java.util.Set<String> warned = new java.util.HashSet<>();
        java.util.function.Consumer<String> warn = m -> { if (warned.add(m)) progress.note(m); };

        // the WebUI builds prompt-editing schedules over total_steps: twice the steps for second-order samplers
        int scheduleSteps = r.secondOrder() ? 2 * p.steps() : p.steps();

        List<ControlUnit> controlUnits = control.units(p.width(), p.height());

        List<GeneratedImage> images = new ArrayList<>();
        for (int batch = 0; batch < p.batchCount(); batch++) {
            try {
                int size = p.batchSize();
                long[] seeds = new long[size], subseeds = new long[size];
                for (int i = 0; i < size; i++) {
                    int index = batch * size + i;
                    seeds[i] = p.seed() + (p.subseedStrength() == 0 ? index : 0);
                    subseeds[i] = p.subseed() + index;
                }
                int resizeH = p.seedResizeFromH() > 0 && p.seedResizeFromW() > 0 ? p.seedResizeFromH() / factor : 0;
                int resizeW = p.seedResizeFromH() > 0 && p.seedResizeFromW() > 0 ? p.seedResizeFromW() / factor : 0;
                ImageNoise noise = new ImageNoise(p.rng(), channels, h, w, seeds, subseeds, (float) p.subseedStrength(), resizeH, resizeW,
                        r.usesEnsd() ? p.ensd() : 0L);
                long[] firstSeeds = new long[size];
                for (int i = 0; i < size; i++) firstSeeds[i] = p.seed() + (p.subseedStrength() == 0 ? i : 0);

                List<String> prompts = new ArrayList<>(size);
                List<List<WeightedSchedule>> conds = new ArrayList<>(size);
                ConditioningSchedule uncond;
                Map<String, String> networkInfo = new java.util.LinkedHashMap<>();
                UNet unet;
                WebUiGuidance.RefinerSwitch refinerSwitch = null;
                List<ExtraNetworks.Parsed> parsed = null;
                NetworkActivation active = null;
                PromptEncoder encoder = null;
                if (model.isSdxl()) {
                    if (hires != null) throw new PipelineException("Hires. fix is not supported with SDXL models yet: run without --enable-hr");
                    if (!controlUnits.isEmpty()) throw new PipelineException("ControlNet is not supported with SDXL models yet");
                    // sd_models_xl.get_learned_conditioning: original and target size are the image's, crop (0, 0)
                    SdxlSizeConditioning positiveSize = SdxlSizeConditioning.webUi(p.width(), p.height(), 0, 0, false);
                    SdxlSizeConditioning negativeSize = SdxlSizeConditioning.webUi(p.width(), p.height(), 0, 0, true);
                    progress.update(Progress.Phase.ENCODE, 0, 2);
                    for (int i = 0; i < size; i++) {
                        prompts.add(p.prompt());
                        conds.add(List.of(new WeightedSchedule(sdxlConditioning(p.prompt(), scheduleSteps, positiveSize, false), 1.0)));
                    }
                    progress.update(Progress.Phase.ENCODE, 1, 2);
                    uncond = sdxlConditioning(negativePrompt, scheduleSteps, negativeSize, true);
                    progress.update(Progress.Phase.ENCODE, 2, 2);
                    unet = model.unet();
                    if (refiner != null) refinerSwitch = refinerSwitch(p.prompt(), negativePrompt, scheduleSteps, positiveSize, negativeSize, size);
                } else {
                    // extra networks: wildcards drawn per image seed, then the batch's tags choose the networks (as the WebUI)
                    parsed = new ArrayList<>(size);
                    for (int i = 0; i < size; i++) {
                        prompts.add(networks.expandWildcards(p.prompt(), seeds[i], warn));
                        parsed.add(ExtraNetworks.parse(prompts.get(i)));
                    }
                    active = networks.activate(parsed, warn);
                    encoder = encoder(active);
                    progress.update(Progress.Phase.ENCODE, 0, 2);
                    for (ExtraNetworks.Parsed positive : parsed) conds.add(multiConditioning(encoder, active, positive.prompt(), scheduleSteps, p.clipSkip()));
                    progress.update(Progress.Phase.ENCODE, 1, 2);
                    uncond = conditioning(encoder, active, negativePrompt, scheduleSteps, p.clipSkip());
                    progress.update(Progress.Phase.ENCODE, 2, 2);
                    java.util.Set<String> usedEmbeddings = new java.util.LinkedHashSet<>();
                    for (ExtraNetworks.Parsed positive : parsed) usedEmbeddings.addAll(encoder.embeddingsUsedBy(positive.prompt()));
                    usedEmbeddings.addAll(encoder.embeddingsUsedBy(negativePrompt));
                    if (!prompts.getFirst().equals(p.prompt())) networkInfo.put("Wildcard prompt", p.prompt());
                    networkInfo.putAll(active.infotext(usedEmbeddings));
                    networkInfo.putAll(control.infotext());
                    unet = active.unet();
                }
                if (trace.attentionObserver() != null) unet = unet.observed(trace.attentionObserver());
                if (batch == 0) trace.conditioning(conds.getFirst().getFirst().schedule(), uncond);

                Sampled sampled = sample(r, p, init, noise, conds, uncond, unet, refinerSwitch, controlUnits, size, channels, h, w, firstSeeds, progress, trace);
                float[] latents = sampled.latents();
                if (refinerUsed) {
                    networkInfo.put("Refiner", refiner.title());
                    networkInfo.put("Refiner switch at", InfoTexts.number(refiner.switchAt()));
                }
                // an interrupted first pass is decoded as it stands, without the hires pass (as the WebUI does)
                HiresFix applied = sampled.interrupted() ? null : hires;
                int outH = h, outW = w;
                if (applied != null) {
                    checkFinite(latents, "the first pass's latents");
                    HiresPass.Result hr = new HiresPass(this, r, requested, applied).run(latents, size, channels, h, w, seeds, subseeds,
                            parsed, negativePrompt, active, encoder, scheduleSteps, warn, progress, trace);
                    latents = hr.latents();
                    outH = hr.height();
                    outW = hr.width();
                }
                trace.finalLatents(latents);
                checkFinite(latents, "the sampler's final latents");
                images.addAll(decode(p, prompts, networkInfo, init, applied, latents, seeds, subseeds, channels, outH, outW, progress, trace, batch * size, r));
                if (sampled.interrupted()) break;
            } catch (Progress.Interrupted e) {
                break; // stopped before this batch's sampling began: the finished batches are the result
            }
        }
        return Collections.unmodifiableList(images);
    }

    private List<WeightedSchedule> multiConditioning(PromptEncoder encoder, NetworkActivation active, String prompt, int steps, int clipSkip) {
        return multiConditioning(encoder, active, prompt, steps, null, clipSkip);
    }

    List<WeightedSchedule> multiConditioning(PromptEncoder encoder, NetworkActivation active, String prompt, int steps, Integer hiresSteps, int clipSkip) {
        String key = prompt + "\u0000" + steps + "\u0000" + hiresSteps + "\u0000" + clipSkip + "\u0000" + active.key();
        List<WeightedSchedule> c = multiCache.get(key);
        if (c == null) {
            c = encoder.multiSchedule(prompt, steps, hiresSteps, clipSkip);
            for (WeightedSchedule w : c)
                for (ConditioningSchedule.Entry e : w.schedule().entries()) checkFinite(e.conditioning().values(), "the text encoder's output");
            multiCache.put(key, c);
        }
        return c;
    }

    /** The refiner's UNet and its own conditioning (its conditioner: bigG alone, aesthetic scores) for the same prompts. */
    private WebUiGuidance.RefinerSwitch refinerSwitch(String prompt, String negative, int steps, SdxlSizeConditioning positiveSize,
                                                      SdxlSizeConditioning negativeSize, int batch) {
        SdxlConditioner c = refiner.model().sdxlConditioner();
        List<List<WeightedSchedule>> conds = new ArrayList<>(batch);
        ConditioningSchedule cond = refinerConditioning(c, prompt, steps, positiveSize, false);
        for (int i = 0; i < batch; i++) conds.add(List.of(new WeightedSchedule(cond, 1.0)));
        ConditioningSchedule uncond = refinerConditioning(c, negative, steps, negativeSize, true);
        return new WebUiGuidance.RefinerSwitch(refiner.model().unet(), conds, Collections.nCopies(batch, uncond), refiner.switchAt(),
                model.denoiser().sigmas());
    }

    private ConditioningSchedule refinerConditioning(SdxlConditioner c, String prompt, int steps, SdxlSizeConditioning size, boolean negative) {
        String key = "refiner\u0000" + refiner.model().path() + "\u0000" + prompt + "\u0000" + steps + "\u0000" + size + "\u0000" + negative;
        ConditioningSchedule s = cache.get(key);
        if (s == null) {
            s = sdxlSchedule(c, prompt, steps, size, negative);
            cache.put(key, s);
        }
        return s;
    }

    private static ConditioningSchedule sdxlSchedule(SdxlConditioner c, String prompt, int steps, SdxlSizeConditioning size, boolean negative) {
        List<ConditioningSchedule.Entry> entries = new ArrayList<>();
        for (SdxlConditioner.Scheduled s : c.schedule(prompt, steps, size, negative)) {
            checkFinite(s.conditioning().crossattn().values(), "the text encoders' output");
            entries.add(new ConditioningSchedule.Entry(s.endStep(), TextConditioning.of(s.conditioning())));
        }
        return new ConditioningSchedule(entries);
    }

    /** SDXL: the prompt's schedule of {@code {crossattn, vector}} conditionings from the model's conditioner. */
    private ConditioningSchedule sdxlConditioning(String prompt, int steps, SdxlSizeConditioning size, boolean negative) {
        String key = "sdxl\u0000" + prompt + "\u0000" + steps + "\u0000" + size + "\u0000" + negative;
        ConditioningSchedule c = cache.get(key);
        if (c == null) {
            c = sdxlSchedule(model.sdxlConditioner(), prompt, steps, size, negative);
            cache.put(key, c);
        }
        return c;
    }

    private ConditioningSchedule conditioning(PromptEncoder encoder, NetworkActivation active, String prompt, int steps, int clipSkip) {
        return conditioning(encoder, active, prompt, steps, null, clipSkip);
    }

    ConditioningSchedule conditioning(PromptEncoder encoder, NetworkActivation active, String prompt, int steps, Integer hiresSteps, int clipSkip) {
        String key = prompt + "\u0000" + steps + "\u0000" + hiresSteps + "\u0000" + clipSkip + "\u0000" + active.key();
        ConditioningSchedule c = cache.get(key);
        if (c == null) {
            c = encoder.schedule(prompt, steps, hiresSteps, clipSkip);
            for (ConditioningSchedule.Entry e : c.entries()) checkFinite(e.conditioning().values(), "the text encoder's output");
            cache.put(key, c);
        }
        return c;
    }

    /** The sampler's latents; {@code interrupted}: the run was stopped and these are its last prediction of the clean latents. */
    private record Sampled(float[] latents, boolean interrupted) {}

    private Sampled sample(Resolved r, GenerationParams p, InitImage init, ImageNoise noise, List<List<WeightedSchedule>> cs,
                           ConditioningSchedule uncond, UNet unet, WebUiGuidance.RefinerSwitch refinerSwitch, List<ControlUnit> controlUnits,
                           int batch, int channels, int h, int w, long[] firstSeeds, Progress progress, GenerationTrace trace) {
        float[] x = noise.first();
        trace.initialNoise(x);
        Img2ImgSetup img = init == null ? null : Img2ImgSetup.prepare(model, init, p, firstSeeds, channels, h, w, batch);
        float[] imageConditioning = img != null ? img.imageConditioning()
                : model.variant() == ModelVariant.INPAINTING ? Img2ImgSetup.forTxt2Img(model, channels, h, w, batch) : null;
        List<ConditioningSchedule> us = Collections.nCopies(batch, uncond);
        double cfg = r.sampler() instanceof TimestepSamplerSpec ts ? p.cfgScale() * ts.guidanceScaleFactor() : p.cfgScale();
        WebUiGuidance guidance = new WebUiGuidance(model, unet, cs, us, cfg, channels, h, w,
                imageConditioning, imageConditioning == null ? 0 : channels + 1);
        if (img != null && img.keepMask() != null) guidance.blendWith(img.initLatent(), img.keepMask());
        if (refinerSwitch != null) guidance.refineWith(refinerSwitch);
        WebUiImg2Img img2img = img == null ? null : WebUiImg2Img.of(p.steps(), p.denoisingStrength(), false);

        float[] out;
        // the latest prediction of the clean latents: what the WebUI decodes when a run is interrupted mid-sampling
        float[][] last = new float[1][];
        boolean interrupted = false;
        try {
            if (r.sampler() instanceof TimestepSamplerSpec ts) {
                NoiseSchedule schedule = model.denoiser().schedule();
                int[] timesteps = ts.timesteps(schedule, p.steps());
                float[] start = x;
                if (img2img != null) {
                    // the WebUI noises the init latents to the timestep denoising starts from, then runs the first t_enc timesteps
                    start = WebUiTimesteps.noiseToTimestep(schedule, img.initLatent(), x, timesteps[img2img.tEnc()]);
                    timesteps = img2img.timestepSchedule(timesteps);
                }
                int steps = Math.max(1, timesteps.length - 1);
                progress.update(Progress.Phase.SAMPLE, 0, steps);
                out = ts.create(schedule).sample(guidance.epsModel(schedule, model.denoiser().prediction()), start, timesteps, noise,
                        controlled(guidance, controlUnits, steps, listener(trace, progress, steps, channels, h, w, last)));
            } else {
                SamplerSpec spec = r.kdiffusion();
                KDiffusionDenoiser kd = spec.denoiser(model.denoiser().schedule(), model.denoiser().prediction());
                float[] fullSigmas = spec.sigmas(kd, p.steps(), r.schedule());
                float[] sigmas = img2img != null ? img2img.sigmaSchedule(fullSigmas) : fullSigmas;
                trace.sigmas(sigmas);
                float[] start = img2img != null ? WebUiImg2Img.noised(img.initLatent(), x, sigmas[0]) : scaled(x, sigmas[0]);
                // the SDE samplers draw Brownian-tree noise seeded per image (on the GPU in the WebUI, so Philox), its tree
                // spanning the full schedule even in img2img, as the WebUI's create_noise_sampler(x, sigmas, p)
                NoiseSampler ns = spec.noiseSampler(noise, RngSource.GPU, channels, h, w, noise.seeds(), fullSigmas);
                int steps = sigmas.length - 1;
                progress.update(Progress.Phase.SAMPLE, 0, steps);
                out = spec.create().sample(guidance.denoiser(kd), start, sigmas, ns,
                        controlled(guidance, controlUnits, steps, listener(trace, progress, steps, channels, h, w, last)));
            }
        } catch (Progress.Interrupted e) {
            if (last[0] == null) throw e; // stopped before the first step: nothing to show
            out = last[0];
            interrupted = true;
        }
        if (img != null) out = img.finish(out);
        refinerUsed = guidance.refined();
        return new Sampled(out, interrupted);
    }

    private static float[] scaled(float[] x, float s) {
        float[] out = new float[x.length];
        for (int i = 0; i < x.length; i++) out[i] = x[i] * s;
        return out;
    }

    /** With ControlNet units, the guidance asks them before each UNet call; the sampler's callbacks advance their progress. */
    private StepListener controlled(WebUiGuidance guidance, List<ControlUnit> units, int steps, StepListener listener) {
        if (units.isEmpty()) return listener;
        WebUiControl control = new WebUiControl(model.backend(), units, steps);
        guidance.controlWith(control);
        return (i, x, sigma, sigmaHat, denoised) -> {
            listener.onStep(i, x, sigma, sigmaHat, denoised);
            control.stepDone(i);
        };
    }

    static StepListener listener(GenerationTrace trace, Progress progress, int steps, int channels, int h, int w) {
        return listener(trace, progress, steps, channels, h, w, new float[1][]);
    }

    private static StepListener listener(GenerationTrace trace, Progress progress, int steps, int channels, int h, int w, float[][] last) {
        return (i, xi, sigma, sigmaHat, denoised) -> {
            last[0] = denoised;
            trace.stepInput(i, xi);
            progress.update(Progress.Phase.SAMPLE, Math.min(i + 1, steps), steps);
            if (progress.wantsLatents(i + 1)) progress.latents(i + 1, denoised, channels, h, w);
        };
    }

    private List<GeneratedImage> decode(GenerationParams p, List<String> prompts, Map<String, String> networkInfo, InitImage init, HiresFix hires, float[] latents, long[] seeds, long[] subseeds,
                                        int channels, int h, int w, Progress progress, GenerationTrace trace, int firstIndex,
                                        Resolved r) {
        Backend b = model.backend();
        int n = channels * h * w;
        List<GeneratedImage> out = new ArrayList<>();
        for (int i = 0; i < seeds.length; i++) {
            progress.update(Progress.Phase.DECODE, i, seeds.length);
            float[] one = java.util.Arrays.copyOfRange(latents, i * n, (i + 1) * n);
            // the WebUI decodes with the model in use at the end: the refiner's VAE once it took over
            Tensor image = (refinerUsed ? refiner.model() : model).vae().decode(b, b.fromFloats(one, 1, channels, h, w));
            float[] chw = b.toFloatArray(image);
            int height = image.size(2), width = image.size(3);
            checkFinite(chw, "the VAE decoder's output");
            trace.decoded(firstIndex + i, chw);
            byte[] rgb = ImageConversion.toRgbBytes(chw, 0, height, width);
            if (init != null) {
                RgbImage finished = init.finish(new RgbImage(rgb, width, height));
                rgb = finished.rgb();
                width = finished.width();
                height = finished.height();
            }
            GenerationParams.Builder ib = p.toBuilder().prompt(prompts.get(i));
            if (hires != null) ib.extra = HiresFix.withoutHiresKeys(ib.extra);
            // after the fixed keys what this run did: its hires pass, then the networks it used (never what a pasted
            // infotext said they were); InfoTexts.create ends with Version
            Map<String, String> ran = new java.util.LinkedHashMap<>();
            if (hires != null) HiresPass.addInfotext(ran, hires, p);
            ran.putAll(networkInfo);
            InfoText info = InfoTexts.create(ib.build(), seeds[i], subseeds[i], model.name(), model.hash(),
                    model.vaeName(), model.vaeHash(), init != null || hires != null, init != null && init.mask() != null, r.usesEnsd(),
                    init != null && init.pasteTo() != null, ran);
            out.add(new GeneratedImage(rgb, width, height, seeds[i], subseeds[i], info));
        }
        progress.update(Progress.Phase.DECODE, seeds.length, seeds.length);
        return out;
    }

    static void checkFinite(float[] values, String stage) {
        int bad = ImageConversion.firstNonFinite(values);
        if (bad >= 0)
            throw new PipelineException(stage + " contains NaN or infinite values (first at index " + bad
                    + "): the model or its settings are broken (try another VAE, a lower CFG scale, or F32 weights)");
    }
}
