package jdiffusion.sd.upscale;

import jdiffusion.tensor.Tensor;

import java.util.List;
import java.util.Map;

/**
 * The architectures spandrel recognises that jsd does not run yet, each with keys that identify it (a subset of
 * spandrel 0.3.4's detection keys, in its registry order), so a user learns which architecture the file is
 * instead of a generic failure.
 */
final class OtherArchitectures {
    private record Signature(String name, List<String> keys) {
        boolean matches(Map<String, Tensor> state) { return state.keySet().containsAll(keys); }
    }

    /** Checked before ESRGAN, as in spandrel's registry. */
    private static final List<Signature> BEFORE_ESRGAN = List.of(
            new Signature("SwiftSRGAN", List.of("initial.cnn.depthwise.weight", "final_conv.pointwise.weight")),
            new Signature("HAT", List.of("relative_position_index_SA", "conv_first.weight", "layers.0.residual_group.blocks.0.conv_block.cab.0.weight")),
            new Signature("GRL", List.of("conv_first.weight", "norm_start.weight", "norm_end.weight")),
            new Signature("GRL", List.of("model.conv_first.weight", "model.norm_start.weight", "model.norm_end.weight")),
            new Signature("GRL", List.of("model_g.conv_first.weight", "model_g.norm_start.weight", "model_g.norm_end.weight")),
            new Signature("Swin2SR", List.of("layers.0.residual_group.blocks.0.norm1.weight", "patch_embed.proj.weight", "conv_first.weight",
                    "layers.0.residual_group.blocks.0.attn.relative_position_index")),
            new Signature("SwinIR", List.of("layers.0.residual_group.blocks.0.norm1.weight", "layers.0.residual_group.blocks.0.mlp.fc1.bias",
                    "layers.0.residual_group.blocks.0.attn.relative_position_index")),
            new Signature("GFPGAN", List.of("toRGB.0.weight", "stylegan_decoder.style_mlp.1.weight")),
            new Signature("RestoreFormer", List.of("quantize.embedding.weight", "encoder.conv_in.weight", "quant_conv.weight")),
            new Signature("LaMa", List.of("model.model.1.bn_l.running_mean")),
            new Signature("LaMa", List.of("generator.model.1.bn_l.running_mean")),
            new Signature("OmniSR", List.of("residual_layer.0.residual_layer.0.layer.0.fn.0.weight", "input.weight", "up.0.weight")),
            new Signature("SCUNet", List.of("m_head.0.weight", "m_tail.0.weight")),
            new Signature("FBCNN", List.of("m_head.weight", "m_down1.0.res.0.weight", "qf_pred.0.res.0.weight")),
            new Signature("Uformer", List.of("input_proj.proj.0.weight", "output_proj.proj.0.weight")),
            new Signature("RGT", List.of("conv_first.weight", "before_RG.1.weight", "layers.0.blocks.0.gamma")),
            new Signature("DAT", List.of("conv_first.weight", "before_RG.1.weight", "layers.0.blocks.0.ffn.fc1.weight")),
            new Signature("CRAFT", List.of("conv_first.weight", "layers.0.residual_group.hf_blocks.0.attn.temperature")),
            new Signature("KBNet", List.of("intro.weight", "encoders.0.0.attgamma")),
            new Signature("DITN", List.of("sft.weight", "UFONE.0.ITLs.0.attn.temperature")),
            new Signature("MMRealSR", List.of("conv_first.weight", "body.0.rdb1.conv1.weight", "am_list.0.fc.0.weight", "de_net.conv_first.0.weight")),
            new Signature("SPAN", List.of("conv_1.sk.weight", "block_1.c1_r.sk.weight", "conv_cat.weight")),
            new Signature("RealCUGAN", List.of("unet1.conv1.conv.0.weight", "unet2.conv1.conv.0.weight")),
            new Signature("SAFMN", List.of("to_feat.weight", "feats.0.norm1.weight")),
            new Signature("SAFMNBCIE", List.of("to_feat.1.weight", "feats.0.layers.0.norm1.weight")),
            new Signature("DCTLSA", List.of("fea_conv.weight", "B1.body.0.transformer_body.0.blocks.0.attn.qkv.weight")),
            new Signature("FFTformer", List.of("patch_embed.proj.weight", "encoder_level1.0.norm2.body.weight")),
            new Signature("NAFNet", List.of("intro.weight", "ending.weight", "ups.0.0.weight")),
            new Signature("ATD", List.of("relative_position_index_SA", "conv_first.weight", "layers.0.residual_group.td")),
            new Signature("MixDehazeNet", List.of("patch_embed.proj.weight", "layer1.blocks.0.norm1.weight")),
            new Signature("DRUNet", List.of("m_head.weight", "m_down1.0.res.0.weight", "m_body.0.res.0.weight", "m_tail.weight")),
            // DnCNN's plain conv stack; up to model.14 so that a 1x ESRGAN (model.0, .2, .4) is not taken for it
            new Signature("DnCNN", List.of("model.0.weight", "model.2.weight", "model.4.weight", "model.6.weight", "model.8.weight", "model.10.weight",
                    "model.12.weight", "model.14.weight")),
            new Signature("IPT", List.of("sub_mean.weight", "add_mean.weight")),
            new Signature("DRCT", List.of("conv_first.weight", "layers.0.swin1.norm1.weight", "layers.0.adjust1.weight")));

    private static final List<Signature> AFTER_ESRGAN = List.of(
            new Signature("PLKSR", List.of("feats.0.weight", "feats.1.lk.conv.weight")),
            new Signature("RealPLKSR", List.of("feats.0.weight", "feats.1.lk.convs.0.weight")));

    private OtherArchitectures() {}

    /** The name of a known architecture checked before ESRGAN that these weights have, or null. */
    static String beforeEsrgan(Map<String, Tensor> state) { return find(BEFORE_ESRGAN, state); }

    static String afterEsrgan(Map<String, Tensor> state) { return find(AFTER_ESRGAN, state); }

    private static String find(List<Signature> list, Map<String, Tensor> state) {
        for (Signature s : list) if (s.matches(state)) return s.name;
        return null;
    }
}
