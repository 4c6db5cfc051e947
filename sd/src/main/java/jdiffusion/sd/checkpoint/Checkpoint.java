package jdiffusion.sd.checkpoint;

import jdiffusion.tensor.ckpt.TensorFile;
import jdiffusion.nn.WeightSource;
import jdiffusion.sd.clip.ClipTextConfig;
import jdiffusion.sd.unet.UNetConfig;
import jdiffusion.sd.vae.VaeConfig;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;

import static jdiffusion.sd.checkpoint.LdmNames.CLIP_PREFIX;
import static jdiffusion.sd.checkpoint.LdmNames.OPENCLIP_PREFIX;
import static jdiffusion.sd.checkpoint.LdmNames.UNET_PREFIX;
import static jdiffusion.sd.checkpoint.LdmNames.VAE_PREFIX;

/**
 * An opened Stable Diffusion model: its {@link ModelConfig} and each component's weights under our internal
 * names (diffusers module paths), whatever layout the files use. Weights stay memory-mapped in the file's
 * dtype until closed.
 *
 * <pre>{@code
 * try (Checkpoint ckpt = Checkpoint.open(Path.of("v1-5-pruned-emaonly.safetensors"))) {
 *     ClipTextEncoder clip = new ClipTextEncoder(backend, new Weights(ckpt.textEncoder()), ckpt.config().textEncoder());
 *     AutoencoderKL vae = new AutoencoderKL(backend, new Weights(ckpt.vae()), ckpt.config().vae());
 * }
 * }</pre>
 */
public final class Checkpoint implements AutoCloseable {
    /** How the model is stored. */
    public enum Layout { SINGLE_FILE, DIFFUSERS }

    /** DDPM buffers ldm checkpoints carry beside the weights; {@code alphas_cumprod} is read, the rest derive from it. */
    private static final List<String> LDM_BUFFERS = List.of("betas", "alphas_cumprod", "alphas_cumprod_prev", "sqrt_alphas_cumprod",
            "sqrt_one_minus_alphas_cumprod", "log_one_minus_alphas_cumprod", "sqrt_recip_alphas_cumprod", "sqrt_recipm1_alphas_cumprod",
            "posterior_variance", "posterior_log_variance_clipped", "posterior_mean_coef1", "posterior_mean_coef2", "logvar", "lvlb_weights",
            "model_ema", "scale_factor");

    private final Path path;
    private final Layout layout;
    private final ModelConfig config;
    private final MappedWeights unet, vae, text;
    private final float[] alphasCumprod;
    private final Path tokenizerDir;
    private final List<TensorFile> files;
    /** SDXL's two text encoders (the refiner's one), opened on first use; null until then and for SD1/SD2. */
    private SdxlTextEncoders sdxlText;
    /** How to open them: from the single file (with its yaml) or the diffusers folder; null when the model has none. */
    private java.util.function.Supplier<SdxlTextEncoders> sdxlTextSource;

    private Checkpoint(Path path, Layout layout, ModelConfig config, MappedWeights unet, MappedWeights vae, MappedWeights text,
                       float[] alphasCumprod, Path tokenizerDir, List<TensorFile> files) {
        this.path = path;
        this.layout = layout;
        this.config = config;
        this.unet = unet;
        this.vae = vae;
        this.text = text;
        this.alphasCumprod = alphasCumprod;
        this.tokenizerDir = tokenizerDir;
        this.files = files;
    }

    /** Opens a single-file checkpoint (with its sibling {@code <name>.yaml} if any) or a diffusers folder. */
    public static Checkpoint open(Path path) {
        if (Files.isDirectory(path)) return openDiffusers(path);
        if (!Files.isRegularFile(path)) throw new ModelLoadException(path + ": no such file or folder");
        return openSingleFile(path, siblingYaml(path));
    }

    /** {@code <name>.yaml} beside {@code <name>.safetensors}, as A1111 looks for it; null when absent. */
    public static Path siblingYaml(Path file) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String stem = dot > 0 ? name.substring(0, dot) : name;
        // "model.fp16.safetensors" may share "model.yaml" with its F32 sibling
        for (String s : List.of(stem, stem.endsWith(".fp16") ? stem.substring(0, stem.length() - 5) : stem)) {
            Path yaml = file.resolveSibling(s + ".yaml");
            if (Files.isRegularFile(yaml)) return yaml;
        }
        return null;
    }

    /** Opens an ldm/A1111 single file; {@code yaml} (may be null) overrides detection. */
    public static Checkpoint openSingleFile(Path file, Path yaml) { return fromSingleFile(ModelFile.open(file), yaml); }

    /** A single-file checkpoint over an opened tensor file, which the checkpoint then owns (closed on failure too). */
    static Checkpoint fromSingleFile(TensorFile f, Path yaml) {
        Path file = f.path();
        try {
            ModelDetector.refuseUnsupported(f);
            ModelConfig config = yaml != null ? LdmYamlConfig.read(yaml, f) : detect(f);
            checkTopLevelNames(f, config.family());
            MappedWeights unet = MappedWeights.of(f, UNET_PREFIX, LdmNames.unet(config.unet()));
            MappedWeights vae = ModelDetector.anyStartsWith(f, VAE_PREFIX) ? MappedWeights.of(f, VAE_PREFIX, LdmNames.vae(config.vae())) : null;
            MappedWeights text = null;
            if (config.textEncoder() != null) {
                text = config.family() == ModelFamily.SD2
                        ? MappedWeights.of(f, OPENCLIP_PREFIX, LdmNames.openClip(config.textEncoder().layers()))
                        : MappedWeights.of(f, CLIP_PREFIX, LdmNames.clip());
            }
            float[] alphas = f.contains("alphas_cumprod") ? f.get("alphas_cumprod").toFloatArray() : null;
            Checkpoint c = new Checkpoint(file, Layout.SINGLE_FILE, config, unet, vae, text, alphas, null, List.of(f));
            if (config.family().isSdxl() && SdxlTextEncoders.isSdxl(f)) c.sdxlTextSource = () -> SdxlTextEncoders.fromSingleFile(f, yaml);
            return c;
        } catch (RuntimeException e) {
            f.close();
            throw e;
        }
    }

    private static ModelConfig detect(TensorFile f) {
        ModelFamily family = ModelDetector.family(f);
        UNetConfig unet = ModelDetector.unet(f, family);
        boolean hasVae = ModelDetector.anyStartsWith(f, VAE_PREFIX);
        VaeConfig defaults = family.isSdxl() ? VaeConfig.sdxl() : VaeConfig.sd();
        VaeConfig vae = hasVae ? ModelDetector.vaeLdm(f, VAE_PREFIX, defaults.scalingFactor()) : defaults;
        // SDXL's two text encoders are read by SdxlTextEncoders, not described by this config
        boolean hasText = !family.isSdxl() && ModelDetector.anyStartsWith(f, family == ModelFamily.SD2 ? OPENCLIP_PREFIX : CLIP_PREFIX);
        ClipTextConfig clip = hasText ? ModelDetector.clip(f, family) : null;
        ModelVariant variant = ModelVariant.fromInputChannels(unet.inChannels(), vae.latentChannels());
        // v-prediction cannot be read from the weights: SD2 768-v files need their v2-inference-v.yaml beside them
        return new ModelConfig(family, variant, "epsilon", unet, vae, clip, DiffusionSchedule.sd(), "detected from the weights of " + f.path(), true);
    }

    /** Every tensor must belong to a component we load or to the known ldm extras; anything else means a layout we do not know. */
    private static void checkTopLevelNames(TensorFile f, ModelFamily family) {
        TreeSet<String> unknown = new TreeSet<>();
        for (String n : f.names()) {
            if (n.startsWith(UNET_PREFIX) || n.startsWith(VAE_PREFIX)) continue;
            if (family.isSdxl() ? n.startsWith(LdmNames.SGM_CONDITIONER_PREFIX) : n.startsWith(CLIP_PREFIX) || n.startsWith(OPENCLIP_PREFIX)) continue;
            boolean known = false;
            for (String b : LDM_BUFFERS) if (n.equals(b) || n.startsWith(b + ".")) { known = true; break; }
            if (!known) unknown.add(n);
        }
        if (!unknown.isEmpty())
            throw new ModelLoadException(f.path() + ": " + unknown.size() + " tensor(s) outside the UNet, VAE and text encoder, e.g. "
                    + unknown.stream().limit(6).toList() + ": not a plain " + family.label() + " checkpoint");
    }

    /** Opens a diffusers folder ({@code model_index.json}, {@code unet/}, {@code vae/}, {@code text_encoder/}, ...). */
    public static Checkpoint openDiffusers(Path folder) {
        Path index = folder.resolve("model_index.json");
        if (!Files.isRegularFile(index) && !Files.isDirectory(folder.resolve("unet")))
            throw new ModelLoadException(folder + ": not a diffusers folder (no model_index.json or unet/)");
        ConfigNode idx = Files.isRegularFile(index) ? DiffusersConfig.readJson(index) : new ConfigNode(null, index.toString());
        DiffusersConfig.refuseUnsupported(folder, idx);
        UNetConfig unetConfig = DiffusersConfig.unet(DiffusersConfig.readJson(folder.resolve("unet/config.json")));
        VaeConfig vaeConfig = DiffusersConfig.vae(DiffusersConfig.readJson(folder.resolve("vae/config.json")));
        Path textDir = folder.resolve("text_encoder");
        ConfigNode textJson = Files.isDirectory(textDir) ? DiffusersConfig.readJson(textDir.resolve("config.json")) : null;
        ModelFamily family = DiffusersConfig.family(folder, unetConfig, textJson);
        // SDXL's two text encoders are read by SdxlTextEncoders, not described by this config
        if (family.isSdxl()) textJson = null;
        ClipTextConfig clipConfig = textJson == null ? null : DiffusersConfig.clip(textJson, family);
        Path sched = folder.resolve("scheduler/scheduler_config.json");
        String prediction = "epsilon";
        DiffusionSchedule schedule = DiffusionSchedule.sd();
        boolean guessed = true;
        if (Files.isRegularFile(sched)) {
            guessed = false;
            ConfigNode s = DiffusersConfig.readJson(sched);
            prediction = s.string("prediction_type", "epsilon");
            if (!prediction.equals("epsilon") && !prediction.equals("v_prediction"))
                throw new UnsupportedModelException(sched + ": prediction_type " + prediction + " is not supported (epsilon or v_prediction)");
            schedule = DiffusersConfig.schedule(s);
        }
        ModelVariant variant = ModelVariant.fromInputChannels(unetConfig.inChannels(), vaeConfig.latentChannels());
        ModelConfig config = new ModelConfig(family, variant, prediction, unetConfig, vaeConfig, clipConfig, schedule, folder + " (config.json files)", guessed);

        List<TensorFile> files = new ArrayList<>();
        try {
            TensorFile unetFile = componentFile(folder.resolve("unet"), "diffusion_pytorch_model");
            files.add(unetFile);
            TensorFile vaeFile = componentFile(folder.resolve("vae"), "diffusion_pytorch_model");
            files.add(vaeFile);
            MappedWeights text = null;
            if (textJson != null) {
                TensorFile textFile = componentFile(textDir, "model");
                files.add(textFile);
                text = MappedWeights.of(textFile, "", LdmNames.diffusersClip());
            }
            MappedWeights unet = MappedWeights.of(unetFile, "", new KeyMap(true));
            MappedWeights vae = MappedWeights.of(vaeFile, "", LdmNames.diffusersVae());
            Path tok = folder.resolve("tokenizer");
            Checkpoint c = new Checkpoint(folder, Layout.DIFFUSERS, config, unet, vae, text, null, Files.isDirectory(tok) ? tok : null, List.copyOf(files));
            if (family.isSdxl() && Files.isDirectory(folder.resolve("text_encoder_2"))) c.sdxlTextSource = () -> SdxlTextEncoders.fromDiffusers(folder);
            return c;
        } catch (RuntimeException e) {
            files.forEach(TensorFile::close);
            throw e;
        }
    }

    /** A component's weights: the F32 file when present, else the {@code .fp16} variant; sharded indexes and pickles too. */
    static TensorFile componentFile(Path dir, String base) {
        if (!Files.isDirectory(dir)) throw new ModelLoadException(dir + ": missing component folder");
        for (String variant : List.of("", ".fp16")) {
            Path single = dir.resolve(base + variant + ".safetensors");
            if (Files.isRegularFile(single)) return ModelFile.open(single);
            Path index = dir.resolve(base + variant + ".safetensors.index.json");
            if (Files.isRegularFile(index)) return ShardedTensorFile.open(index);
        }
        String pickle = base.equals("model") ? "pytorch_model" : base;
        for (String variant : List.of("", ".fp16")) {
            Path bin = dir.resolve(pickle + variant + ".bin");
            if (Files.isRegularFile(bin)) return ModelFile.open(bin);
        }
        throw new ModelLoadException(dir + ": no weights (" + base + ".safetensors, " + base + ".fp16.safetensors or " + pickle + ".bin)");
    }

    public Path path() { return path; }

    public Layout layout() { return layout; }

    public ModelConfig config() { return config; }

    /** UNet weights under diffusers {@code UNet2DConditionModel} names. */
    public WeightSource unet() { return unet; }

    /** VAE weights under diffusers {@code AutoencoderKL} names. */
    public WeightSource vae() {
        if (vae == null) throw new ModelLoadException(path + ": the checkpoint holds no VAE (first_stage_model.*): choose a VAE file (--vae)");
        return vae;
    }

    /** Text encoder weights under Hugging Face {@code CLIPTextModel} names. */
    public WeightSource textEncoder() {
        if (text == null) throw new ModelLoadException(path + ": the checkpoint holds no text encoder");
        return text;
    }

    public boolean hasTextEncoder() { return text != null; }

    /**
     * SDXL's text encoders (CLIP-L and bigG; bigG alone for the refiner), when this is an SDXL model that holds them.
     * Opened on first use, so a file whose UNet loads is inspected even when its text towers need a yaml to be read.
     */
    public synchronized Optional<SdxlTextEncoders> sdxlText() {
        if (sdxlText == null && sdxlTextSource != null) sdxlText = sdxlTextSource.get();
        return Optional.ofNullable(sdxlText);
    }

    public boolean hasVae() { return vae != null; }

    /** The model's own {@code alphas_cumprod} buffer when the file carries one (ldm single files); else derive it from {@link ModelConfig#schedule()}. */
    public Optional<float[]> alphasCumprod() { return Optional.ofNullable(alphasCumprod).map(float[]::clone); }

    /** The diffusers folder's {@code tokenizer/} (vocab.json, merges.txt), when there is one. */
    public Optional<Path> tokenizerDir() { return Optional.ofNullable(tokenizerDir); }

    @Override public synchronized void close() {
        if (sdxlText != null) sdxlText.close();
        files.forEach(TensorFile::close);
    }

    @Override public String toString() {
        return "Checkpoint[" + path.getFileName() + ", " + layout + ", " + config.family() + " " + config.variant() + ", " + config.predictionType() + "]";
    }
}
