package jdiffusion.sd.checkpoint;

import jdiffusion.sd.clip.ClipTextConfig;
import jdiffusion.sd.unet.UNetConfig;
import jdiffusion.sd.vae.VaeConfig;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;

/**
 * An ldm config ({@code v1-inference.yaml} / {@code v2-inference(-v).yaml} shape) describing a model, written beside
 * a converted single file as {@code <name>.yaml}: what A1111 and {@link LdmYamlConfig} read for what the weights
 * cannot say (v-prediction, heads, the schedule). Text encoders of non-standard size get the non-standard
 * {@code tiny_text_config} block {@link LdmYamlConfig} understands.
 */
public final class LdmYamlExport {
    private LdmYamlExport() {}

    /**
     * The yaml text for {@code config}, whose text encoder is described as the single file holds it ({@code text},
     * may be null); {@code latentSize} is ldm's {@code image_size} (64 for SD1).
     */
    public static String yaml(ModelConfig config, ClipTextConfig text, int latentSize) {
        UNetConfig u = config.unet();
        VaeConfig v = config.vae();
        DiffusionSchedule s = config.schedule();
        if (!s.betaSchedule().equals("scaled_linear"))
            throw new UnsupportedModelException("beta_schedule " + s.betaSchedule() + " has no ldm equivalent (ldm's \"linear\" is diffusers' scaled_linear)");
        boolean sd2 = config.family() == ModelFamily.SD2;
        int modelChannels = u.channels(0);
        List<String> attention = new ArrayList<>();
        for (int i = 0; i < u.levels(); i++) if (u.hasAttention(i)) attention.add(String.valueOf(1 << i));
        StringBuilder b = new StringBuilder();
        b.append("# written by jsd convert: the ldm config of this checkpoint\n");
        // A1111 picks the ldm class from the yaml beside a file: inpainting and instruct-pix2pix models need theirs
        String target = switch (config.variant()) {
            case TEXT_TO_IMAGE -> "ldm.models.diffusion.ddpm.LatentDiffusion";
            case INPAINTING -> "ldm.models.diffusion.ddpm.LatentInpaintDiffusion";
            case INSTRUCT_PIX2PIX -> "ldm.models.diffusion.ddpm_edit.LatentDiffusion";
        };
        b.append("model:\n  base_learning_rate: 1.0e-04\n  target: ").append(target).append("\n  params:\n");
        if (config.isVPrediction()) b.append("    parameterization: \"v\"\n");
        b.append("    linear_start: ").append(number(s.betaStart())).append('\n');
        b.append("    linear_end: ").append(number(s.betaEnd())).append('\n');
        b.append("    num_timesteps_cond: 1\n    log_every_t: 200\n");
        b.append("    timesteps: ").append(s.timesteps()).append('\n');
        b.append("    first_stage_key: \"jpg\"\n    cond_stage_key: \"txt\"\n");
        b.append("    image_size: ").append(latentSize).append('\n');
        b.append("    channels: ").append(v.latentChannels()).append('\n');
        b.append("    cond_stage_trainable: false\n    conditioning_key: ")
                .append(config.variant() == ModelVariant.TEXT_TO_IMAGE ? "crossattn" : "hybrid").append("\n    monitor: val/loss_simple_ema\n");
        if (config.variant() == ModelVariant.INPAINTING) b.append("    finetune_keys: null\n");
        b.append("    scale_factor: ").append(number(Double.parseDouble(Float.toString(v.scalingFactor())))).append('\n');
        b.append("    use_ema: False\n\n");

        b.append("    unet_config:\n      target: ldm.modules.diffusionmodules.openaimodel.UNetModel\n      params:\n");
        b.append("        use_checkpoint: False\n");
        b.append("        image_size: 32 # unused\n");
        b.append("        in_channels: ").append(u.inChannels()).append('\n');
        b.append("        out_channels: ").append(u.outChannels()).append('\n');
        b.append("        model_channels: ").append(modelChannels).append('\n');
        b.append("        attention_resolutions: [").append(String.join(", ", attention.reversed())).append("]\n");
        b.append("        num_res_blocks: ").append(u.layersPerBlock()).append('\n');
        b.append("        channel_mult: ").append(multipliers(u.blockOutChannels(), modelChannels, "UNet")).append('\n');
        b.append("        ").append(heads(u)).append('\n');
        b.append("        use_spatial_transformer: True\n");
        if (u.linearProjection()) b.append("        use_linear_in_transformer: True\n");
        b.append("        transformer_depth: ").append(u.transformerDepth().stream().distinct().count() == 1
                ? String.valueOf(u.depth(0)) : u.transformerDepth().toString()).append('\n');
        b.append("        context_dim: ").append(u.contextDim()).append('\n');
        b.append("        legacy: False\n\n");

        b.append("    first_stage_config:\n      target: ldm.models.autoencoder.AutoencoderKL\n      params:\n");
        b.append("        embed_dim: ").append(v.latentChannels()).append('\n');
        b.append("        monitor: val/rec_loss\n        ddconfig:\n          double_z: true\n");
        b.append("          z_channels: ").append(v.latentChannels()).append('\n');
        b.append("          resolution: 256\n");
        b.append("          in_channels: ").append(v.inChannels()).append('\n');
        b.append("          out_ch: ").append(v.outChannels()).append('\n');
        b.append("          ch: ").append(v.channels(0)).append('\n');
        b.append("          ch_mult: ").append(multipliers(v.blockOutChannels(), v.channels(0), "VAE")).append('\n');
        b.append("          num_res_blocks: ").append(v.layersPerBlock()).append('\n');
        b.append("          attn_resolutions: []\n          dropout: 0.0\n");
        b.append("        lossconfig:\n          target: torch.nn.Identity\n\n");

        b.append("    cond_stage_config:\n");
        if (sd2) {
            b.append("      target: ldm.modules.encoders.modules.FrozenOpenCLIPEmbedder\n      params:\n");
            b.append("        freeze: True\n        layer: \"").append(text != null && text.skippedLayers() == 0 ? "last" : "penultimate").append("\"\n");
        } else {
            b.append("      target: ldm.modules.encoders.modules.FrozenCLIPEmbedder\n");
        }
        if (text != null && !isStandard(text, sd2)) {
            if (!sd2) b.append("      params:\n");
            b.append("        # non-standard, read by jdiffusion: the text model's Hugging Face CLIPTextConfig fields\n");
            b.append("        tiny_text_config:\n");
            b.append("          hidden_size: ").append(text.hiddenSize()).append('\n');
            b.append("          num_attention_heads: ").append(text.heads()).append('\n');
            b.append("          num_hidden_layers: ").append(text.layers()).append('\n');
            b.append("          intermediate_size: ").append(text.intermediateSize()).append('\n');
            b.append("          hidden_act: ").append(text.activation() == ClipTextConfig.Activation.GELU ? "gelu" : "quick_gelu").append('\n');
            b.append("          vocab_size: ").append(text.vocabSize()).append('\n');
            b.append("          max_position_embeddings: ").append(text.maxPositions()).append('\n');
        }
        return b.toString();
    }

    private static boolean isStandard(ClipTextConfig t, boolean sd2) {
        ClipTextConfig s = sd2 ? ClipTextConfig.sd2() : ClipTextConfig.sd1();
        return t.hiddenSize() == s.hiddenSize() && t.layers() == s.layers() && t.heads() == s.heads()
                && t.intermediateSize() == s.intermediateSize() && t.activation() == s.activation() && t.vocabSize() == s.vocabSize()
                && t.maxPositions() == s.maxPositions();
    }

    /** ldm has one head setting for all levels: a head count or a head width. */
    private static String heads(UNetConfig u) {
        if (u.attentionHeads().stream().distinct().count() == 1) return "num_heads: " + u.heads(0);
        int width = u.headDim(0);
        for (int i = 0; i < u.levels(); i++)
            if (u.headDim(i) != width)
                throw new UnsupportedModelException("UNet heads " + u.attentionHeads() + " over channels " + u.blockOutChannels()
                        + " are neither a constant count nor a constant width: ldm cannot describe them");
        return "num_head_channels: " + width;
    }

    private static String multipliers(List<Integer> channels, int base, String what) {
        List<Integer> m = new ArrayList<>();
        for (int c : channels) {
            if (c % base != 0) throw new UnsupportedModelException(what + " channels " + channels + " are not multiples of " + base + ": ldm cannot describe them");
            m.add(c / base);
        }
        return m.toString();
    }

    private static String number(double x) { return new BigDecimal(Double.toString(x)).toPlainString(); }
}
