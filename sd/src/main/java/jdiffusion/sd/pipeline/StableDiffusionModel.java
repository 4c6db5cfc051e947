package jdiffusion.sd.pipeline;

import jdiffusion.nn.Weights;
import jdiffusion.sd.checkpoint.Checkpoint;
import jdiffusion.sd.checkpoint.DiffusionSchedule;
import jdiffusion.sd.checkpoint.ModelVariant;
import jdiffusion.sd.checkpoint.VaeFile;
import jdiffusion.sd.clip.ClipTextEncoder;
import jdiffusion.sd.clip.ClipTokenizer;
import jdiffusion.sd.sample.KDiffusionDenoiser;
import jdiffusion.sd.sample.NoiseSchedule;
import jdiffusion.sd.sample.Prediction;
import jdiffusion.sd.unet.UNet;
import jdiffusion.sd.vae.AutoencoderKL;
import jdiffusion.sd.vae.VaeConfig;
import jdiffusion.tensor.Backend;
import jdiffusion.tensor.ckpt.ModelHash;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A Stable Diffusion model ready to generate: tokenizer, text encoder, UNet, VAE, the model's noise schedule
 * ({@code alphas_cumprod}) and prediction type, all on one backend. Weights stay memory-mapped until {@link #close()}.
 *
 * <pre>{@code
 * try (StableDiffusionModel m = StableDiffusionModel.load(backend, ModelFiles.of(Path.of("v1-5.safetensors")))) {
 *     List<GeneratedImage> images = new Generator(m).txt2img(params, Progress.NONE);
 * }
 * }</pre>
 */
public final class StableDiffusionModel implements AutoCloseable {
    private final Backend backend;
    private final Path path;
    private final Checkpoint checkpoint;
    private final VaeFile vaeFile;
    private final ClipTokenizer tokenizer;
    private final ClipTextEncoder textEncoder;
    private final UNet unet;
    private final AutoencoderKL vae;
    private final KDiffusionDenoiser denoiser;
    private final ModelVariant variant;
    private final Path vaePath;
    private String hash;
    private String vaeHash;

    private StableDiffusionModel(Backend backend, Path path, Checkpoint checkpoint, VaeFile vaeFile, Path vaePath, ClipTokenizer tokenizer,
                                 ClipTextEncoder textEncoder, UNet unet, AutoencoderKL vae, KDiffusionDenoiser denoiser, ModelVariant variant) {
        this.backend = backend;
        this.path = path;
        this.checkpoint = checkpoint;
        this.vaeFile = vaeFile;
        this.vaePath = vaePath;
        this.tokenizer = tokenizer;
        this.textEncoder = textEncoder;
        this.unet = unet;
        this.vae = vae;
        this.denoiser = denoiser;
        this.variant = variant;
    }

    /**
     * Opens the checkpoint, the VAE (explicit, else a sibling {@code <model>.vae.safetensors/.pt/.ckpt}, else the checkpoint's own) and the
     * tokenizer (explicit, else the model's own or one beside it, else the bundled one with the text encoder's padding).
     */
    public static StableDiffusionModel load(Backend backend, ModelFiles files) {
        Path path = files.model();
        if (path == null) throw new PipelineException("no model given: pass --model FILE.safetensors (or a diffusers folder)");
        if (!Files.exists(path)) throw new PipelineException(path + ": no such model file or folder");
        Checkpoint ckpt = Checkpoint.open(path);
        VaeFile vaeFile = null;
        try {
            ClipTokenizer tokenizer = ClipTokenizer.forModel(files.tokenizer(), Files.isDirectory(path) ? path : tokenizerHomeBeside(path),
                    ckpt.config().textEncoder().padTokenId());
            ClipTextEncoder text = new ClipTextEncoder(backend, new Weights(ckpt.textEncoder()), ckpt.config().textEncoder());
            UNet unet = new UNet(backend, new Weights(ckpt.unet()), ckpt.config().unet());
            Path vaePath = files.vae() != null ? files.vae() : files.ownVae() ? null : siblingVae(path);
            AutoencoderKL vae;
            if (vaePath != null) {
                if (!Files.exists(vaePath)) throw new PipelineException(vaePath + ": no such VAE file or folder");
                vaeFile = VaeFile.open(vaePath, ckpt.config().vae());
                vae = new AutoencoderKL(backend, new Weights(vaeFile.weights()), vaeFile.config());
            } else {
                vae = new AutoencoderKL(backend, new Weights(ckpt.vae()), ckpt.config().vae());
            }
            Prediction prediction = Prediction.parse(ckpt.config().predictionType());
            KDiffusionDenoiser denoiser = new KDiffusionDenoiser(noiseSchedule(ckpt), prediction);
            return new StableDiffusionModel(backend, path, ckpt, vaeFile, vaePath, tokenizer, text, unet, vae, denoiser, ckpt.config().variant());
        } catch (RuntimeException e) {
            if (vaeFile != null) vaeFile.close();
            ckpt.close();
            throw e;
        }
    }

    /**
     * Where a single-file model's tokenizer may sit: a diffusers copy of the same model beside it
     * ({@code <stem>/tokenizer/}), else a {@code tokenizer/} folder beside it; null when neither exists (then CLIP's
     * vocabulary shipped in the jar serves).
     */
    static Path tokenizerHomeBeside(Path file) {
        Path dir = file.toAbsolutePath().getParent();
        if (dir == null) return null;
        for (Path home : List.of(dir.resolve(stem(file)), dir))
            if (Files.isRegularFile(home.resolve("tokenizer").resolve("vocab.json"))) return home;
        return null;
    }

    /** The model's training noise schedule: its {@code alphas_cumprod} buffer when it has one, else from its config. */
    public static NoiseSchedule noiseSchedule(Checkpoint ckpt) {
        return NoiseSchedule.fromAlphasCumprod(ckpt.alphasCumprod().orElseGet(() -> schedule(ckpt.config().schedule()).alphasCumprod()));
    }

    /** The training schedule when the file carries no {@code alphas_cumprod} buffer. */
    static NoiseSchedule schedule(DiffusionSchedule s) {
        if (s.ldmPrecision()) return NoiseSchedule.ldmLinear(s.timesteps(), s.betaStart(), s.betaEnd());
        return switch (s.betaSchedule()) {
            case "linear" -> NoiseSchedule.diffusersLinear(s.timesteps(), s.betaStart(), s.betaEnd());
            default -> NoiseSchedule.diffusersScaledLinear(s.timesteps(), s.betaStart(), s.betaEnd());
        };
    }

    /** A1111's automatic VAE: {@code <model stem>.vae.safetensors} (or .pt, .ckpt) beside a single-file model. */
    static Path siblingVae(Path model) {
        if (Files.isDirectory(model)) return null;
        String name = model.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String stem = dot > 0 ? name.substring(0, dot) : name;
        for (String ext : List.of(".vae.safetensors", ".vae.pt", ".vae.ckpt")) {
            Path p = model.resolveSibling(stem + ext);
            if (Files.isRegularFile(p)) return p;
        }
        return null;
    }

    public Backend backend() { return backend; }
    public Path path() { return path; }
    public Checkpoint checkpoint() { return checkpoint; }
    public ClipTokenizer tokenizer() { return tokenizer; }
    public ClipTextEncoder textEncoder() { return textEncoder; }
    public UNet unet() { return unet; }
    public AutoencoderKL vae() { return vae; }
    public KDiffusionDenoiser denoiser() { return denoiser; }
    public ModelVariant variant() { return variant; }
    public VaeConfig vaeConfig() { return vae.config(); }

    /** Latent channels of the VAE (4 in SD). */
    public int latentChannels() { return vae.config().latentChannels(); }

    /** Image pixels per latent pixel: 8 in SD, 2 in the tiny test model. */
    public int vaeScaleFactor() { return vae.config().downsamplingFactor(); }

    /** The WebUI's model name: the file name without extension (the folder name for diffusers models). */
    public String name() { return stem(path); }

    /** The separate VAE's file name (the WebUI's {@code VAE:} infotext value), or null when the checkpoint's own VAE is used. */
    public String vaeName() { return vaePath == null ? null : vaePath.getFileName().toString(); }

    /** The WebUI's {@code Model hash} (AutoV2: first 10 hex of the file's SHA-256), null for folders. Computed once, on first use. */
    public synchronized String hash() {
        if (hash == null && Files.isRegularFile(path)) hash = ModelHash.autoV2(path);
        return hash;
    }

    public synchronized String vaeHash() {
        if (vaeHash == null && vaePath != null && Files.isRegularFile(vaePath)) vaeHash = ModelHash.autoV2(vaePath);
        return vaeHash;
    }

    static String stem(Path p) {
        String name = p.getFileName().toString();
        if (Files.isDirectory(p)) return name;
        for (String ext : List.of(".vae.safetensors", ".safetensors", ".ckpt", ".pt", ".bin"))
            if (name.endsWith(ext)) return name.substring(0, name.length() - ext.length());
        int dot = name.lastIndexOf('.');
        return dot > 0 ? name.substring(0, dot) : name;
    }

    @Override public void close() {
        if (vaeFile != null) vaeFile.close();
        checkpoint.close();
    }
}
