package jdiffusion.sd.checkpoint;

import jdiffusion.tensor.ckpt.TensorFile;
import jdiffusion.sd.clip.ClipTextConfig;
import jdiffusion.sd.unet.UNetConfig;
import jdiffusion.sd.vae.VaeConfig;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A model configuration from an ldm yaml ({@code v1-inference.yaml}, {@code v2-inference-v.yaml}, or a
 * {@code <checkpoint>.yaml} beside the file), which wins over what the weights suggest. Parts the yaml does not
 * describe (the text encoder's dimensions, usually) come from the weights.
 */
final class LdmYamlConfig {
    private LdmYamlConfig() {}

    static ModelConfig read(Path yaml, TensorFile weights) {
        String text;
        try {
            text = Files.readString(yaml);
        } catch (IOException e) {
            throw new ModelLoadException(yaml + ": cannot read: " + e.getMessage(), e);
        }
        ConfigNode root = new ConfigNode(YamlReader.parseMap(text, yaml.toString()), yaml.getFileName().toString());
        ConfigNode model = root.child("model");
        String target = model.string("target", "");
        if (target.startsWith("sgm.") || target.contains("DiffusionEngine")) return readSgm(yaml, model.child("params"), weights);
        ConfigNode params = model.child("params");
        ConfigNode cond = params.child("cond_stage_config");
        String condTarget = cond.string("target", "");
        ModelFamily family;
        if (condTarget.contains("FrozenOpenCLIPEmbedder")) family = ModelFamily.SD2;
        else if (condTarget.contains("FrozenCLIPEmbedder")) family = ModelFamily.SD1;
        else if (condTarget.isEmpty()) family = ModelDetector.family(weights);
        else throw new UnsupportedModelException(yaml + ": text encoder " + condTarget + " is not supported (expected FrozenCLIPEmbedder or FrozenOpenCLIPEmbedder)");

        UNetConfig unet = unet(params.path("unet_config.params"), family);
        ModelDetector.refuseUnsupported(weights);
        checkAgainstWeights(yaml, unet, ModelDetector.unet(weights, family));
        VaeConfig vae = vae(params.child("first_stage_config"), params.number("scale_factor", 0.18215));
        checkVae(yaml, vae, weights);
        ClipTextConfig clip = clip(cond, family, weights);
        String prediction = "v".equals(params.string("parameterization", "eps")) ? "v_prediction" : "epsilon";
        DiffusionSchedule schedule = new DiffusionSchedule(params.integer("timesteps", 1000), params.number("linear_start", 0.00085),
                params.number("linear_end", 0.012), "scaled_linear", true);
        if (!"linear".equals(params.string("beta_schedule", "linear")))
            throw new UnsupportedModelException(yaml + ": beta_schedule " + params.string("beta_schedule", "") + " is not supported (only ldm's \"linear\")");
        ModelVariant variant = ModelVariant.fromInputChannels(unet.inChannels(), vae.latentChannels());
        return new ModelConfig(family, variant, prediction, unet, vae, clip, schedule, yaml.toString(), false);
    }

    private static void checkVae(Path yaml, VaeConfig vae, TensorFile weights) {
        if (ModelDetector.anyStartsWith(weights, LdmNames.VAE_PREFIX)) {
            VaeConfig shapes = ModelDetector.vaeLdm(weights, LdmNames.VAE_PREFIX);
            if (!shapes.blockOutChannels().equals(vae.blockOutChannels()) || shapes.layersPerBlock() != vae.layersPerBlock()
                    || shapes.latentChannels() != vae.latentChannels())
                throw new ModelLoadException(yaml + " does not describe the VAE beside it (yaml: channels " + vae.blockOutChannels() + ", "
                        + vae.layersPerBlock() + " res blocks, " + vae.latentChannels() + " latent channels; weights: " + shapes.blockOutChannels()
                        + ", " + shapes.layersPerBlock() + ", " + shapes.latentChannels() + "): fix or remove the yaml");
        }
    }

    /**
     * An sgm {@code DiffusionEngine} config (SDXL: {@code sd_xl_base.yaml}, {@code sd_xl_refiner.yaml}): the UNet under
     * {@code network_config}, the VAE under {@code first_stage_config}, the conditioner's embedders telling base from
     * refiner and the width of the size embeddings; the text encoders themselves are read by {@code SdxlTextEncoders}.
     */
    private static ModelConfig readSgm(Path yaml, ConfigNode params, TensorFile weights) {
        ModelDetector.refuseUnsupported(weights);
        boolean clipL = false, bigG = false;
        int timeIdDim = 0;
        if (params.path("conditioner_config.params").raw("emb_models") instanceof List<?> models) {
            for (Object m : models) {
                if (!(m instanceof java.util.Map<?, ?> map)) continue;
                String t = String.valueOf(map.get("target"));
                if (t.endsWith("FrozenOpenCLIPEmbedder2")) bigG = true;
                else if (t.endsWith("FrozenCLIPEmbedder")) clipL = true;
                else if (t.endsWith("ConcatTimestepEmbedderND") && map.get("params") instanceof java.util.Map<?, ?> p
                        && p.get("outdim") instanceof Number n) timeIdDim = n.intValue();
            }
        }
        ModelFamily family = bigG ? (clipL ? ModelFamily.SDXL : ModelFamily.SDXL_REFINER) : ModelDetector.family(weights);
        if (!family.isSdxl())
            throw new UnsupportedModelException(yaml + ": an sgm config whose conditioner is not SDXL's (CLIP-L + OpenCLIP-bigG, or bigG alone)");
        ConfigNode unetParams = params.path("network_config.params");
        UNetConfig unet = unet(unetParams, family);
        int vectorDim = unetParams.integer("adm_in_channels", 0);
        if (vectorDim > 0) unet = unet.withVector(vectorDim, timeIdDim > 0 ? timeIdDim : UNetConfig.sdxl(4).timeIdDim());
        UNetConfig fromWeights = ModelDetector.unet(weights, family);
        checkAgainstWeights(yaml, unet, fromWeights);
        if (unet.vectorDim() != fromWeights.vectorDim())
            throw new ModelLoadException(yaml + " does not describe the weights beside it (yaml vs weights: adm_in_channels " + unet.vectorDim()
                    + " vs " + fromWeights.vectorDim() + "): fix or remove the yaml");
        VaeConfig vae = vae(params.child("first_stage_config"), params.number("scale_factor", VaeConfig.sdxl().scalingFactor()));
        checkVae(yaml, vae, weights);
        ConfigNode denoiser = params.path("denoiser_config.params");
        String scaling = denoiser.path("scaling_config").string("target", "EpsScaling");
        String prediction = scaling.endsWith("VScaling") ? "v_prediction" : "epsilon";
        if (!scaling.endsWith("EpsScaling") && !scaling.endsWith("VScaling"))
            throw new UnsupportedModelException(yaml + ": denoiser scaling " + scaling + " is not supported (EpsScaling or VScaling)");
        ConfigNode discretization = denoiser.child("discretization_config");
        String kind = discretization.string("target", "LegacyDDPMDiscretization");
        if (!kind.endsWith("LegacyDDPMDiscretization"))
            throw new UnsupportedModelException(yaml + ": discretization " + kind + " is not supported (LegacyDDPMDiscretization)");
        ConfigNode d = discretization.child("params");
        DiffusionSchedule schedule = new DiffusionSchedule(denoiser.integer("num_idx", 1000), d.number("linear_start", 0.00085),
                d.number("linear_end", 0.012), "scaled_linear", true);
        ModelVariant variant = ModelVariant.fromInputChannels(unet.inChannels(), vae.latentChannels());
        return new ModelConfig(family, variant, prediction, unet, vae, null, schedule, yaml.toString(), false);
    }

    static UNetConfig unet(ConfigNode p, ModelFamily family) {
        int modelChannels = p.requireInt("model_channels");
        List<Integer> mult = p.ints("channel_mult");
        if (mult == null) mult = List.of(1, 2, 4, 4);
        List<Integer> attnRes = p.ints("attention_resolutions");
        if (attnRes == null) attnRes = List.of();
        int levels = mult.size();
        int numHeads = p.integer("num_heads", -1), headChannels = p.integer("num_head_channels", -1);
        List<Integer> depthList = p.intsOrRepeated("transformer_depth", levels);
        if (depthList == null) depthList = java.util.Collections.nCopies(levels, 1);
        int context;
        if (p.raw("context_dim") instanceof List<?> perLevel) {
            // sgm's refiner lists one context width per level: all the same in every real model
            if (perLevel.isEmpty() || perLevel.stream().distinct().count() != 1 || !(perLevel.getFirst() instanceof Number n))
                throw new UnsupportedModelException(p.where() + ": per-level context_dim " + perLevel + " with different widths is not supported");
            context = n.intValue();
        } else {
            context = p.integer("context_dim", switch (family) {
                case SD1 -> 768;
                case SD2 -> 1024;
                case SDXL -> 2048;
                case SDXL_REFINER -> 1280;
            });
        }
        List<Integer> channels = new ArrayList<>();
        List<Boolean> attention = new ArrayList<>();
        List<Integer> heads = new ArrayList<>();
        for (int i = 0; i < levels; i++) {
            int ch = modelChannels * mult.get(i);
            channels.add(ch);
            attention.add(attnRes.contains(1 << i));
            if (headChannels > 0) heads.add(ch / headChannels);
            else if (numHeads > 0) heads.add(numHeads);
            else throw new ModelLoadException(p.where() + ": neither num_heads nor num_head_channels is set");
        }
        boolean linear = p.bool("use_linear_in_transformer", false);
        try {
            return new UNetConfig(p.integer("in_channels", 4), p.integer("out_channels", 4), channels, p.integer("num_res_blocks", 2),
                    attention, heads, depthList, context, linear, 32, 1e-5f, true, 0, false);
        } catch (IllegalArgumentException e) {
            // a yaml whose lists disagree (transformer_depth for another channel_mult): the file's fault, not the model's
            throw new ModelLoadException(p.where() + ": " + e.getMessage() + ": fix or remove the .yaml beside the checkpoint");
        }
    }

    static VaeConfig vae(ConfigNode first, double scale) {
        ConfigNode dd = first.path("params.ddconfig");
        List<Integer> mult = dd.ints("ch_mult");
        if (mult == null) mult = List.of(1, 2, 4, 4);
        List<Integer> attn = dd.ints("attn_resolutions");
        if (attn != null && !attn.isEmpty())
            throw new UnsupportedModelException(dd.where() + ": VAE attention at resolutions " + attn + " is not supported (SD's VAE has none)");
        int ch = dd.integer("ch", 128);
        List<Integer> channels = new ArrayList<>();
        for (int m : mult) channels.add(ch * m);
        int z = dd.integer("z_channels", 4);
        int embed = first.child("params").integer("embed_dim", z);
        if (embed != z) throw new UnsupportedModelException(dd.where() + ": embed_dim " + embed + " differs from z_channels " + z);
        return new VaeConfig(dd.integer("in_channels", 3), dd.integer("out_ch", 3), channels, dd.integer("num_res_blocks", 2), z, 32, 1e-6f,
                (float) scale);
    }

    private static ClipTextConfig clip(ConfigNode cond, ModelFamily family, TensorFile weights) {
        boolean hasText = ModelDetector.anyStartsWith(weights, family == ModelFamily.SD2 ? LdmNames.OPENCLIP_PREFIX : LdmNames.CLIP_PREFIX);
        ConfigNode params = cond.child("params");
        ConfigNode tiny = params.child("tiny_text_config");
        ClipTextConfig base;
        if (tiny.has("hidden_size")) {
            // the non-standard tiny_text_config of test models: Hugging Face CLIPTextConfig fields
            ClipTextConfig d = family == ModelFamily.SD2 ? ClipTextConfig.sd2() : ClipTextConfig.sd1();
            int layers = tiny.integer("num_hidden_layers", d.layers());
            base = new ClipTextConfig(tiny.requireInt("hidden_size"), layers, tiny.requireInt("num_attention_heads"),
                    tiny.integer("intermediate_size", d.intermediateSize()),
                    ClipTextConfig.Activation.parse(tiny.string("hidden_act", d.activation() == ClipTextConfig.Activation.GELU ? "gelu" : "quick_gelu")),
                    tiny.integer("vocab_size", d.vocabSize()), tiny.integer("max_position_embeddings", d.maxPositions()),
                    (float) tiny.number("layer_norm_eps", d.layerNormEps()), d.padTokenId(), tiny.integer("eos_token_id", d.eosTokenId()),
                    Math.min(d.skippedLayers(), layers - 1));
        } else if (hasText) {
            base = ModelDetector.clip(weights, family);
        } else {
            return null;
        }
        if (family == ModelFamily.SD2) {
            String layer = params.string("layer", "penultimate");
            int skip = switch (layer) {
                case "penultimate" -> 1;
                case "last" -> 0;
                default -> throw new UnsupportedModelException(cond.where() + ": OpenCLIP layer \"" + layer + "\" is not supported (penultimate or last)");
            };
            int present = hasText ? Math.min(base.layers(), ModelDetector.countIndexed(weights, LdmNames.OPENCLIP_PREFIX + "transformer.resblocks.")) : base.layers();
            int architecture = tiny.has("hidden_size") ? base.layers()
                    : params.string("arch", "ViT-H-14").equals("ViT-H-14") ? ClipTextConfig.sd2().layers() : present;
            base = base.withLayers(present, ClipTextConfig.skippedOf(present, architecture, skip));
        }
        return base;
    }

    /** A yaml that contradicts the weights would fail deep inside a layer: say so at load time instead. */
    private static void checkAgainstWeights(Path yaml, UNetConfig fromYaml, UNetConfig fromWeights) {
        List<String> diffs = new ArrayList<>();
        if (fromYaml.inChannels() != fromWeights.inChannels()) diffs.add("in_channels " + fromYaml.inChannels() + " vs " + fromWeights.inChannels());
        if (fromYaml.outChannels() != fromWeights.outChannels()) diffs.add("out_channels " + fromYaml.outChannels() + " vs " + fromWeights.outChannels());
        if (!fromYaml.blockOutChannels().equals(fromWeights.blockOutChannels()))
            diffs.add("channels per level " + fromYaml.blockOutChannels() + " vs " + fromWeights.blockOutChannels());
        if (fromYaml.layersPerBlock() != fromWeights.layersPerBlock())
            diffs.add("num_res_blocks " + fromYaml.layersPerBlock() + " vs " + fromWeights.layersPerBlock());
        if (!fromYaml.crossAttention().equals(fromWeights.crossAttention()))
            diffs.add("attention levels " + fromYaml.crossAttention() + " vs " + fromWeights.crossAttention());
        if (fromYaml.contextDim() != fromWeights.contextDim()) diffs.add("context_dim " + fromYaml.contextDim() + " vs " + fromWeights.contextDim());
        if (fromYaml.linearProjection() != fromWeights.linearProjection())
            diffs.add("use_linear_in_transformer " + fromYaml.linearProjection() + " vs " + fromWeights.linearProjection());
        if (!diffs.isEmpty())
            throw new ModelLoadException(yaml + " does not describe the weights beside it (yaml vs weights: " + String.join(", ", diffs)
                    + "): fix or remove the yaml");
    }
}
