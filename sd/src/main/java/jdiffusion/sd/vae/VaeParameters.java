package jdiffusion.sd.vae;

import jdiffusion.nn.ParameterShapes;
import jdiffusion.tensor.Tensor;

import java.util.Map;

/**
 * Every weight a {@link VaeConfig} implies, with its shape, under the diffusers {@code AutoencoderKL} names
 * {@link AutoencoderKL} reads, in module order. Used to make random weights for benchmarks; like
 * {@code UNetParameters} it is what a checkpoint of that configuration must hold. The mid-block attention
 * projections are listed as Linears {@code [C, C]} (ldm files store them as 1x1 convs; the loader accepts both).
 */
public final class VaeParameters {
    private VaeParameters() {}

    /** Name to shape. */
    public static Map<String, int[]> shapes(VaeConfig c) {
        ParameterShapes m = new ParameterShapes();
        int levels = c.levels(), c0 = c.channels(0), deepest = c.channels(levels - 1), latent = c.latentChannels();
        m.conv("encoder.conv_in", c.inChannels(), c0, 3);
        for (int i = 0; i < levels; i++) {
            String p = "encoder.down_blocks." + i;
            int out = c.channels(i), in = i == 0 ? c0 : c.channels(i - 1);
            for (int j = 0; j < c.layersPerBlock(); j++) resnet(m, p + ".resnets." + j, j == 0 ? in : out, out);
            if (i < levels - 1) m.conv(p + ".downsamplers.0.conv", out, out, 3);
        }
        midBlock(m, "encoder.mid_block", deepest);
        m.norm("encoder.conv_norm_out", deepest);
        m.conv("encoder.conv_out", deepest, 2 * latent, 3);
        m.conv("quant_conv", 2 * latent, 2 * latent, 1);
        m.conv("post_quant_conv", latent, latent, 1);
        m.conv("decoder.conv_in", latent, deepest, 3);
        midBlock(m, "decoder.mid_block", deepest);
        for (int u = 0; u < levels; u++) {
            String p = "decoder.up_blocks." + u;
            int level = levels - 1 - u, out = c.channels(level), in = u == 0 ? deepest : c.channels(level + 1);
            for (int j = 0; j <= c.layersPerBlock(); j++) resnet(m, p + ".resnets." + j, j == 0 ? in : out, out);
            if (u < levels - 1) m.conv(p + ".upsamplers.0.conv", out, out, 3);
        }
        m.norm("decoder.conv_norm_out", c0);
        m.conv("decoder.conv_out", c0, c.outChannels(), 3);
        return m.map();
    }

    /** Parameter count of the configuration. */
    public static long count(VaeConfig c) {
        long n = 0;
        for (int[] s : shapes(c).values()) n += Tensor.numel(s);
        return n;
    }

    private static void midBlock(ParameterShapes m, String p, int ch) {
        resnet(m, p + ".resnets.0", ch, ch);
        String a = p + ".attentions.0";
        m.norm(a + ".group_norm", ch);
        for (String proj : new String[] {"to_q", "to_k", "to_v", "to_out.0"}) {
            m.put(a + "." + proj + ".weight", ch, ch);
            m.put(a + "." + proj + ".bias", ch);
        }
        resnet(m, p + ".resnets.1", ch, ch);
    }

    private static void resnet(ParameterShapes m, String p, int in, int out) {
        m.norm(p + ".norm1", in);
        m.conv(p + ".conv1", in, out, 3);
        m.norm(p + ".norm2", out);
        m.conv(p + ".conv2", out, out, 3);
        if (in != out) m.conv(p + ".conv_shortcut", in, out, 1);
    }
}
