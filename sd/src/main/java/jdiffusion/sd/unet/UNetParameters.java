package jdiffusion.sd.unet;

import jdiffusion.nn.MissingWeightException;
import jdiffusion.nn.ParameterShapes;
import jdiffusion.nn.Weights;
import jdiffusion.tensor.Tensor;

import java.util.Arrays;
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
        ParameterShapes m = new ParameterShapes();
        encoder(m, c);
        int c0 = c.channels(0), levels = c.levels();
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
            if (i < levels - 1) m.conv(p + ".upsamplers.0.conv", out, out, 3);
        }
        m.norm("conv_norm_out", c0);
        m.conv("conv_out", c0, c.outChannels(), 3);
        return m.map();
    }

    /** The weights of the encoder half ({@link UNetEncoder}): time embedding, conv_in, down blocks, mid block. */
    public static Map<String, int[]> encoderShapes(UNetConfig c) {
        ParameterShapes m = new ParameterShapes();
        encoder(m, c);
        return m.map();
    }

    private static void encoder(ParameterShapes m, UNetConfig c) {
        int c0 = c.channels(0), temb = c.timeEmbedDim(), levels = c.levels();
        m.conv("conv_in", c.inChannels(), c0, 3);
        m.linear("time_embedding.linear_1", c.timeProjDim(), temb);
        m.linear("time_embedding.linear_2", temb, temb);
        if (c.hasVector()) {
            m.linear("add_embedding.linear_1", c.vectorDim(), temb);
            m.linear("add_embedding.linear_2", temb, temb);
        }
        for (int level = 0; level < levels; level++) {
            String p = "down_blocks." + level;
            int out = c.channels(level), in = level == 0 ? c0 : c.channels(level - 1);
            for (int j = 0; j < c.layersPerBlock(); j++) {
                resBlock(m, c, p + ".resnets." + j, j == 0 ? in : out, out);
                if (c.hasAttention(level)) transformer(m, c, p + ".attentions." + j, out, c.depth(level));
            }
            if (level < levels - 1) m.conv(p + ".downsamplers.0.conv", out, out, 3);
        }
        int deepest = c.channels(levels - 1);
        resBlock(m, c, "mid_block.resnets.0", deepest, deepest);
        transformer(m, c, "mid_block.attentions.0", deepest, c.midDepth());
        resBlock(m, c, "mid_block.resnets.1", deepest, deepest);
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
    public static void check(UNetConfig c, Weights w) { check(c, w, shapes(c)); }

    /** {@link #check} for the weights in {@code shapes} only (a ControlNet's encoder half). */
    public static void check(UNetConfig c, Weights w, Map<String, int[]> shapes) {
        for (Map.Entry<String, int[]> e : shapes.entrySet()) {
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

    private static void resBlock(ParameterShapes m, UNetConfig c, String p, int in, int out) {
        m.norm(p + ".norm1", in);
        m.conv(p + ".conv1", in, out, 3);
        m.linear(p + ".time_emb_proj", c.timeEmbedDim(), out);
        m.norm(p + ".norm2", out);
        m.conv(p + ".conv2", out, out, 3);
        if (in != out) m.conv(p + ".conv_shortcut", in, out, 1);
    }

    private static void transformer(ParameterShapes m, UNetConfig c, String p, int ch, int depth) {
        m.norm(p + ".norm", ch);
        projection(m, c, p + ".proj_in", ch);
        for (int k = 0; k < depth; k++) {
            String b = p + ".transformer_blocks." + k;
            m.norm(b + ".norm1", ch);
            attention(m, b + ".attn1", ch, ch);
            m.norm(b + ".norm2", ch);
            attention(m, b + ".attn2", ch, c.contextDim());
            m.norm(b + ".norm3", ch);
            m.linear(b + ".ff.net.0.proj", ch, 8 * ch);
            m.linear(b + ".ff.net.2", 4 * ch, ch);
        }
        projection(m, c, p + ".proj_out", ch);
    }

    private static void attention(ParameterShapes m, String p, int ch, int contextDim) {
        m.put(p + ".to_q.weight", ch, ch);
        m.put(p + ".to_k.weight", ch, contextDim);
        m.put(p + ".to_v.weight", ch, contextDim);
        m.linear(p + ".to_out.0", ch, ch);
    }

    private static void projection(ParameterShapes m, UNetConfig c, String p, int ch) {
        if (c.linearProjection()) m.linear(p, ch, ch);
        else m.conv(p, ch, ch, 1);
    }
}
