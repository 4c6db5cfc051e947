package jdiffusion.tools.generate;

import jdiffusion.kernels.cpu.CpuBackend;
import jdiffusion.kernels.opencl.DeviceSelector;
import jdiffusion.kernels.opencl.DeviceSpecException;
import jdiffusion.sd.cli.ProgressBar;
import jdiffusion.sd.controlnet.ControlNetException;
import jdiffusion.sd.controlnet.ControlNetInfotext;
import jdiffusion.sd.controlnet.ControlNetLibrary;
import jdiffusion.sd.controlnet.ControlNetSetup;
import jdiffusion.sd.controlnet.ControlNetUnitSpec;
import jdiffusion.sd.controlnet.ControlNets;
import jdiffusion.sd.extra.ModelsFolder;
import jdiffusion.sd.image.InfoText;
import jdiffusion.sd.image.OutputFiles;
import jdiffusion.sd.image.Png;
import jdiffusion.sd.pipeline.GeneratedImage;
import jdiffusion.sd.pipeline.GenerationParams;
import jdiffusion.sd.pipeline.GenerationTrace;
import jdiffusion.sd.pipeline.HiresFix;
import jdiffusion.sd.pipeline.Generator;
import jdiffusion.sd.pipeline.InfoTexts;
import jdiffusion.sd.pipeline.InitImage;
import jdiffusion.sd.pipeline.LatentPreview;
import jdiffusion.sd.pipeline.MaskedContent;
import jdiffusion.sd.pipeline.ModelFiles;
import jdiffusion.sd.pipeline.Refiner;
import jdiffusion.sd.pipeline.Progress;
import jdiffusion.sd.pipeline.ResizeMode;
import jdiffusion.sd.pipeline.RgbImage;
import jdiffusion.sd.pipeline.StableDiffusionModel;
import jdiffusion.sd.sample.RngSource;
import jdiffusion.sd.sample.Samplers;
import jdiffusion.sd.sample.ScheduleType;
import jdiffusion.tensor.Backend;
import jdiffusion.tools.Arguments;
import jdiffusion.tools.Command;
import jdiffusion.tools.CommandException;
import jdiffusion.tools.Options;
import jdiffusion.tools.UsageException;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;

/**
 * {@code jsd txt2img | img2img | inpaint}: the WebUI's generation tabs on the command line, with its parameter names
 * and defaults. Parameters come from, in increasing precedence: the WebUI 1.10 defaults, an infotext
 * ({@code --from-png FILE} or {@code --infotext "..."}), and the options given. Each image is written as a PNG whose
 * {@code parameters} text is the WebUI infotext of the run; the paths are printed on stdout, progress goes to stderr.
 */
public class GenerateCommand implements Command {
    /** Which WebUI tab. */
    public enum Mode {
        TXT2IMG("txt2img", "generate images from a prompt (WebUI txt2img)"),
        IMG2IMG("img2img", "transform an init image guided by a prompt (WebUI img2img)"),
        INPAINT("inpaint", "repaint the white area of a mask over an init image (WebUI inpaint)");

        final String name, summary;

        Mode(String name, String summary) {
            this.name = name;
            this.summary = summary;
        }
    }

    private final Mode mode;

    public GenerateCommand(Mode mode) { this.mode = mode; }

    private Options options() {
        Options o = new Options()
                .section("model")
                .value("--model", "PATH", "checkpoint: .safetensors/.ckpt file (+ sibling .yaml) or diffusers folder, or with --models-dir a name the WebUI shows: name, name.safetensors, sub/name, \"name.safetensors [hash]\" or the short hash (required)")
                .value("--vae", "PATH", "a separate VAE file or a name in models/VAE; auto (default: <model>.vae.safetensors beside the model, else the model's own) or none (the model's own)")
                .value("--models-dir", "DIR", "a WebUI folder used as is: models/Stable-diffusion, models/VAE, models/Lora, models/LyCORIS, models/hypernetworks, embeddings/, wildcards/")
                .value("--refiner", "PATH", "SDXL: a second SDXL model (usually the refiner: file, folder or a name in models/Stable-diffusion) that takes over sampling at --refiner-switch-at, as the WebUI's Refiner")
                .value("--refiner-switch-at", "F", "fraction of the denoising after which the refiner takes over (default 0.8)")
                .value("--tokenizer", "DIR", "CLIP tokenizer folder (vocab.json, merges.txt); default: the model's, <model>/tokenizer or tokenizer/ beside it, else CLIP's own, shipped with jsd")
                .section("prompt")
                .value("--prompt", "TEXT", "the prompt, in the WebUI's prompt language").alias("-p", "--prompt")
                .value("--negative-prompt", "TEXT", "the negative prompt").alias("-n", "--negative-prompt")
                .value("--from-png", "FILE", "take the parameters from a PNG's infotext (WebUI/jsd output); options given override them")
                .value("--infotext", "TEXT", "take the parameters from a pasted WebUI/Civitai generation-data text")
                .section("sampling")
                .value("--steps", "N", "sampling steps (default 20)")
                .value("--sampler", "NAME", "sampler by its WebUI name (default \"DPM++ 2M\"): " + String.join(", ", Samplers.labels()))
                .value("--scheduler", "TYPE", "schedule type: " + java.util.Arrays.stream(ScheduleType.values()).map(ScheduleType::id)
                        .collect(java.util.stream.Collectors.joining(", ")) + " (default automatic: the sampler's own)")
                .value("--cfg-scale", "X", "classifier-free guidance scale (default 7)")
                .value("--seed", "N", "seed; -1 (default) picks a random one and reports it")
                .value("--subseed", "N", "variation seed (default -1: random)")
                .value("--subseed-strength", "X", "variation strength 0..1 (default 0: off)")
                .value("--seed-resize-from", "WxH", "draw the seed's noise at this size and paste it centred (WebUI \"resize seed from\")")
                .value("--ensd", "N", "eta noise seed delta for ancestral samplers (WebUI setting; default 0)")
                .value("--rng", "SOURCE", "noise source: gpu (default; the WebUI's Philox/NV, same on every device) or cpu (torch mt19937)")
                .value("--clip-skip", "N", "stop CLIP at the N-th layer from the end (default 1)")
                .value("--width", "PX", "image width, a multiple of 8 (default 512)").alias("-W", "--width")
                .value("--height", "PX", "image height, a multiple of 8 (default 512)").alias("-H", "--height")
                .value("--batch-size", "N", "images per batch (one UNet call for the batch; default 1)")
                .value("--batch-count", "N", "batches run one after another (default 1)")
                .section("ControlNet")
                .repeated("--controlnet", "UNIT", ControlNetOption.HELP)
                .repeated("--controlnet-image", "FILE", "the input image of each ControlNet unit an infotext (--from-png/--infotext) names, in order (a PNG does not carry it)")
                .value("--controlnet-units", "N", "most ControlNet units at once (default 3, as the extension)");
        if (mode == Mode.TXT2IMG) {
            o.section("hires. fix (on when --enable-hr or any --hr-* option is given, or the infotext has Hires entries)")
                    .flag("--enable-hr", "run the WebUI's Hires. fix: upscale the first pass, then denoise it again")
                    .flag("--no-hr", "no hires fix even when the infotext has one")
                    .value("--hr-upscaler", "NAME", "Latent (default), Latent (antialiased), Latent (bicubic), Latent (bicubic antialiased), Latent (nearest), "
                            + "Latent (nearest-exact), None, Lanczos, Nearest, an ESRGAN model in models/ESRGAN, a Real-ESRGAN label (R-ESRGAN 4x+ ...) or a model file")
                    .value("--hr-scale", "X", "upscale by this factor (default 2)")
                    .value("--hr-resize-x", "PX", "upscale to this width instead (0: from --hr-resize-y and the aspect ratio)")
                    .value("--hr-resize-y", "PX", "upscale to this height instead")
                    .value("--hr-second-pass-steps", "N", "steps of the second pass (default 0: the first pass's)")
                    .value("--denoising-strength", "X", "how much the second pass changes, 0..1 (default 0.75)")
                    .value("--hr-prompt", "TEXT", "prompt of the second pass (default: the first pass's)")
                    .value("--hr-negative-prompt", "TEXT", "negative prompt of the second pass (default: the first pass's)")
                    .value("--hr-sampler", "NAME", "sampler of the second pass (default: the first pass's)")
                    .value("--hr-scheduler", "TYPE", "schedule type of the second pass (default: the first pass's)")
                    .value("--hr-cfg", "X", "CFG scale of the second pass (default: the first pass's)")
                    .value("--upscaler-tile", "PX", "tile size for model upscalers (WebUI ESRGAN_tile, default 192; 0 = whole image)")
                    .value("--upscaler-tile-overlap", "PX", "tile overlap for model upscalers (WebUI ESRGAN_tile_overlap, default 8)");
        }
        if (mode != Mode.TXT2IMG) {
            o.section(mode == Mode.INPAINT ? "init image and mask" : "init image")
                    .value("--init-image", "FILE", "the image to start from (PNG or JPEG), required")
                    .value("--denoising-strength", "X", "how much to change it, 0..1 (default 0.75)")
                    .value("--resize-mode", "MODE", "just-resize (default), crop-and-resize or resize-and-fill when its size differs");
            if (mode == Mode.INPAINT) {
                o.value("--mask", "FILE", "mask image: white = repaint, black = keep (its alpha channel when it has one), required")
                        .value("--mask-blur", "PX", "Gaussian blur of the mask in pixels (default 4)")
                        .value("--masked-content", "WHAT", "original (default), fill, latent-noise or latent-nothing")
                        .value("--inpaint-area", "AREA", "whole-picture (default) or only-masked: inpaint a crop around the mask at full size")
                        .value("--inpaint-padding", "PX", "only-masked: pixels around the mask's bounding box (default 32)");
            }
        }
        return o.section("output")
                .value("--out", "FILE.png", "write the single image here (never overwrites)").alias("-o", "--out")
                .value("--outdir", "DIR", "folder for NNNNN-SEED.png files (default outputs/" + (mode == Mode.TXT2IMG ? "txt2img" : "img2img")
                        + "-images/YYYY-MM-DD, as the WebUI)")
                .value("--preview-every", "N", "write a quick latent preview (preview.png in the output folder) every N steps")
                .value("--save-steps", "DIR", "write every step of the first image into DIR (new or empty): the latent preview and the VAE-decoded\n"
                        + "predicted x0 as step-NN-latent.png / step-NN-x0.png, contact-sheet.png and the animation steps.gif")
                .value("--attention-maps", "DIR", "write the first image's per-token cross-attention maps (DAAM) into DIR (new or empty): a heat map\n"
                        + "per prompt token over the image, overview.png, tokens.json and the raw maps in maps.safetensors;\n"
                        + "the tokens are listed with their chunk and index as the WebUI's chunking gives them")
                .value("--attention-layers", "LIST", "with --attention-maps: which cross-attention layers count: down, mid, up or module paths\n"
                        + "(up_blocks.1, down_blocks.0.attentions.1.transformer_blocks.0.attn2), comma-separated (default all)")
                .value("--attention-steps", "LIST", "with --attention-maps: which steps count, e.g. 1-5,8 (default all)")
                .value("--threads", "N", "CPU threads (default: all cores)")
                .value("--device", "DEVICE", "compute device: " + DeviceSelector.HELP + " (default cpu)");
    }

    @Override public String name() { return mode.name; }

    @Override public String summary() { return mode.summary; }

    @Override public String help() {
        return "usage: jsd " + mode.name + " --model PATH --prompt TEXT [options]\n\n"
                + "Generates images as AUTOMATIC1111's WebUI 1.10 does: same prompt language, samplers, seeds (image i of a\n"
                + "batch uses seed+i) and noise source, so the same settings give the same image. Every PNG carries its\n"
                + "parameters; `jsd " + mode.name + " --model M --from-png IMAGE.png` reproduces it.\n"
                + options().help();
    }

    @Override
    public int run(List<String> args, PrintStream out, PrintStream err) throws IOException {
        Arguments a = options().parse(args);
        GenerationParams params = params(a, err);
        List<ControlNetUnitSpec> controlUnits = controlUnits(a, params);
        params = withoutControlNetKeys(params);
        HiresFix hires = hires(a, params);
        Path modelPath = a.path("--model");
        if (modelPath == null) throw new UsageException("--model is required (a .safetensors/.ckpt file or a diffusers folder)");
        // extra networks: a WebUI folder names models, VAEs, LoRAs, hypernetworks, embeddings and wildcards
        ModelsFolder folder = a.has("--models-dir") ? ModelsFolder.of(a.path("--models-dir")) : null;
        modelPath = byName(folder, ModelsFolder.Kind.CHECKPOINT, modelPath);
        String vae = a.value("--vae", "auto");
        Path vaePath = vae.equals("auto") || vae.equals("none") ? null : byName(folder, ModelsFolder.Kind.VAE, Path.of(vae));
        Path outFile = a.path("--out");
        if (outFile != null && params.batchSize() * params.batchCount() > 1)
            throw new UsageException("--out names one image but this run makes " + params.batchSize() * params.batchCount() + "; use --outdir");
        if (outFile != null && Files.exists(outFile)) throw new CommandException(outFile + " exists; jsd never overwrites a file (choose another --out)");
        InitImage init = initImage(a, params);
        Path outDir = outFile != null ? outFile.toAbsolutePath().getParent()
                : a.has("--outdir") ? a.path("--outdir") : OutputFiles.defaultFolder(mode == Mode.TXT2IMG ? "txt2img" : "img2img");
        int previewEvery = a.intValue("--preview-every", 0, 0, Integer.MAX_VALUE);
        int threads = a.intValue("--threads", Runtime.getRuntime().availableProcessors(), 1, 4096);
        Path saveSteps = a.has("--save-steps") ? StepImages.checkFolder(a.path("--save-steps")) : null;
        Path attentionDir = a.has("--attention-maps") ? StepImages.checkFolder(a.path("--attention-maps")) : null;
        if (attentionDir == null && (a.has("--attention-layers") || a.has("--attention-steps")))
            throw new UsageException("--attention-layers and --attention-steps go with --attention-maps DIR");
        String attentionLayers = a.value("--attention-layers", "all"), attentionSteps = a.value("--attention-steps", "all");
        AttentionMapOutput.layers(attentionLayers);
        AttentionMapOutput.steps(attentionSteps);

        ProgressBar bar = new ProgressBar(err, System.console() != null);
        Progress progress = previewEvery <= 0 ? bar : new PreviewingProgress(bar, previewEvery, outDir.resolve("preview.png"), err);
        String device = a.value("--device", "cpu");
        try {
            DeviceSelector.parse(device);
        } catch (DeviceSpecException e) {
            throw new UsageException(e.getMessage());
        }
        try (Backend backend = device.equals("cpu") ? new CpuBackend(threads) : DeviceSelector.open(device)) {
            progress.update(Progress.Phase.LOAD, 0, 1);
            ModelFiles files = new ModelFiles(modelPath, vaePath, a.path("--tokenizer"), vae.equals("none"));
            try (StableDiffusionModel model = StableDiffusionModel.load(backend, files)) {
                model.hash(); // the infotext's Model hash reads the whole file once: part of loading, as in the WebUI
                model.vaeHash();
                progress.update(Progress.Phase.LOAD, 1, 1);
                Generator generator = new Generator(model, folder);
                Refiner refiner = null;
                if (a.has("--refiner")) {
                    double switchAt = a.doubleValue("--refiner-switch-at", 0.8);
                    refiner = Refiner.load(backend, byName(folder, ModelsFolder.Kind.CHECKPOINT, a.path("--refiner")), model, switchAt);
                    refiner.model().hash(); // for the infotext's "Refiner: name [hash]"
                    generator.useRefiner(refiner);
                } else if (a.has("--refiner-switch-at")) {
                    throw new UsageException("--refiner-switch-at needs --refiner MODEL");
                }
                try {
                    StepImages steps = saveSteps == null ? null : new StepImages(progress, saveSteps, model);
                    AttentionMapOutput attention = attentionDir == null ? null : new AttentionMapOutput(attentionDir,
                            params.height() / model.vaeScaleFactor(), params.width() / model.vaeScaleFactor(), attentionLayers, attentionSteps);
                    Progress p = steps != null ? steps : progress;
                    GenerationTrace trace = TraceFanOut.of(steps, attention);
                    List<GeneratedImage> images;
                    try (ControlNetLibrary library = new ControlNetLibrary(backend, model.unet().config(), folder)) {
                        ControlNetSetup control = controlUnits.isEmpty() ? ControlNetSetup.NONE
                                : new ControlNets(library, controlUnits, a.intValue("--controlnet-units", ControlNets.DEFAULT_MAX_UNITS, 1, 64));
                        images = init == null ? generator.txt2img(params, hires, control, p, trace)
                                : generator.img2img(params, init, control, p, trace);
                        generator.upscalers().close();
                        for (GeneratedImage img : images) out.println(write(img, outFile, outDir));
                    }
                    if (steps != null) err.println("wrote " + steps.finish() + " steps of the first image to " + saveSteps);
                    if (attention != null) attention.finish(images.getFirst(), PromptTokens.of(model.tokenizer(), images.getFirst().info().prompt()), err);
                } finally {
                    if (refiner != null) refiner.model().close();
                }
            }
        } catch (RuntimeException | IOException e) {
            bar.clear(); // the error line must not land behind a half-drawn bar
            throw e;
        }
        return 0;
    }

    /**
     * The units from {@code --controlnet}, else those the infotext names (their images from {@code --controlnet-image}, in
     * order; an infotext never carries them).
     */
    static List<ControlNetUnitSpec> controlUnits(Arguments a, GenerationParams params) {
        List<ControlNetUnitSpec> units = new java.util.ArrayList<>();
        for (String v : a.values("--controlnet")) units.add(ControlNetOption.parse(v));
        if (!units.isEmpty()) {
            if (!a.values("--controlnet-image").isEmpty()) throw new UsageException("--controlnet-image is for units read from an infotext; give image=FILE inside --controlnet");
            for (int i = 0; i < units.size(); i++)
                if (units.get(i).image() == null) throw new UsageException("--controlnet unit " + i + " needs image=FILE");
            return units;
        }
        List<ControlNetUnitSpec> pasted;
        try {
            pasted = ControlNetInfotext.parse(params.extra());
        } catch (ControlNetException e) {
            throw new UsageException(e.getMessage());
        }
        List<String> images = a.values("--controlnet-image");
        if (images.size() > pasted.size())
            throw new UsageException(images.size() + " --controlnet-image given, but the infotext names " + pasted.size() + " ControlNet unit(s)");
        for (int i = 0; i < pasted.size(); i++) {
            ControlNetUnitSpec u = pasted.get(i);
            if (i >= images.size())
                throw new UsageException("the infotext's ControlNet " + i + " (" + u.module() + ", " + u.model() + ") needs its input image, which a PNG does not carry: "
                        + "give it with --controlnet-image FILE (one per unit, in order)");
            units.add(u.withImage(ControlNetOption.read(Path.of(images.get(i)))));
        }
        return units;
    }

    /** A pasted infotext's ControlNet entries become units; the output's infotext writes this run's own. */
    private static GenerationParams withoutControlNetKeys(GenerationParams p) {
        GenerationParams.Builder b = p.toBuilder();
        b.extra.keySet().removeIf(k -> k.matches("ControlNet \\d+"));
        return b.build();
    }

    /**
     * {@code given} when it exists, else the file it names in the models folder by any of the WebUI's names (file
     * name, {@code sub/name}, dropdown title {@code name.safetensors [hash]}, short hash); a miss lists the nearest
     * names. Without a models folder a missing {@code given} is reported on loading.
     */
    static Path byName(ModelsFolder folder, ModelsFolder.Kind kind, Path given) {
        if (Files.exists(given) || folder == null) return given;
        java.util.Optional<Path> found = folder.resolve(kind, given.toString());
        if (found.isPresent()) return found.get();
        List<String> near = folder.nearest(kind, given.toString(), 3);
        throw new CommandException("no " + kind.label() + " '" + given + "' in " + folder.root().resolve(kind.folders().getFirst())
                + (near.isEmpty() ? " (the folder holds none)" : "; nearest: " + String.join(", ", near)));
    }

    private static Path write(GeneratedImage img, Path outFile, Path outDir) throws IOException {
        byte[] png = Png.encode(img.rgb(), img.width(), img.height(), Map.of("parameters", img.info().format()));
        if (outFile != null) {
            OutputFiles.writeNew(outFile, png);
            return outFile;
        }
        // a name taken meanwhile (another run writing to the same folder) moves on to the next number
        for (int attempt = 0; ; attempt++) {
            Path target = outDir.resolve(OutputFiles.numberedName(OutputFiles.nextNumber(outDir), img.seed()));
            try {
                OutputFiles.writeNew(target, png);
                return target;
            } catch (java.nio.file.FileAlreadyExistsException e) {
                if (attempt > 100) throw e;
            }
        }
    }

    /** Defaults, then the infotext, then the options given. */
    GenerationParams params(Arguments a, PrintStream err) throws IOException {
        GenerationParams.Builder b = new GenerationParams.Builder();
        if (a.has("--from-png") && a.has("--infotext")) throw new UsageException("give --from-png or --infotext, not both");
        String infotext = null;
        if (a.has("--from-png")) {
            Path png = a.path("--from-png");
            if (!Files.isRegularFile(png)) throw new CommandException(png + ": no such file");
            infotext = Png.readText(Files.readAllBytes(png), png.toString()).get("parameters");
            if (infotext == null) throw new CommandException(png + ": the PNG holds no \"parameters\" text (not written by the WebUI or jsd)");
        } else if (a.has("--infotext")) {
            infotext = a.value("--infotext", "");
        }
        if (infotext != null) {
            String source = a.has("--from-png") ? a.path("--from-png") + ": the \"parameters\" text" : "--infotext";
            if (infotext.isBlank()) throw new UsageException(source + " is empty: paste the WebUI's generation parameters (prompt, then a line like Steps: 20, Sampler: Euler a, Seed: 1)");
            InfoText parsed = InfoText.parse(infotext);
            // without the parameter line the whole text would be taken as a prompt and run at the defaults
            if (parsed.parameters().isEmpty())
                throw new UsageException(source + " has no parameter line (Steps: 20, Sampler: Euler a, Seed: 1, ...) after the prompt; give a prompt alone with --prompt");
            InfoTexts.Applied applied = InfoTexts.apply(parsed, b.build());
            b = applied.params().toBuilder();
            List<String> unknown = applied.unknownKeys().stream().filter(k -> !k.matches("ControlNet \\d+"))
                    .filter(k -> mode != Mode.TXT2IMG || !HiresFix.INFOTEXT_KEYS.contains(k)).toList();
            if (!unknown.isEmpty())
                err.println("jsd " + mode.name + ": ignored infotext keys jsd does not apply (left out of the output's infotext): " + String.join(", ", unknown));
        }
        if (a.has("--prompt")) b.prompt = a.value("--prompt", "");
        if (a.has("--negative-prompt")) b.negativePrompt = a.value("--negative-prompt", "");
        if (infotext == null && !a.has("--prompt")) throw new UsageException("--prompt is required (or --from-png / --infotext)");
        b.steps = a.intValue("--steps", b.steps, 1, 10000);
        if (a.has("--sampler")) {
            Samplers.Choice c = Samplers.resolve(a.value("--sampler", ""));
            b.sampler = c.sampler().label();
            if (c.schedule() != ScheduleType.AUTOMATIC) b.schedule = c.schedule();
        }
        if (a.has("--scheduler")) b.schedule = ScheduleType.parse(a.value("--scheduler", ""));
        b.cfgScale = a.doubleValue("--cfg-scale", b.cfgScale);
        b.seed = a.longValue("--seed", b.seed);
        b.subseed = a.longValue("--subseed", b.subseed);
        b.subseedStrength = a.doubleValue("--subseed-strength", b.subseedStrength);
        if (b.subseedStrength < 0 || b.subseedStrength > 1) throw new UsageException("--subseed-strength must lie in 0..1");
        if (a.has("--rng")) b.rng = RngSource.parse(a.value("--rng", ""));
        b.ensd = a.longValue("--ensd", b.ensd);
        if (a.has("--seed-resize-from")) {
            String[] wh = a.value("--seed-resize-from", "").toLowerCase(java.util.Locale.ROOT).split("x");
            try {
                if (wh.length != 2) throw new NumberFormatException();
                b.seedResizeFromW = Integer.parseInt(wh[0].strip());
                b.seedResizeFromH = Integer.parseInt(wh[1].strip());
            } catch (NumberFormatException e) {
                throw new UsageException("--seed-resize-from takes WIDTHxHEIGHT, e.g. 512x512");
            }
        }
        b.clipSkip = a.intValue("--clip-skip", b.clipSkip, 1, 12);
        b.width = a.intValue("--width", b.width, 8, 16384);
        b.height = a.intValue("--height", b.height, 8, 16384);
        b.batchSize = a.intValue("--batch-size", b.batchSize, 1, 64);
        b.batchCount = a.intValue("--batch-count", b.batchCount, 1, 100000);
        b.denoisingStrength = a.doubleValue("--denoising-strength", b.denoisingStrength);
        if (b.denoisingStrength < 0 || b.denoisingStrength > 1) throw new UsageException("--denoising-strength must lie in 0..1");
        if (mode != Mode.TXT2IMG) {
            if (b.denoisingStrength < 0 || b.denoisingStrength > 1) throw new UsageException("--denoising-strength must lie in 0..1");
            if (a.has("--resize-mode")) b.resizeMode = ResizeMode.parse(a.value("--resize-mode", ""));
        }
        if (mode == Mode.INPAINT) {
            b.maskBlur = a.intValue("--mask-blur", b.maskBlur, 0, 256);
            if (a.has("--masked-content")) b.maskedContent = MaskedContent.parse(a.value("--masked-content", ""));
            if (a.has("--inpaint-area")) {
                String area = a.value("--inpaint-area", "").strip().toLowerCase(java.util.Locale.ROOT).replace('_', '-').replace(' ', '-');
                b.inpaintFullRes = switch (area) {
                    case "only-masked", "masked" -> true;
                    case "whole-picture", "whole" -> false;
                    default -> throw new UsageException("--inpaint-area takes whole-picture or only-masked, not '" + a.value("--inpaint-area", "") + "'");
                };
            }
            b.inpaintPadding = a.intValue("--inpaint-padding", b.inpaintPadding, 0, 4096);
        }
        GenerationParams p = b.build();
        Generator.checkSize(p.width(), p.height());
        return p;
    }

    /** The hires fix of a txt2img run: the infotext's Hires entries, then the --hr-* options; null when off. */
    HiresFix hires(Arguments a, GenerationParams p) {
        if (mode != Mode.TXT2IMG || a.flag("--no-hr")) return null;
        HiresFix fromInfotext = HiresFix.fromInfotext(p.extra());
        boolean asked = a.flag("--enable-hr") || java.util.stream.Stream.of("--hr-upscaler", "--hr-scale", "--hr-resize-x", "--hr-resize-y",
                "--hr-second-pass-steps", "--hr-prompt", "--hr-negative-prompt", "--hr-sampler", "--hr-scheduler", "--hr-cfg").anyMatch(a::has);
        if (fromInfotext == null && !asked) return null;
        HiresFix h = fromInfotext != null ? fromInfotext : HiresFix.defaults();
        if (a.has("--hr-upscaler")) h = h.withUpscaler(a.value("--hr-upscaler", "Latent"));
        h = h.withScale(a.doubleValue("--hr-scale", h.scale()));
        if (!(h.scale() > 0)) throw new UsageException("--hr-scale must be positive");
        h = h.withResize(a.intValue("--hr-resize-x", h.resizeX(), 0, 16384), a.intValue("--hr-resize-y", h.resizeY(), 0, 16384));
        h = h.withSecondPassSteps(a.intValue("--hr-second-pass-steps", h.secondPassSteps(), 0, 10000));
        h = h.withPrompts(a.value("--hr-prompt", h.prompt()), a.value("--hr-negative-prompt", h.negativePrompt()));
        String sampler = h.sampler();
        ScheduleType schedule = h.schedule();
        if (a.has("--hr-sampler")) {
            Samplers.Choice c = Samplers.resolve(a.value("--hr-sampler", ""));
            sampler = c.sampler().label();
            if (c.schedule() != ScheduleType.AUTOMATIC) schedule = c.schedule();
        }
        if (a.has("--hr-scheduler")) schedule = ScheduleType.parse(a.value("--hr-scheduler", ""));
        h = h.withSampler(sampler, schedule);
        if (a.has("--hr-cfg")) h = h.withCfgScale(a.doubleValue("--hr-cfg", 7));
        h = h.withTiles(a.intValue("--upscaler-tile", h.tile(), 0, 4096), a.intValue("--upscaler-tile-overlap", h.tileOverlap(), 0, 4096));
        return h;
    }

    private InitImage initImage(Arguments a, GenerationParams p) {
        if (mode == Mode.TXT2IMG) return null;
        Path image = a.path("--init-image");
        if (image == null) throw new UsageException("--init-image is required for " + mode.name);
        RgbImage init = RgbImage.read(image);
        RgbImage mask = null;
        if (mode == Mode.INPAINT) {
            Path m = a.path("--mask");
            if (m == null) throw new UsageException("--mask is required for inpaint (white = repaint)");
            mask = RgbImage.read(m);
        }
        return InitImage.prepare(init, mask, p);
    }

    /** Progress that also writes a cheap latent preview every N sampler steps. */
    private record PreviewingProgress(Progress inner, int every, Path file, PrintStream err) implements Progress {
        @Override public void update(Phase phase, int done, int total) { inner.update(phase, done, total); }

        @Override public void note(String message) { inner.note(message); }

        @Override public boolean wantsLatents(int step) { return step % every == 0; }

        @Override public void latents(int step, float[] latents, int channels, int height, int width) {
            try {
                byte[] png = Png.encode(LatentPreview.rgb(latents, 0, channels, height, width), width, height, Map.of());
                Files.createDirectories(file.toAbsolutePath().getParent());
                Path tmp = Files.createTempFile(file.toAbsolutePath().getParent(), ".preview-", ".part");
                Files.write(tmp, png);
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException | RuntimeException e) {
                err.println("jsd: preview not written (" + e.getMessage() + ")");
            }
        }
    }
}
