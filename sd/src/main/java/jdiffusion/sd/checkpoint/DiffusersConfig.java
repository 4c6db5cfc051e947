package jdiffusion.sd.checkpoint;

import jdiffusion.sd.clip.ClipTextConfig;
import jdiffusion.sd.unet.UNetConfig;
import jdiffusion.sd.vae.VaeConfig;
import jdiffusion.tensor.json.Json;
import jdiffusion.tensor.json.JsonException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Component configurations from a diffusers folder's {@code config.json} files (diffusers/transformers semantics). */
final class DiffusersConfig {
    private DiffusersConfig() {}

    static ConfigNode readJson(Path file) {
        if (!Files.isRegularFile(file)) throw new ModelLoadException(file + ": missing (every diffusers component folder has a config.json)");
        try {
            Map<String, Object> m = Json.parseObject(Files.readString(file));
            return new ConfigNode(m, file.toString());
        } catch (IOException | JsonException e) {
            throw new ModelLoadException(file + ": cannot read: " + e.getMessage(), e);
        }
    }

    /** Refuses pipelines other than SD 1.x/2.x text-to-image, inpainting and instruct-pix2pix. */
    static void refuseUnsupported(Path folder, ConfigNode index) {
        String cls = index.string("_class_name", "");
        if (cls.contains("XL") || Files.isDirectory(folder.resolve("text_encoder_2")))
            throw new UnsupportedModelException(folder + ": an SDXL pipeline (" + cls + "); SDXL is not supported yet");
        if (cls.contains("StableDiffusion3") || Files.isDirectory(folder.resolve("text_encoder_3")))
            throw new UnsupportedModelException(folder + ": a Stable Diffusion 3 pipeline; SD3 is not supported yet");
        if (cls.contains("Flux") || Files.isDirectory(folder.resolve("transformer")))
            throw new UnsupportedModelException(folder + ": a transformer-based pipeline (" + cls + ", e.g. Flux/SD3); not supported yet");
        if (!cls.isEmpty() && !cls.startsWith("StableDiffusion"))
            throw new UnsupportedModelException(folder + ": pipeline " + cls + " is not supported (expected a StableDiffusion 1.x/2.x pipeline)");
    }

    static UNetConfig unet(ConfigNode c) {
        List<String> down = c.strings("down_block_types");
        if (down == null) down = List.of("CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D");
        String addition = c.string("addition_embed_type", "");
        if (!addition.isEmpty() && !addition.equals("text_time"))
            throw new UnsupportedModelException(c.where() + ": addition_embed_type = " + addition + " is not supported (SDXL's text_time only)");
        for (String key : List.of("class_embed_type", "time_cond_proj_dim", "encoder_hid_dim_type"))
            if (c.has(key))
                throw new UnsupportedModelException(c.where() + ": " + key + " = " + c.raw(key) + " (an SDXL/LCM/unCLIP-style UNet) is not supported yet");
        String mid = c.string("mid_block_type", "UNetMidBlock2DCrossAttn");
        if (!mid.equals("UNetMidBlock2DCrossAttn")) throw new UnsupportedModelException(c.where() + ": mid_block_type " + mid + " is not supported");
        int levels = down.size();
        List<Integer> channels = c.ints("block_out_channels");
        if (channels == null) channels = List.of(320, 640, 1280, 1280);
        if (channels.size() != levels) throw new ModelLoadException(c.where() + ": block_out_channels and down_block_types differ in length");
        List<Boolean> attention = new ArrayList<>();
        for (String t : down) {
            switch (t) {
                case "CrossAttnDownBlock2D" -> attention.add(true);
                case "DownBlock2D" -> attention.add(false);
                default -> throw new UnsupportedModelException(c.where() + ": down block " + t + " is not supported");
            }
        }
        // diffusers' historical naming: for SD1/SD2, attention_head_dim holds the number of heads
        List<Integer> heads = c.intsOrRepeated("num_attention_heads", levels);
        if (heads == null) heads = c.intsOrRepeated("attention_head_dim", levels);
        if (heads == null) heads = java.util.Collections.nCopies(levels, 8);
        List<Integer> depth = c.intsOrRepeated("transformer_layers_per_block", levels);
        if (depth == null) depth = java.util.Collections.nCopies(levels, 1);
        if (c.raw("cross_attention_dim") instanceof List<?>)
            throw new UnsupportedModelException(c.where() + ": per-block cross_attention_dim is not supported");
        return new UNetConfig(c.integer("in_channels", 4), c.integer("out_channels", 4), channels, c.integer("layers_per_block", 2), attention,
                heads, depth, c.integer("cross_attention_dim", 768), c.bool("use_linear_projection", false), c.integer("norm_num_groups", 32),
                (float) c.number("norm_eps", 1e-5), c.bool("flip_sin_to_cos", true), c.integer("freq_shift", 0), c.bool("upcast_attention", false),
                addition.isEmpty() ? 0 : c.requireInt("projection_class_embeddings_input_dim"), addition.isEmpty() ? 0 : c.requireInt("addition_time_embed_dim"));
    }

    static VaeConfig vae(ConfigNode c) {
        List<Integer> channels = c.ints("block_out_channels");
        if (channels == null) channels = List.of(64);
        List<String> down = c.strings("down_block_types");
        if (down != null) for (String t : down)
            if (!t.equals("DownEncoderBlock2D")) throw new UnsupportedModelException(c.where() + ": VAE down block " + t + " is not supported");
        if (c.has("shift_factor") && c.number("shift_factor", 0) != 0)
            throw new UnsupportedModelException(c.where() + ": a VAE with shift_factor (SD3/Flux) is not supported yet");
        return new VaeConfig(c.integer("in_channels", 3), c.integer("out_channels", 3), channels, c.integer("layers_per_block", 1),
                c.integer("latent_channels", 4), c.integer("norm_num_groups", 32), 1e-6f, (float) c.number("scaling_factor", 0.18215));
    }

    static ClipTextConfig clip(ConfigNode c, ModelFamily family) {
        String act = c.string("hidden_act", family == ModelFamily.SD2 ? "gelu" : "quick_gelu");
        ClipTextConfig.Activation activation;
        try {
            activation = ClipTextConfig.Activation.parse(act);
        } catch (IllegalArgumentException e) {
            throw new UnsupportedModelException(c.where() + ": " + e.getMessage());
        }
        return new ClipTextConfig(c.integer("hidden_size", 768), c.integer("num_hidden_layers", 12), c.integer("num_attention_heads", 12),
                c.integer("intermediate_size", 3072), activation, c.integer("vocab_size", 49408), c.integer("max_position_embeddings", 77),
                (float) c.number("layer_norm_eps", 1e-5), family == ModelFamily.SD2 ? 0 : 49407, c.integer("eos_token_id", 49407), 0);
    }

    static DiffusionSchedule schedule(ConfigNode s) {
        String beta = s.string("beta_schedule", "scaled_linear");
        if (!beta.equals("scaled_linear") && !beta.equals("linear"))
            throw new UnsupportedModelException(s.where() + ": beta_schedule " + beta + " is not supported (scaled_linear or linear)");
        if (s.raw("trained_betas") != null) throw new UnsupportedModelException(s.where() + ": trained_betas are not supported");
        return new DiffusionSchedule(s.integer("num_train_timesteps", 1000), s.number("beta_start", 0.00085), s.number("beta_end", 0.012), beta, false);
    }
}
