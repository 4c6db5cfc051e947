package jdiffusion.tools.randommodel;

import jdiffusion.tensor.DType;

import java.util.ArrayList;
import java.util.List;

/**
 * Every tensor of an A1111/CompVis single-file SD 1.x checkpoint (ldm names and shapes), derived from the
 * architecture hyper-parameters the way ldm's {@code UNetModel}, {@code Encoder}/{@code Decoder} and HF's
 * {@code CLIPTextModel} create their parameters. Used to write random-weight models of the true shapes.
 */
public final class LdmLayout {
    /** One tensor of the file; {@code kind} says how a random model fills it. */
    public record Entry(String name, int[] shape, DType dtype, Kind kind) {}

    public enum Kind { WEIGHT, BIAS, NORM_WEIGHT, NORM_BIAS, POSITION_IDS, SCHEDULE }

    /** ldm UNet hyper-parameters as in {@code v1-inference.yaml}; attention resolutions are downsampling factors. */
    public record UNet(int inChannels, int outChannels, int modelChannels, int[] channelMult, int numResBlocks,
                       int[] attentionResolutions, int contextDim, int transformerDepth) {
        public static UNet sd15() { return new UNet(4, 4, 320, new int[]{1, 2, 4, 4}, 2, new int[]{4, 2, 1}, 768, 1); }
    }

    public record Vae(int ch, int[] chMult, int numResBlocks, int zChannels) {
        public static Vae sd15() { return new Vae(128, new int[]{1, 2, 4, 4}, 2, 4); }
    }

    public record Clip(int hidden, int layers, int intermediate, int vocab, int positions) {
        public static Clip vitL() { return new Clip(768, 12, 3072, 49408, 77); }
    }

    private final List<Entry> entries = new ArrayList<>();
    private final DType dtype;

    private LdmLayout(DType dtype) { this.dtype = dtype; }

    /** The whole single file: UNet, VAE, CLIP text model and the DDPM schedule buffers. */
    public static List<Entry> sd1(UNet unet, Vae vae, Clip clip, DType dtype) {
        LdmLayout l = new LdmLayout(dtype);
        l.unet("model.diffusion_model.", unet);
        l.vae("first_stage_model.", vae);
        l.clip("cond_stage_model.transformer.text_model.", clip);
        for (String s : DdpmSchedule.NAMES)
            l.entries.add(new Entry(s, new int[]{1000}, DType.F32, Kind.SCHEDULE));
        return l.entries;
    }

    private void weight(String name, int... shape) { entries.add(new Entry(name + ".weight", shape, dtype, Kind.WEIGHT)); }

    private void linear(String name, int out, int in) { weight(name, out, in); bias(name, out); }

    private void linearNoBias(String name, int out, int in) { weight(name, out, in); }

    private void conv(String name, int out, int in, int k) { weight(name, out, in, k, k); bias(name, out); }

    private void bias(String name, int n) { entries.add(new Entry(name + ".bias", new int[]{n}, dtype, Kind.BIAS)); }

    private void norm(String name, int c) {
        entries.add(new Entry(name + ".weight", new int[]{c}, dtype, Kind.NORM_WEIGHT));
        entries.add(new Entry(name + ".bias", new int[]{c}, dtype, Kind.NORM_BIAS));
    }

    // ---- UNet (ldm openaimodel) ----

    private void unet(String p, UNet u) {
        int c = u.modelChannels(), temb = 4 * c;
        linear(p + "time_embed.0", temb, c);
        linear(p + "time_embed.2", temb, temb);
        conv(p + "input_blocks.0.0", c, u.inChannels(), 3);
        List<Integer> skips = new ArrayList<>();
        skips.add(c);
        int ch = c, ds = 1, block = 1;
        for (int level = 0; level < u.channelMult().length; level++) {
            for (int r = 0; r < u.numResBlocks(); r++) {
                int out = u.channelMult()[level] * c;
                resBlock(p + "input_blocks." + block + ".0", ch, out, temb);
                ch = out;
                if (contains(u.attentionResolutions(), ds)) transformer(p + "input_blocks." + block + ".1", ch, u);
                skips.add(ch);
                block++;
            }
            if (level != u.channelMult().length - 1) {
                conv(p + "input_blocks." + block + ".0.op", ch, ch, 3);
                skips.add(ch);
                ds *= 2;
                block++;
            }
        }
        resBlock(p + "middle_block.0", ch, ch, temb);
        transformer(p + "middle_block.1", ch, u);
        resBlock(p + "middle_block.2", ch, ch, temb);
        block = 0;
        for (int level = u.channelMult().length - 1; level >= 0; level--) {
            for (int i = 0; i <= u.numResBlocks(); i++) {
                int skip = skips.removeLast(), out = u.channelMult()[level] * c;
                String b = p + "output_blocks." + block + ".";
                resBlock(b + "0", ch + skip, out, temb);
                ch = out;
                int sub = 1;
                if (contains(u.attentionResolutions(), ds)) transformer(b + sub++, ch, u);
                if (level > 0 && i == u.numResBlocks()) {
                    conv(b + sub + ".conv", ch, ch, 3);
                    ds /= 2;
                }
                block++;
            }
        }
        norm(p + "out.0", c);
        conv(p + "out.2", u.outChannels(), c, 3);
    }

    private void resBlock(String p, int in, int out, int temb) {
        norm(p + ".in_layers.0", in);
        conv(p + ".in_layers.2", out, in, 3);
        linear(p + ".emb_layers.1", out, temb);
        norm(p + ".out_layers.0", out);
        conv(p + ".out_layers.3", out, out, 3);
        if (in != out) conv(p + ".skip_connection", out, in, 1);
    }

    private void transformer(String p, int ch, UNet u) {
        norm(p + ".norm", ch);
        conv(p + ".proj_in", ch, ch, 1);
        for (int d = 0; d < u.transformerDepth(); d++) {
            String t = p + ".transformer_blocks." + d + ".";
            linearNoBias(t + "attn1.to_q", ch, ch);
            linearNoBias(t + "attn1.to_k", ch, ch);
            linearNoBias(t + "attn1.to_v", ch, ch);
            linear(t + "attn1.to_out.0", ch, ch);
            linearNoBias(t + "attn2.to_q", ch, ch);
            linearNoBias(t + "attn2.to_k", ch, u.contextDim());
            linearNoBias(t + "attn2.to_v", ch, u.contextDim());
            linear(t + "attn2.to_out.0", ch, ch);
            linear(t + "ff.net.0.proj", 8 * ch, ch);
            linear(t + "ff.net.2", ch, 4 * ch);
            norm(t + "norm1", ch);
            norm(t + "norm2", ch);
            norm(t + "norm3", ch);
        }
        conv(p + ".proj_out", ch, ch, 1);
    }

    private static boolean contains(int[] a, int v) {
        for (int x : a) if (x == v) return true;
        return false;
    }

    // ---- VAE (ldm autoencoder) ----

    private void vae(String p, Vae v) {
        int levels = v.chMult().length, z = v.zChannels();
        String e = p + "encoder.";
        conv(e + "conv_in", v.ch(), 3, 3);
        int in = v.ch();
        for (int i = 0; i < levels; i++) {
            int out = v.ch() * v.chMult()[i];
            for (int j = 0; j < v.numResBlocks(); j++) {
                vaeResBlock(e + "down." + i + ".block." + j, in, out);
                in = out;
            }
            if (i != levels - 1) conv(e + "down." + i + ".downsample.conv", in, in, 3);
        }
        vaeMid(e + "mid.", in);
        norm(e + "norm_out", in);
        conv(e + "conv_out", 2 * z, in, 3);
        conv(p + "quant_conv", 2 * z, 2 * z, 1);
        conv(p + "post_quant_conv", z, z, 1);
        String d = p + "decoder.";
        int top = v.ch() * v.chMult()[levels - 1];
        conv(d + "conv_in", top, z, 3);
        vaeMid(d + "mid.", top);
        in = top;
        for (int i = levels - 1; i >= 0; i--) {
            int out = v.ch() * v.chMult()[i];
            for (int j = 0; j <= v.numResBlocks(); j++) {
                vaeResBlock(d + "up." + i + ".block." + j, in, out);
                in = out;
            }
            if (i != 0) conv(d + "up." + i + ".upsample.conv", in, in, 3);
        }
        norm(d + "norm_out", in);
        conv(d + "conv_out", 3, in, 3);
    }

    private void vaeResBlock(String p, int in, int out) {
        norm(p + ".norm1", in);
        conv(p + ".conv1", out, in, 3);
        norm(p + ".norm2", out);
        conv(p + ".conv2", out, out, 3);
        if (in != out) conv(p + ".nin_shortcut", out, in, 1);
    }

    private void vaeMid(String p, int ch) {
        vaeResBlock(p + "block_1", ch, ch);
        norm(p + "attn_1.norm", ch);
        for (String s : new String[]{"q", "k", "v", "proj_out"}) conv(p + "attn_1." + s, ch, ch, 1);
        vaeResBlock(p + "block_2", ch, ch);
    }

    // ---- CLIP text model (HF transformers names) ----

    private void clip(String p, Clip c) {
        weight(p + "embeddings.token_embedding", c.vocab(), c.hidden());
        weight(p + "embeddings.position_embedding", c.positions(), c.hidden());
        entries.add(new Entry(p + "embeddings.position_ids", new int[]{1, c.positions()}, DType.I64, Kind.POSITION_IDS));
        for (int i = 0; i < c.layers(); i++) {
            String l = p + "encoder.layers." + i + ".";
            for (String proj : new String[]{"q_proj", "k_proj", "v_proj", "out_proj"}) linear(l + "self_attn." + proj, c.hidden(), c.hidden());
            norm(l + "layer_norm1", c.hidden());
            linear(l + "mlp.fc1", c.intermediate(), c.hidden());
            linear(l + "mlp.fc2", c.hidden(), c.intermediate());
            norm(l + "layer_norm2", c.hidden());
        }
        norm(p + "final_layer_norm", c.hidden());
    }
}
