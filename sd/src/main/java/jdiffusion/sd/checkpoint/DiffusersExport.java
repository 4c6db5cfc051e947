package jdiffusion.sd.checkpoint;

import jdiffusion.nn.WeightSource;
import jdiffusion.sd.clip.ClipTextConfig;
import jdiffusion.sd.unet.UNetConfig;
import jdiffusion.sd.vae.VaeConfig;
import jdiffusion.tensor.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A checkpoint as a diffusers folder holds it: each component's tensors under diffusers names (our internal
 * names, so no renaming) and the {@code config.json} contents {@link DiffusersConfig} reads back, with the
 * fields and defaults diffusers 0.26 writes for {@code UNet2DConditionModel}, {@code AutoencoderKL},
 * transformers' {@code CLIPTextModel}, {@code PNDMScheduler} and {@code StableDiffusionPipeline}.
 *
 * <p>As diffusers' single-file conversion does, an SD2 text encoder that ldm runs to its penultimate layer is
 * written without its last layer (23 of OpenCLIP's 24) and without {@code text_projection}, which
 * {@code CLIPTextModel} does not have: the folder then gives the same conditioning at "clip skip 1".
 */
public final class DiffusersExport {
    /** The diffusers release whose config fields these are. */
    public static final String DIFFUSERS_VERSION = "0.26.3";

    private DiffusersExport() {}

    public static Map<String, Tensor> unet(Checkpoint ckpt) { return sorted(ckpt.unet(), List.of()); }

    public static Map<String, Tensor> vae(Checkpoint ckpt) { return sorted(ckpt.vae(), List.of()); }

    /** The text encoder's tensors, cut to the layers {@code CLIPTextModel} runs (see {@link #textEncoderConfig}). */
    public static Map<String, Tensor> textEncoder(Checkpoint ckpt) {
        ClipTextConfig c = ckpt.config().textEncoder();
        List<String> dropped = new ArrayList<>(List.of("text_projection."));
        for (int i = c.layers() - c.skippedLayers(); i < c.layers(); i++) dropped.add("text_model.encoder.layers." + i + ".");
        return sorted(ckpt.textEncoder(), dropped);
    }

    /** The text encoder as the folder holds it: the layers skipped at "clip skip 1" left out. */
    public static ClipTextConfig textEncoderConfig(ClipTextConfig c) { return c.withLayers(c.layers() - c.skippedLayers(), 0); }

    private static Map<String, Tensor> sorted(WeightSource w, List<String> droppedPrefixes) {
        Map<String, Tensor> out = new TreeMap<>();
        for (String k : w.keys()) {
            if (droppedPrefixes.stream().anyMatch(p -> k.startsWith(p) || (k + ".").equals(p))) continue;
            out.put(k, w.find(k));
        }
        return out;
    }

    /** {@code unet/config.json}; {@code sampleSize} is the latent size the model was trained at (64 for SD1, 96 for SD2 768-v). */
    public static Map<String, Object> unetConfig(UNetConfig u, int sampleSize) {
        int levels = u.levels();
        List<String> down = new ArrayList<>(), up = new ArrayList<>();
        for (int i = 0; i < levels; i++) down.add(u.hasAttention(i) ? "CrossAttnDownBlock2D" : "DownBlock2D");
        for (int i = levels - 1; i >= 0; i--) up.add(u.hasAttention(i) ? "CrossAttnUpBlock2D" : "UpBlock2D");
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("_class_name", "UNet2DConditionModel");
        m.put("_diffusers_version", DIFFUSERS_VERSION);
        m.put("act_fn", "silu");
        m.put("addition_embed_type", null);
        m.put("addition_embed_type_num_heads", 64);
        m.put("addition_time_embed_dim", null);
        // diffusers' historical naming: for SD1/SD2 attention_head_dim holds the number of heads
        m.put("attention_head_dim", scalarOrList(u.attentionHeads()));
        m.put("attention_type", "default");
        m.put("block_out_channels", u.blockOutChannels());
        m.put("center_input_sample", false);
        m.put("class_embed_type", null);
        m.put("class_embeddings_concat", false);
        m.put("conv_in_kernel", 3);
        m.put("conv_out_kernel", 3);
        m.put("cross_attention_dim", u.contextDim());
        m.put("cross_attention_norm", null);
        m.put("down_block_types", down);
        m.put("downsample_padding", 1);
        m.put("dropout", 0.0);
        m.put("dual_cross_attention", false);
        m.put("encoder_hid_dim", null);
        m.put("encoder_hid_dim_type", null);
        m.put("flip_sin_to_cos", u.flipSinToCos());
        m.put("freq_shift", u.freqShift());
        m.put("in_channels", u.inChannels());
        m.put("layers_per_block", u.layersPerBlock());
        m.put("mid_block_only_cross_attention", null);
        m.put("mid_block_scale_factor", 1);
        m.put("mid_block_type", "UNetMidBlock2DCrossAttn");
        m.put("norm_eps", exact(u.normEps()));
        m.put("norm_num_groups", u.normGroups());
        m.put("num_attention_heads", null);
        m.put("num_class_embeds", null);
        m.put("only_cross_attention", false);
        m.put("out_channels", u.outChannels());
        m.put("projection_class_embeddings_input_dim", null);
        m.put("resnet_out_scale_factor", 1.0);
        m.put("resnet_skip_time_act", false);
        m.put("resnet_time_scale_shift", "default");
        m.put("reverse_transformer_layers_per_block", null);
        m.put("sample_size", sampleSize);
        m.put("time_cond_proj_dim", null);
        m.put("time_embedding_act_fn", null);
        m.put("time_embedding_dim", null);
        m.put("time_embedding_type", "positional");
        m.put("timestep_post_act", null);
        m.put("transformer_layers_per_block", scalarOrList(u.transformerDepth()));
        m.put("up_block_types", up);
        m.put("upcast_attention", u.upcastAttention());
        m.put("use_linear_projection", u.linearProjection());
        return m;
    }

    /** {@code vae/config.json}; {@code sampleSize} is the image size the model was trained at. */
    public static Map<String, Object> vaeConfig(VaeConfig v, int sampleSize) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("_class_name", "AutoencoderKL");
        m.put("_diffusers_version", DIFFUSERS_VERSION);
        m.put("act_fn", "silu");
        m.put("block_out_channels", v.blockOutChannels());
        m.put("down_block_types", java.util.Collections.nCopies(v.levels(), "DownEncoderBlock2D"));
        m.put("force_upcast", true);
        m.put("in_channels", v.inChannels());
        m.put("latent_channels", v.latentChannels());
        m.put("layers_per_block", v.layersPerBlock());
        m.put("norm_num_groups", v.normGroups());
        m.put("out_channels", v.outChannels());
        m.put("sample_size", sampleSize);
        m.put("scaling_factor", exact(v.scalingFactor()));
        m.put("up_block_types", java.util.Collections.nCopies(v.levels(), "UpDecoderBlock2D"));
        return m;
    }

    /**
     * {@code text_encoder/config.json} (transformers {@code CLIPTextConfig}) for a text encoder as the folder holds it
     * ({@link #textEncoderConfig}); {@code torchDtype} is {@code float32}, {@code float16} or {@code bfloat16}.
     */
    public static Map<String, Object> textEncoderJson(ClipTextConfig c, String torchDtype) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("architectures", List.of("CLIPTextModel"));
        m.put("attention_dropout", 0.0);
        m.put("bos_token_id", 49406);
        m.put("eos_token_id", c.eosTokenId());
        m.put("hidden_act", c.activation() == ClipTextConfig.Activation.GELU ? "gelu" : "quick_gelu");
        m.put("hidden_size", c.hiddenSize());
        m.put("initializer_factor", 1.0);
        m.put("initializer_range", 0.02);
        m.put("intermediate_size", c.intermediateSize());
        m.put("layer_norm_eps", exact(c.layerNormEps()));
        m.put("max_position_embeddings", c.maxPositions());
        m.put("model_type", "clip_text_model");
        m.put("num_attention_heads", c.heads());
        m.put("num_hidden_layers", c.layers());
        m.put("pad_token_id", 1);
        m.put("projection_dim", c.hiddenSize() == 768 ? 768 : c.hiddenSize() == 1024 ? 512 : c.hiddenSize());
        m.put("torch_dtype", torchDtype);
        m.put("transformers_version", "4.38.0");
        m.put("vocab_size", c.vocabSize());
        return m;
    }

    /** {@code scheduler/scheduler_config.json}: the PNDM scheduler diffusers' single-file conversion sets up by default. */
    public static Map<String, Object> schedulerConfig(ModelConfig config) {
        DiffusionSchedule s = config.schedule();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("_class_name", "PNDMScheduler");
        m.put("_diffusers_version", DIFFUSERS_VERSION);
        m.put("beta_end", s.betaEnd());
        m.put("beta_schedule", s.betaSchedule());
        m.put("beta_start", s.betaStart());
        m.put("num_train_timesteps", s.timesteps());
        m.put("prediction_type", config.predictionType());
        m.put("set_alpha_to_one", false);
        m.put("skip_prk_steps", true);
        m.put("steps_offset", 1);
        m.put("timestep_spacing", "leading");
        m.put("trained_betas", null);
        return m;
    }

    /** {@code model_index.json} of the variant's pipeline ({@code StableDiffusionPipeline}...); absent components are {@code [null, null]}. */
    public static Map<String, Object> modelIndex(ModelVariant variant, boolean textEncoder, boolean tokenizer) {
        List<Object> none = Arrays.asList(null, null);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("_class_name", switch (variant) {
            case TEXT_TO_IMAGE -> "StableDiffusionPipeline";
            case INPAINTING -> "StableDiffusionInpaintPipeline";
            case INSTRUCT_PIX2PIX -> "StableDiffusionInstructPix2PixPipeline";
        });
        m.put("_diffusers_version", DIFFUSERS_VERSION);
        m.put("feature_extractor", none);
        m.put("image_encoder", none);
        m.put("requires_safety_checker", false);
        m.put("safety_checker", none);
        m.put("scheduler", List.of("diffusers", "PNDMScheduler"));
        m.put("text_encoder", textEncoder ? List.of("transformers", "CLIPTextModel") : none);
        m.put("tokenizer", tokenizer ? List.of("transformers", "CLIPTokenizer") : none);
        m.put("unet", List.of("diffusers", "UNet2DConditionModel"));
        m.put("vae", List.of("diffusers", "AutoencoderKL"));
        return m;
    }

    /**
     * The latent size the model was trained at: a folder's {@code unet/config.json} {@code sample_size}, else the ldm
     * yaml's {@code model.params.image_size} ({@code yaml} may be null), else 64 (96 for SD2 v-prediction, the 768-v models).
     */
    public static int latentSize(Checkpoint ckpt, java.nio.file.Path yaml) {
        int fallback = ckpt.config().family() == ModelFamily.SD2 && ckpt.config().isVPrediction() ? 96 : 64;
        if (ckpt.layout() == Checkpoint.Layout.DIFFUSERS)
            return DiffusersConfig.readJson(ckpt.path().resolve("unet/config.json")).integer("sample_size", fallback);
        if (yaml == null) return fallback;
        try {
            String text = java.nio.file.Files.readString(yaml);
            return new ConfigNode(YamlReader.parseMap(text, yaml.toString()), yaml.getFileName().toString()).path("model.params").integer("image_size", fallback);
        } catch (java.io.IOException e) {
            throw new ModelLoadException(yaml + ": cannot read: " + e.getMessage(), e);
        }
    }

    private static Object scalarOrList(List<Integer> values) {
        return values.stream().distinct().count() == 1 ? values.getFirst() : values;
    }

    /** A float field as the decimal it was written as ({@code 1e-5f} is 1.0E-5, not 9.999999747378752E-6). */
    private static double exact(float f) { return Double.parseDouble(Float.toString(f)); }
}
