package jdiffusion.sd.checkpoint;

import jdiffusion.tensor.ckpt.TensorFile;
import jdiffusion.nn.WeightSource;
import jdiffusion.sd.clip.ClipTextConfig;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import static jdiffusion.sd.checkpoint.SdxlTextNames.BASE_CLIP_L_PREFIX;
import static jdiffusion.sd.checkpoint.SdxlTextNames.CONDITIONER_PREFIX;

/**
 * SDXL's text side as stored: CLIP-L (base only) and OpenCLIP-bigG, each with its {@link ClipTextConfig} and its
 * weights under Hugging Face names, plus what the conditioner needs to build the UNet's vector: the width of each
 * size/crop/aesthetic embedding and whether the model is conditioned on an aesthetic score (the refiner).
 * Weights stay memory-mapped in the file's dtype (F32, F16, BF16).
 *
 * <pre>{@code
 * try (SdxlTextEncoders text = SdxlTextEncoders.open(Path.of("sd_xl_base_1.0.safetensors"))) {
 *     SdxlConditioner conditioner = new SdxlConditioner(backend, text, tokenizer, null);
 * }
 * }</pre>
 * The checkpoint loader calls {@link #fromSingleFile} on the file it has opened (and keeps owning it) or
 * {@link #fromDiffusers} on a folder (whose files this object then owns).
 */
public final class SdxlTextEncoders implements AutoCloseable {
    /** Real SDXL's size embedding width (sgm {@code ConcatTimestepEmbedderND.outdim}, diffusers {@code addition_time_embed_dim}). */
    public static final int DEFAULT_SIZE_EMBEDDING_DIM = 256;

    private final Path source;
    private final WeightSource clipL, bigG;
    private final ClipTextConfig clipLConfig, bigGConfig;
    private final int sizeEmbeddingDim;
    private final boolean aestheticScore;
    private final Path clipLTokenizer, bigGTokenizer;
    private final List<TensorFile> owned;

    private SdxlTextEncoders(Path source, WeightSource clipL, ClipTextConfig clipLConfig, WeightSource bigG, ClipTextConfig bigGConfig,
                             int sizeEmbeddingDim, boolean aestheticScore, Path clipLTokenizer, Path bigGTokenizer, List<TensorFile> owned) {
        if ((clipL == null) != (clipLConfig == null)) throw new IllegalArgumentException("CLIP-L weights and config go together");
        if (!bigGConfig.hasProjection()) throw new ModelLoadException(source + ": the OpenCLIP-bigG text encoder has no text_projection");
        if (sizeEmbeddingDim < 2 || sizeEmbeddingDim % 2 != 0)
            throw new ModelLoadException(source + ": size embedding width " + sizeEmbeddingDim + " is not a positive even number");
        this.source = source;
        this.clipL = clipL;
        this.clipLConfig = clipLConfig;
        this.bigG = bigG;
        this.bigGConfig = bigGConfig;
        this.sizeEmbeddingDim = sizeEmbeddingDim;
        this.aestheticScore = aestheticScore;
        this.clipLTokenizer = clipLTokenizer;
        this.bigGTokenizer = bigGTokenizer;
        this.owned = owned;
    }

    /** A single file (owned and closed by this object) or a diffusers folder. */
    public static SdxlTextEncoders open(Path path) {
        if (Files.isDirectory(path)) return fromDiffusers(path);
        TensorFile f = ModelFile.open(path);
        try {
            SdxlTextEncoders t = fromSingleFile(f, Checkpoint.siblingYaml(path));
            return new SdxlTextEncoders(t.source, t.clipL, t.clipLConfig, t.bigG, t.bigGConfig, t.sizeEmbeddingDim, t.aestheticScore,
                    null, null, List.of(f));
        } catch (RuntimeException e) {
            f.close();
            throw e;
        }
    }

    /** True when {@code f} holds an SDXL conditioner's text tower (base or refiner). */
    public static boolean isSdxl(TensorFile f) { return SdxlTextNames.bigGPrefix(f) != null; }

    /**
     * The text encoders of an sgm single file (base: {@code conditioner.embedders.0.transformer.} CLIP-L and
     * {@code conditioner.embedders.1.model.} bigG; refiner: {@code conditioner.embedders.0.model.} bigG only).
     * {@code yaml} (may be null) is the sgm config beside the file: it gives the head counts of non-standard
     * towers ({@code tiny_text_config}) and the size embedding width; without it both come from the weights' shapes.
     * The caller keeps owning {@code f}.
     */
    public static SdxlTextEncoders fromSingleFile(TensorFile f, Path yaml) {
        String bigGPrefix = SdxlTextNames.bigGPrefix(f);
        if (bigGPrefix == null)
            throw new ModelLoadException(f.path() + ": no SDXL text encoder (conditioner.embedders.N.model.ln_final.weight): not an SDXL checkpoint");
        boolean hasClipL = ModelDetector.anyStartsWith(f, BASE_CLIP_L_PREFIX);
        SgmConditionerYaml y = yaml == null ? SgmConditionerYaml.NONE : SgmConditionerYaml.read(yaml);
        checkConditionerNames(f, bigGPrefix, hasClipL);

        MappedWeights clipL = null;
        ClipTextConfig clipLConfig = null;
        if (hasClipL) {
            clipLConfig = clipLFromShapes(f, y.clipL());
            clipL = MappedWeights.of(f, BASE_CLIP_L_PREFIX, SdxlTextNames.clipL());
        }
        ClipTextConfig bigGConfig = bigGFromShapes(f, bigGPrefix, y.bigG());
        MappedWeights bigG = MappedWeights.of(f, bigGPrefix, SdxlTextNames.bigG(bigGConfig.layers()));
        boolean aesthetic = y.known() ? y.aestheticScore() : !hasClipL;
        int dim = y.sizeEmbeddingDim() > 0 ? y.sizeEmbeddingDim() : sizeEmbeddingFromUNet(f, bigGConfig.projectionDim(), aesthetic ? 5 : 6);
        return new SdxlTextEncoders(f.path(), clipL, clipLConfig, bigG, bigGConfig, dim, aesthetic, null, null, List.of());
    }

    /**
     * The text encoders of a diffusers SDXL folder: {@code text_encoder/} (absent in a refiner), {@code text_encoder_2/},
     * their tokenizers, {@code unet/config.json}'s {@code addition_time_embed_dim} and {@code model_index.json}'s
     * {@code requires_aesthetics_score}. This object owns the files it opens.
     */
    public static SdxlTextEncoders fromDiffusers(Path folder) {
        Path te2 = folder.resolve("text_encoder_2");
        if (!Files.isDirectory(te2))
            throw new ModelLoadException(folder + ": no text_encoder_2/ folder: not an SDXL diffusers model");
        Path te1 = folder.resolve("text_encoder");
        Path index = folder.resolve("model_index.json");
        ConfigNode idx = Files.isRegularFile(index) ? DiffusersConfig.readJson(index) : new ConfigNode(null, index.toString());
        Path unetConfig = folder.resolve("unet/config.json");
        int dim = Files.isRegularFile(unetConfig)
                ? DiffusersConfig.readJson(unetConfig).integer("addition_time_embed_dim", DEFAULT_SIZE_EMBEDDING_DIM) : DEFAULT_SIZE_EMBEDDING_DIM;
        Path tok1 = tokenizerDir(folder.resolve("tokenizer")), tok2 = tokenizerDir(folder.resolve("tokenizer_2"));
        List<TensorFile> files = new ArrayList<>();
        try {
            MappedWeights clipL = null;
            ClipTextConfig clipLConfig = null;
            if (Files.isDirectory(te1)) {
                TensorFile f = Checkpoint.componentFile(te1, "model");
                files.add(f);
                clipLConfig = DiffusersConfig.clip(DiffusersConfig.readJson(te1.resolve("config.json")), ModelFamily.SD1);
                clipL = MappedWeights.of(f, "", SdxlTextNames.diffusers());
            }
            TensorFile f2 = Checkpoint.componentFile(te2, "model");
            files.add(f2);
            // open_clip pads with 0: tokenizer_2 says so ("!"), the text config's pad_token_id does not
            int pad = tok2 != null ? jdiffusion.sd.clip.ClipTokenizer.load(tok2).padId() : 0;
            ClipTextConfig g = DiffusersConfig.clip(DiffusersConfig.readJson(te2.resolve("config.json")), ModelFamily.SD2);
            if (!f2.contains("text_projection.weight"))
                throw new ModelLoadException(f2.path() + ": no text_projection.weight: text_encoder_2 must be a CLIPTextModelWithProjection");
            int projection = f2.shape("text_projection.weight")[0];
            ClipTextConfig bigGConfig = new ClipTextConfig(g.hiddenSize(), g.layers(), g.heads(), g.intermediateSize(), g.activation(),
                    g.vocabSize(), g.maxPositions(), g.layerNormEps(), pad, g.eosTokenId(), 0, projection);
            MappedWeights bigG = MappedWeights.of(f2, "", SdxlTextNames.diffusers());
            boolean aesthetic = idx.bool("requires_aesthetics_score", clipL == null);
            return new SdxlTextEncoders(folder, clipL, clipLConfig, bigG, bigGConfig, dim, aesthetic, tok1, tok2, List.copyOf(files));
        } catch (RuntimeException e) {
            files.forEach(TensorFile::close);
            throw e;
        }
    }

    private static Path tokenizerDir(Path p) {
        return Files.isRegularFile(p.resolve("vocab.json")) && Files.isRegularFile(p.resolve("merges.txt")) ? p : null;
    }

    /** Every tensor under {@code conditioner.} must belong to one of the text towers (the size embedders have no weights). */
    private static void checkConditionerNames(TensorFile f, String bigGPrefix, boolean hasClipL) {
        TreeSet<String> unknown = new TreeSet<>();
        for (String n : f.names())
            if (n.startsWith(CONDITIONER_PREFIX) && !n.startsWith(bigGPrefix) && !(hasClipL && n.startsWith(BASE_CLIP_L_PREFIX))) unknown.add(n);
        if (!unknown.isEmpty())
            throw new ModelLoadException(f.path() + ": " + unknown.size() + " conditioner tensor(s) belong to no SDXL text encoder, e.g. "
                    + unknown.stream().limit(6).toList() + ": an SDXL variant this engine does not know, or a damaged/merged file");
    }

    private static ClipTextConfig clipLFromShapes(TensorFile f, ConfigNode tiny) {
        String p = BASE_CLIP_L_PREFIX + (ModelDetector.anyStartsWith(f, BASE_CLIP_L_PREFIX + "text_model.") ? "text_model." : "");
        int[] tok = ModelDetector.require(f, p + "embeddings.token_embedding.weight");
        int positions = ModelDetector.require(f, p + "embeddings.position_embedding.weight")[0];
        int layers = ModelDetector.countIndexed(f, p + "encoder.layers.");
        int inter = ModelDetector.require(f, p + "encoder.layers.0.mlp.fc1.weight")[0];
        return new ClipTextConfig(tok[1], layers, heads(f, tok[1], tiny), inter,
                activation(tiny, ClipTextConfig.Activation.QUICK_GELU), tok[0], positions, (float) tiny.number("layer_norm_eps", 1e-5),
                49407, 49407, 0, 0);
    }

    private static ClipTextConfig bigGFromShapes(TensorFile f, String p, ConfigNode tiny) {
        int[] tok = ModelDetector.require(f, p + "token_embedding.weight");
        int positions = ModelDetector.require(f, p + "positional_embedding")[0];
        int layers = ModelDetector.countIndexed(f, p + "transformer.resblocks.");
        int inter = ModelDetector.require(f, p + "transformer.resblocks.0.mlp.c_fc.weight")[0];
        int[] projection = ModelDetector.require(f, p + "text_projection");
        if (projection.length != 2 || projection[0] != tok[1])
            throw new ModelLoadException(f.path() + ": " + p + "text_projection has shape " + java.util.Arrays.toString(projection)
                    + ", expected [" + tok[1] + ", projection width]");
        return new ClipTextConfig(tok[1], layers, heads(f, tok[1], tiny), inter, activation(tiny, ClipTextConfig.Activation.GELU),
                tok[0], positions, (float) tiny.number("layer_norm_eps", 1e-5), 0, 49407, 0, projection[1]);
    }

    private static ClipTextConfig.Activation activation(ConfigNode tiny, ClipTextConfig.Activation fallback) {
        if (!tiny.has("hidden_act")) return fallback;
        try {
            return ClipTextConfig.Activation.parse(tiny.string("hidden_act", ""));
        } catch (IllegalArgumentException e) {
            throw new UnsupportedModelException(tiny.where() + ": " + e.getMessage());
        }
    }

    /** Heads from the yaml's {@code tiny_text_config}, else CLIP's 64-wide heads (true of ViT-L and ViT-bigG). */
    private static int heads(TensorFile f, int width, ConfigNode tiny) {
        if (tiny.has("num_attention_heads")) return tiny.requireInt("num_attention_heads");
        if (width % 64 != 0)
            throw new ModelLoadException(f.path() + ": a text encoder is " + width + " wide, not a multiple of 64, so its head count "
                    + "cannot be inferred: put the sgm .yaml beside the checkpoint");
        return width / 64;
    }

    /** sgm's {@code adm_in_channels} = pooled + values × width: the width from the UNet's {@code label_emb} input, else real SDXL's. */
    private static int sizeEmbeddingFromUNet(TensorFile f, int pooled, int values) {
        String key = "model.diffusion_model.label_emb.0.0.weight";
        if (!f.contains(key)) return DEFAULT_SIZE_EMBEDDING_DIM;
        int adm = f.shape(key)[1];
        if (adm <= pooled || (adm - pooled) % values != 0)
            throw new ModelLoadException(f.path() + ": label_emb takes " + adm + " values, which is not the pooled " + pooled + " plus "
                    + values + " size embeddings: put the sgm .yaml beside the checkpoint");
        return (adm - pooled) / values;
    }

    /** Where this came from (file or folder), for messages. */
    public Path source() { return source; }

    /** True for the base (CLIP-L and bigG); false for the refiner (bigG only). */
    public boolean hasClipL() { return clipL != null; }

    /** CLIP-L weights under Hugging Face names; absent in a refiner. */
    public WeightSource clipL() {
        if (clipL == null) throw new ModelLoadException(source + ": an SDXL refiner has no CLIP-L text encoder");
        return clipL;
    }

    public ClipTextConfig clipLConfig() { return clipLConfig; }

    /** OpenCLIP-bigG weights under Hugging Face {@code CLIPTextModelWithProjection} names ({@code text_projection.weight} [P, W]). */
    public WeightSource bigG() { return bigG; }

    public ClipTextConfig bigGConfig() { return bigGConfig; }

    /** Width of each sinusoidal size/crop/aesthetic embedding in the vector (16 in the tiny test models, 256 real). */
    public int sizeEmbeddingDim() { return sizeEmbeddingDim; }

    /** True when the vector ends with an aesthetic score instead of the target size (the refiner). */
    public boolean aestheticScore() { return aestheticScore; }

    /** Width of the UNet's vector input ({@code adm_in_channels}): pooled + 6 (base) or 5 (refiner) size embeddings. */
    public int vectorDim() { return bigGConfig.projectionDim() + (aestheticScore ? 5 : 6) * sizeEmbeddingDim; }

    /** Width of the cross-attention context: CLIP-L's plus bigG's (2048 real), bigG's alone for the refiner (1280). */
    public int contextDim() { return (clipL == null ? 0 : clipLConfig.hiddenSize()) + bigGConfig.hiddenSize(); }

    /** A diffusers folder's {@code tokenizer/}, when there is one. */
    public java.util.Optional<Path> clipLTokenizerDir() { return java.util.Optional.ofNullable(clipLTokenizer); }

    /** A diffusers folder's {@code tokenizer_2/}, when there is one. */
    public java.util.Optional<Path> bigGTokenizerDir() { return java.util.Optional.ofNullable(bigGTokenizer); }

    /**
     * The same encoders over other weights under the same names (e.g. {@code PatchedWeights} with LoRAs merged in);
     * {@code clipL} null for the refiner. The result owns nothing: keep this one open while it is used.
     */
    public SdxlTextEncoders withWeights(WeightSource clipL, WeightSource bigG) {
        if ((clipL == null) != (this.clipL == null)) throw new IllegalArgumentException("CLIP-L weights must be given exactly when the model has CLIP-L");
        return new SdxlTextEncoders(source, clipL, clipLConfig, bigG, bigGConfig, sizeEmbeddingDim, aestheticScore, clipLTokenizer, bigGTokenizer, List.of());
    }

    @Override public void close() { owned.forEach(TensorFile::close); }

    /** What an sgm yaml's {@code conditioner_config} says about the text side. */
    private record SgmConditionerYaml(boolean known, ConfigNode clipL, ConfigNode bigG, int sizeEmbeddingDim, boolean aestheticScore) {
        static final SgmConditionerYaml NONE = new SgmConditionerYaml(false, new ConfigNode(null, "(no yaml)"), new ConfigNode(null, "(no yaml)"), 0, false);

        @SuppressWarnings("unchecked")
        static SgmConditionerYaml read(Path yaml) {
            ConfigNode params = ConfigNode.readYaml(yaml).path("model.params.conditioner_config.params");
            Object models = params.raw("emb_models");
            if (!(models instanceof List<?> list)) return NONE;
            ConfigNode clipL = NONE.clipL, bigG = NONE.bigG;
            int dim = 0;
            boolean aesthetic = false;
            for (int i = 0; i < list.size(); i++) {
                if (!(list.get(i) instanceof Map<?, ?> m)) continue;
                ConfigNode e = new ConfigNode((Map<String, Object>) m, params.where() + ".emb_models[" + i + "]");
                String target = e.string("target", "");
                ConfigNode p = e.child("params");
                if (target.endsWith("FrozenOpenCLIPEmbedder2")) {
                    String layer = p.string("layer", "penultimate");
                    if (!layer.equals("penultimate"))
                        throw new UnsupportedModelException(e.where() + ": OpenCLIP layer \"" + layer + "\" is not supported (SDXL uses penultimate)");
                    bigG = p.child("tiny_text_config");
                } else if (target.endsWith("FrozenCLIPEmbedder")) {
                    String layer = p.string("layer", "hidden");
                    if (!layer.equals("hidden"))
                        throw new UnsupportedModelException(e.where() + ": CLIP layer \"" + layer + "\" is not supported (SDXL uses hidden, the penultimate)");
                    clipL = p.child("tiny_text_config");
                } else if (target.endsWith("ConcatTimestepEmbedderND")) {
                    int outdim = p.requireInt("outdim");
                    if (dim != 0 && dim != outdim)
                        throw new UnsupportedModelException(e.where() + ": size embedders of different widths (" + dim + ", " + outdim + ") are not supported");
                    dim = outdim;
                    aesthetic |= e.string("input_key", "").equals("aesthetic_score");
                }
            }
            return new SgmConditionerYaml(true, clipL, bigG, dim, aesthetic);
        }
    }
}
