package jdiffusion.sd.vae;

import jdiffusion.tensor.Tensor;

import java.util.LinkedHashMap;
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
        Map<String, int[]> m = new LinkedHashMap<>();
        int levels = c.levels(), c0 = c.channels(0), deepest = c.channels(levels - 1), latent = c.latentChannels();
        conv(m, "encoder.conv_in", c.inChannels(), c0, 3);
        for (int i = 0; i < levels; i++) {
            String p = "encoder.down_blocks." + i;
            int out = c.channels(i), in = i == 0 ? c0 : c.channels(i - 1);
            for (int j = 0; j < c.layersPerBlock(); j++) resnet(m, p + ".resnets." + j, j == 0 ? in : out, out);
            if (i < levels - 1) conv(m, p + ".downsamplers.0.conv", out, out, 3);
        }
        midBlock(m, "encoder.mid_block", deepest);
        norm(m, "encoder.conv_norm_out", deepest);
        conv(m, "encoder.conv_out", deepest, 2 * latent, 3);
        conv(m, "quant_conv", 2 * latent, 2 * latent, 1);
        conv(m, "post_quant_conv", latent, latent, 1);
        conv(m, "decoder.conv_in", latent, deepest, 3);
        midBlock(m, "decoder.mid_block", deepest);
        for (int u = 0; u < levels; u++) {
            String p = "decoder.up_blocks." + u;
            int level = levels - 1 - u, out = c.channels(level), in = u == 0 ? deepest : c.channels(level + 1);
            for (int j = 0; j <= c.layersPerBlock(); j++) resnet(m, p + ".resnets." + j, j == 0 ? in : out, out);
            if (u < levels - 1) conv(m, p + ".upsamplers.0.conv", out, out, 3);
        }
        norm(m, "decoder.conv_norm_out", c0);
        conv(m, "decoder.conv_out", c0, c.outChannels(), 3);
        return m;
    }

    /** Parameter count of the configuration. */
    public static long count(VaeConfig c) {
        long n = 0;
        for (int[] s : shapes(c).values()) n += Tensor.numel(s);
        return n;
    }

    private static void midBlock(Map<String, int[]> m, String p, int ch) {
        resnet(m, p + ".resnets.0", ch, ch);
        String a = p + ".attentions.0";
        norm(m, a + ".group_norm", ch);
        for (String proj : new String[] {"to_q", "to_k", "to_v", "to_out.0"}) {
            m.put(a + "." + proj + ".weight", new int[] {ch, ch});
            m.put(a + "." + proj + ".bias", new int[] {ch});
        }
        resnet(m, p + ".resnets.1", ch, ch);
    }

    private static void resnet(Map<String, int[]> m, String p, int in, int out) {
        norm(m, p + ".norm1", in);
        conv(m, p + ".conv1", in, out, 3);
        norm(m, p + ".norm2", out);
        conv(m, p + ".conv2", out, out, 3);
        if (in != out) conv(m, p + ".conv_shortcut", in, out, 1);
    }

    private static void conv(Map<String, int[]> m, String p, int in, int out, int k) {
        m.put(p + ".weight", new int[] {out, in, k, k});
        m.put(p + ".bias", new int[] {out});
    }

    private static void norm(Map<String, int[]> m, String p, int ch) {
        m.put(p + ".weight", new int[] {ch});
        m.put(p + ".bias", new int[] {ch});
    }
}
