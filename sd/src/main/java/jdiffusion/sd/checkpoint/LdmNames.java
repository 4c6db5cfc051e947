package jdiffusion.sd.checkpoint;

import jdiffusion.sd.checkpoint.KeyMap.Chunk;
import jdiffusion.sd.checkpoint.KeyMap.Part;
import jdiffusion.sd.checkpoint.KeyMap.Target;
import jdiffusion.sd.checkpoint.KeyMap.Transpose;
import jdiffusion.sd.unet.UNetConfig;
import jdiffusion.sd.vae.VaeConfig;

import java.util.List;

import static jdiffusion.sd.checkpoint.KeyMap.Part.rename;

/**
 * The one table from ldm/CompVis (A1111 single-file) names to our internal names, the diffusers module paths.
 * Block indices depend on the model's shape, so each map is computed from its config. The loader reads through it
 * and {@code jsd convert} writes through it backwards ({@link KeyMap#invert}, {@link SingleFileExport}); old
 * spellings are read-only aliases.
 *
 * <pre>
 * UNet  model.diffusion_model.                    ->  (UNet2DConditionModel)
 *   time_embed.{0,2}                                  time_embedding.linear_{1,2}
 *   label_emb.0.{0,2} (SDXL vector MLP)               add_embedding.linear_{1,2}
 *   input_blocks.0.0 / out.0 / out.2                  conv_in / conv_norm_out / conv_out
 *   input_blocks.N.0 (ResBlock)                       down_blocks.i.resnets.j      N = 1 + i(R+1) + j
 *   input_blocks.N.1 (SpatialTransformer)             down_blocks.i.attentions.j
 *   input_blocks.N.0.op                               down_blocks.i.downsamplers.0.conv   N = 1 + i(R+1) + R
 *   middle_block.{0,1,2}                              mid_block.{resnets.0, attentions.0, resnets.1}
 *   output_blocks.N.0 / .1                            up_blocks.u.resnets.j / attentions.j   N = u(R+1) + j
 *   output_blocks.N.{1|2}.conv                        up_blocks.u.upsamplers.0.conv
 *   ResBlock in_layers.{0,2} emb_layers.1 out_layers.{0,3} skip_connection
 *                                                     norm1 conv1 time_emb_proj norm2 conv2 conv_shortcut
 * VAE   first_stage_model.                        ->  (AutoencoderKL)
 *   {en,de}coder.norm_out                             {en,de}coder.conv_norm_out
 *   encoder.down.i.block.j / .downsample.conv         encoder.down_blocks.i.resnets.j / .downsamplers.0.conv
 *   decoder.up.I.block.j / .upsample.conv             decoder.up_blocks.(L-1-I).resnets.j / .upsamplers.0.conv
 *   mid.block_1 / mid.attn_1 / mid.block_2            mid_block.resnets.0 / attentions.0 / resnets.1
 *   attn norm q k v proj_out ([C,C,1,1] convs)        group_norm to_q to_k to_v to_out.0 ([C,C] linears)
 *   nin_shortcut                                      conv_shortcut
 * CLIP  cond_stage_model.transformer.text_model.  ->  text_model.   (already Hugging Face names)
 * OpenCLIP cond_stage_model.model.                ->  (CLIPTextModel)
 *   token_embedding / positional_embedding            text_model.embeddings.{token,position}_embedding
 *   transformer.resblocks.N.{ln_1,ln_2}               text_model.encoder.layers.N.{layer_norm1,layer_norm2}
 *   ...attn.in_proj_{weight,bias} [3C,...]            ...self_attn.{q,k,v}_proj (thirds of dim 0)
 *   ...attn.out_proj / mlp.c_fc / mlp.c_proj          ...self_attn.out_proj / mlp.fc1 / mlp.fc2
 *   ln_final / text_projection (x @ P)                text_model.final_layer_norm / text_projection.weight (Pᵀ)
 * </pre>
 */
final class LdmNames {
    private LdmNames() {}

    static final String UNET_PREFIX = "model.diffusion_model.";
    static final String VAE_PREFIX = "first_stage_model.";
    static final String CLIP_PREFIX = "cond_stage_model.transformer.";
    static final String OPENCLIP_PREFIX = "cond_stage_model.model.";

    private static final List<Part> UNET_RESNET = List.of(
            rename("in_layers.0", "norm1"), rename("in_layers.2", "conv1"), rename("emb_layers.1", "time_emb_proj"),
            rename("out_layers.0", "norm2"), rename("out_layers.3", "conv2"), rename("skip_connection", "conv_shortcut"));

    private static final List<Part> VAE_RESNET = List.of(
            rename("norm1", "norm1"), rename("conv1", "conv1"), rename("norm2", "norm2"), rename("conv2", "conv2"),
            rename("nin_shortcut", "conv_shortcut"));

    private static final List<Part> VAE_ATTENTION = List.of(
            rename("norm", "group_norm"), rename("q", "to_q", KeyMap.SQUEEZE), rename("k", "to_k", KeyMap.SQUEEZE),
            rename("v", "to_v", KeyMap.SQUEEZE), rename("proj_out", "to_out.0", KeyMap.SQUEEZE));

    /** ldm UNet names (without {@code model.diffusion_model.}) to diffusers names. */
    static KeyMap unet(UNetConfig c) {
        KeyMap m = new KeyMap(false)
                .rule("time_embed.0", "time_embedding.linear_1")
                .rule("time_embed.2", "time_embedding.linear_2")
                .rule("input_blocks.0.0", "conv_in")
                .rule("out.0", "conv_norm_out")
                .rule("out.2", "conv_out");
        if (c.hasVector()) m.rule("label_emb.0.0", "add_embedding.linear_1").rule("label_emb.0.2", "add_embedding.linear_2");
        int levels = c.levels(), r = c.layersPerBlock();
        int n = 1;
        for (int i = 0; i < levels; i++) {
            for (int j = 0; j < r; j++, n++) {
                m.rule("input_blocks." + n + ".0", "down_blocks." + i + ".resnets." + j, UNET_RESNET);
                if (c.hasAttention(i)) m.rule("input_blocks." + n + ".1", "down_blocks." + i + ".attentions." + j);
            }
            if (i < levels - 1) m.rule("input_blocks." + n++ + ".0.op", "down_blocks." + i + ".downsamplers.0.conv");
        }
        m.rule("middle_block.0", "mid_block.resnets.0", UNET_RESNET)
                .rule("middle_block.1", "mid_block.attentions.0")
                .rule("middle_block.2", "mid_block.resnets.1", UNET_RESNET);
        n = 0;
        for (int u = 0; u < levels; u++) {
            boolean attention = c.hasAttention(levels - 1 - u);
            for (int j = 0; j <= r; j++, n++) {
                m.rule("output_blocks." + n + ".0", "up_blocks." + u + ".resnets." + j, UNET_RESNET);
                if (attention) m.rule("output_blocks." + n + ".1", "up_blocks." + u + ".attentions." + j);
                if (j == r && u < levels - 1)
                    m.rule("output_blocks." + n + "." + (attention ? 2 : 1) + ".conv", "up_blocks." + u + ".upsamplers.0.conv");
            }
        }
        return m;
    }

    /**
     * lllyasviel cldm {@code ControlNet} names (without {@code control_model.}) to diffusers {@code ControlNetModel} names:
     * the UNet encoder's as in {@link #unet}, {@code zero_convs.N.0} to {@code controlnet_down_blocks.N},
     * {@code middle_block_out.0} to {@code controlnet_mid_block}, and {@code input_hint_block.2k} (odd indices are SiLUs) to
     * {@code controlnet_cond_embedding.conv_in}, {@code .blocks.(k-1)} and {@code .conv_out} for the last of {@code hintConvs}.
     */
    static KeyMap controlNet(UNetConfig c, int skips, int hintConvs) {
        KeyMap m = unet(c);
        for (int n = 0; n < skips; n++) m.rule("zero_convs." + n + ".0", "controlnet_down_blocks." + n);
        m.rule("middle_block_out.0", "controlnet_mid_block");
        for (int k = 0; k < hintConvs; k++) {
            String to = k == 0 ? "conv_in" : k == hintConvs - 1 ? "conv_out" : "blocks." + (k - 1);
            m.rule("input_hint_block." + 2 * k, "controlnet_cond_embedding." + to);
        }
        return m;
    }

    /** ldm VAE names (without {@code first_stage_model.}) to diffusers names; the decoder's levels count down in ldm. */
    static KeyMap vae(VaeConfig c) {
        KeyMap m = new KeyMap(false)
                .rule("quant_conv", "quant_conv")
                .rule("post_quant_conv", "post_quant_conv")
                // training-only losses that some VAE files carry
                .ignore("loss")
                .ignore("model_ema");
        int levels = c.levels(), r = c.layersPerBlock();
        for (String side : List.of("encoder", "decoder")) {
            m.rule(side + ".conv_in", side + ".conv_in")
                    .rule(side + ".conv_out", side + ".conv_out")
                    .rule(side + ".norm_out", side + ".conv_norm_out")
                    .rule(side + ".mid.block_1", side + ".mid_block.resnets.0", VAE_RESNET)
                    .rule(side + ".mid.attn_1", side + ".mid_block.attentions.0", VAE_ATTENTION)
                    .rule(side + ".mid.block_2", side + ".mid_block.resnets.1", VAE_RESNET);
        }
        for (int i = 0; i < levels; i++) {
            for (int j = 0; j < r; j++)
                m.rule("encoder.down." + i + ".block." + j, "encoder.down_blocks." + i + ".resnets." + j, VAE_RESNET);
            if (i < levels - 1) m.rule("encoder.down." + i + ".downsample.conv", "encoder.down_blocks." + i + ".downsamplers.0.conv");
        }
        for (int ldmLevel = 0; ldmLevel < levels; ldmLevel++) {
            int u = levels - 1 - ldmLevel;
            for (int j = 0; j <= r; j++)
                m.rule("decoder.up." + ldmLevel + ".block." + j, "decoder.up_blocks." + u + ".resnets." + j, VAE_RESNET);
            if (ldmLevel > 0) m.rule("decoder.up." + ldmLevel + ".upsample.conv", "decoder.up_blocks." + u + ".upsamplers.0.conv");
        }
        return m;
    }

    /** Older diffusers VAE files name the mid-block attention {@code query/key/value/proj_attn}; everything else passes. */
    static KeyMap diffusersVae() {
        List<Part> attention = List.of(
                rename("group_norm", "group_norm"),
                rename("to_q", "to_q", KeyMap.SQUEEZE), rename("to_k", "to_k", KeyMap.SQUEEZE), rename("to_v", "to_v", KeyMap.SQUEEZE),
                rename("to_out.0", "to_out.0", KeyMap.SQUEEZE),
                rename("query", "to_q", KeyMap.SQUEEZE), rename("key", "to_k", KeyMap.SQUEEZE), rename("value", "to_v", KeyMap.SQUEEZE),
                rename("proj_attn", "to_out.0", KeyMap.SQUEEZE));
        return new KeyMap(true)
                .rule("encoder.mid_block.attentions.0", "encoder.mid_block.attentions.0", attention)
                .rule("decoder.mid_block.attentions.0", "decoder.mid_block.attentions.0", attention);
    }

    /** SD1 text encoder names (without {@code cond_stage_model.transformer.}); old transformers lacked {@code text_model.}. */
    static KeyMap clip() {
        return new KeyMap(false)
                .rule("text_model", "text_model")
                .alias("embeddings", "text_model.embeddings")
                .alias("encoder", "text_model.encoder")
                .alias("final_layer_norm", "text_model.final_layer_norm")
                // a buffer (0..76), not a weight
                .ignore("text_model.embeddings.position_ids")
                .ignore("embeddings.position_ids");
    }

    /** Hugging Face CLIP names as they are (diffusers {@code text_encoder/}), without the position-ids buffer. */
    static KeyMap diffusersClip() {
        return new KeyMap(true).ignore("text_model.embeddings.position_ids");
    }

    /** SD2 OpenCLIP names (without {@code cond_stage_model.model.}) to Hugging Face CLIP names. */
    static KeyMap openClip(int layers) {
        List<Part> block = List.of(
                rename("ln_1", "layer_norm1"), rename("ln_2", "layer_norm2"),
                rename("mlp.c_fc", "mlp.fc1"), rename("mlp.c_proj", "mlp.fc2"),
                rename("attn.out_proj", "self_attn.out_proj"),
                new Part("attn.in_proj_weight", List.of(new Target("self_attn.q_proj.weight", new Chunk(0, 3)),
                        new Target("self_attn.k_proj.weight", new Chunk(1, 3)), new Target("self_attn.v_proj.weight", new Chunk(2, 3)))),
                new Part("attn.in_proj_bias", List.of(new Target("self_attn.q_proj.bias", new Chunk(0, 3)),
                        new Target("self_attn.k_proj.bias", new Chunk(1, 3)), new Target("self_attn.v_proj.bias", new Chunk(2, 3)))));
        KeyMap m = new KeyMap(false)
                .rule("token_embedding", "text_model.embeddings.token_embedding")
                .rule("positional_embedding", "text_model.embeddings.position_embedding.weight")
                .rule("ln_final", "text_model.final_layer_norm")
                .rule("text_projection", "text_projection.weight", new Transpose())
                // CLIP's contrastive temperature, the causal-mask buffer and the image tower are not used for text conditioning
                .ignore("logit_scale")
                .ignore("attn_mask")
                .ignore("visual");
        for (int i = 0; i < layers; i++) m.rule("transformer.resblocks." + i, "text_model.encoder.layers." + i, block);
        return m;
    }
}
