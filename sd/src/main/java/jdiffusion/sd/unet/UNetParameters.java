package jdiffusion.sd.unet;

import jdiffusion.nn.MissingWeightException;
import jdiffusion.nn.Weights;
import jdiffusion.tensor.Tensor;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Every weight a {@link UNetConfig} implies, with its shape, under the diffusers names. Used to check a
 * checkpoint against its configuration before building (a wrong config fails with the key that does not fit,
 * not deep inside a convolution) and to make random weights for benchmarks.
 */
public final class UNetParameters {
    private UNetParameters() {}

    /** Name to shape, in module order. Transformer projections use the 1x1-conv shape unless {@code linearProjection}. */
    public static Map<String, int[]> shapes(UNetConfig c) {
        Map<String, int[]> m = new LinkedHashMap<>();
        int c0 = c.channels(0), temb = c.timeEmbedDim(), levels = c.levels();
        conv(m, "conv_in", c.inChannels(), c0, 3);
        linear(m, "time_embedding.linear_1", c.timeProjDim(), temb);
        linear(m, "time_embedding.linear_2", temb, temb);
        for (int level = 0; level < levels; level++) {
            String p = "down_blocks." + level;
            int out = c.channels(level), in = level == 0 ? c0 : c.channels(level - 1);
            for (int j = 0; j < c.layersPerBlock(); j++) {
                resBlock(m, c, p + ".resnets." + j, j == 0 ? in : out, out);
                if (c.hasAttention(level)) transformer(m, c, p + ".attentions." + j, out, c.depth(level));
            }
            if (level < levels - 1) conv(m, p + ".downsamplers.0.conv", out, out, 3);
        }
        int deepest = c.channels(levels - 1);
        resBlock(m, c, "mid_block.resnets.0", deepest, deepest);
        transformer(m, c, "mid_block.attentions.0", deepest, c.midDepth());
        resBlock(m, c, "mid_block.resnets.1", deepest, deepest);
        for (int i = 0; i < levels; i++) {
            String p = "up_blocks." + i;
            int level = levels - 1 - i, out = c.channels(level);
            int prev = i == 0 ? out : c.channels(level + 1), lastSkip = c.channels(Math.max(level - 1, 0));
            int layers = c.layersPerBlock() + 1;
            for (int j = 0; j < layers; j++) {
                int in = (j == 0 ? prev : out) + (j == layers - 1 ? lastSkip : out);
                resBlock(m, c, p + ".resnets." + j, in, out);
                if (c.hasAttention(level)) transformer(m, c, p + ".attentions." + j, out, c.depth(level));
            }
            if (i < levels - 1) conv(m, p + ".upsamplers.0.conv", out, out, 3);
        }
        norm(m, "conv_norm_out", c0);
        conv(m, "conv_out", c0, c.outChannels(), 3);
        return m;
    }

    /** Parameter count of the configuration. */
    public static long count(UNetConfig c) {
        long n = 0;
        for (int[] s : shapes(c).values()) n += Tensor.numel(s);
        return n;
    }

    /**
     * Throws when {@code w} lacks a weight the configuration needs or holds one of another shape. Projections may
     * be stored either as 1x1 convs or as Linear, and 1x1 convs either way, as checkpoints differ there.
     */
    public static void check(UNetConfig c, Weights w) {
        for (Map.Entry<String, int[]> e : shapes(c).entrySet()) {
            Tensor t = w.find(e.getKey());
            if (t == null) throw new MissingWeightException("UNet weight \"" + w.prefix() + e.getKey() + "\" is missing: the checkpoint is not an SD UNet of this configuration, or a key mapping is wrong");
            int[] want = e.getValue(), got = t.shape();
            if (!Arrays.equals(dropUnitTail(want), dropUnitTail(got)))
                throw new UNetException("UNet weight \"" + w.prefix() + e.getKey() + "\" has shape " + Arrays.toString(got) + ", the configuration "
                        + describe(c) + " needs " + Arrays.toString(want) + " (wrong model family or config file?)");
        }
    }

    private static String describe(UNetConfig c) {
        return "(channels " + c.blockOutChannels() + ", " + c.layersPerBlock() + " layers per block, context " + c.contextDim() + ", " + c.inChannels() + " input channels)";
    }

    /** {@code [O, C, 1, 1]} and {@code [O, C]} are the same matrix. */
    private static int[] dropUnitTail(int[] s) {
        return s.length == 4 && s[2] == 1 && s[3] == 1 ? new int[] {s[0], s[1]} : s;
    }

    private static void resBlock(Map<String, int[]> m, UNetConfig c, String p, int in, int out) {
        norm(m, p + ".norm1", in);
        conv(m, p + ".conv1", in, out, 3);
        linear(m, p + ".time_emb_proj", c.timeEmbedDim(), out);
        norm(m, p + ".norm2", out);
        conv(m, p + ".conv2", out, out, 3);
        if (in != out) conv(m, p + ".conv_shortcut", in, out, 1);
    }

    private static void transformer(Map<String, int[]> m, UNetConfig c, String p, int ch, int depth) {
        norm(m, p + ".norm", ch);
        projection(m, c, p + ".proj_in", ch);
        for (int k = 0; k < depth; k++) {
            String b = p + ".transformer_blocks." + k;
            norm(m, b + ".norm1", ch);
            attention(m, b + ".attn1", ch, ch);
            norm(m, b + ".norm2", ch);
            attention(m, b + ".attn2", ch, c.contextDim());
            norm(m, b + ".norm3", ch);
            linear(m, b + ".ff.net.0.proj", ch, 8 * ch);
            linear(m, b + ".ff.net.2", 4 * ch, ch);
        }
        projection(m, c, p + ".proj_out", ch);
    }

    private static void attention(Map<String, int[]> m, String p, int ch, int contextDim) {
        m.put(p + ".to_q.weight", new int[] {ch, ch});
        m.put(p + ".to_k.weight", new int[] {ch, contextDim});
        m.put(p + ".to_v.weight", new int[] {ch, contextDim});
        linear(m, p + ".to_out.0", ch, ch);
    }

    private static void projection(Map<String, int[]> m, UNetConfig c, String p, int ch) {
        if (c.linearProjection()) linear(m, p, ch, ch);
        else conv(m, p, ch, ch, 1);
    }

    private static void conv(Map<String, int[]> m, String p, int in, int out, int k) {
        m.put(p + ".weight", new int[] {out, in, k, k});
        m.put(p + ".bias", new int[] {out});
    }

    private static void linear(Map<String, int[]> m, String p, int in, int out) {
        m.put(p + ".weight", new int[] {out, in});
        m.put(p + ".bias", new int[] {out});
    }

    private static void norm(Map<String, int[]> m, String p, int ch) {
        m.put(p + ".weight", new int[] {ch});
        m.put(p + ".bias", new int[] {ch});
    }
}
