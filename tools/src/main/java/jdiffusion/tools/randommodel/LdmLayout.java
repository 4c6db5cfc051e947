package jdiffusion.tools.randommodel;

import jdiffusion.tensor.DType;

import java.util.ArrayList;
import java.util.List;

/**
 * Every tensor of an A1111/CompVis single-file SD 1.x checkpoint or an sgm SDXL base/refiner file (ldm names and
 * shapes), derived from the architecture hyper-parameters the way ldm/sgm's {@code UNetModel},
 * {@code Encoder}/{@code Decoder}, HF's {@code CLIPTextModel} and OpenCLIP's text tower create their parameters.
 * Used to write random-weight models of the true shapes.
 */
public final class LdmLayout {
    /** One tensor of the file; {@code kind} says how a random model fills it. */
    public record Entry(String name, int[] shape, DType dtype, Kind kind) {}

    public enum Kind { WEIGHT, BIAS, NORM_WEIGHT, NORM_BIAS, POSITION_IDS, SCHEDULE, LOGIT_SCALE }

    /**
     * ldm/sgm UNet hyper-parameters as in {@code v1-inference.yaml} / {@code sd_xl_base.yaml}: attention resolutions
     * are downsampling factors, {@code transformerDepth} one entry per level (the middle block uses the last),
     * {@code linearProjection} sgm's {@code use_linear_in_transformer}, {@code admInChannels} the width of SDXL's
     * vector input ({@code label_emb}; 0 for none).
     */
    public record UNet(int inChannels, int outChannels, int modelChannels, int[] channelMult, int numResBlocks,
                       int[] attentionResolutions, int contextDim, int[] transformerDepth, boolean linearProjection, int admInChannels) {
        /** An SD1-style UNet: {@code transformerDepth} blocks at every level, 1x1-conv projections, no vector input. */
        public UNet(int inChannels, int outChannels, int modelChannels, int[] channelMult, int numResBlocks, int[] attentionResolutions,
                    int contextDim, int transformerDepth) {
            this(inChannels, outChannels, modelChannels, channelMult, numResBlocks, attentionResolutions, contextDim,
                    java.util.Collections.nCopies(channelMult.length, transformerDepth).stream().mapToInt(Integer::intValue).toArray(), false, 0);
        }

        public static UNet sd15() {
            return new UNet(4, 4, 320, new int[]{1, 2, 4, 4}, 2, new int[]{4, 2, 1}, 768, new int[]{1, 1, 1, 1}, false, 0);
        }

        /** {@code sd_xl_base.yaml}: 2,567,463,684 parameters. */
        public static UNet sdxl() {
            return new UNet(4, 4, 320, new int[]{1, 2, 4}, 2, new int[]{4, 2}, 2048, new int[]{0, 2, 10}, true, 2816);
        }

        /** {@code sd_xl_refiner.yaml}. */
        public static UNet sdxlRefiner() {
            return new UNet(4, 4, 384, new int[]{1, 2, 4, 4}, 2, new int[]{4, 2}, 1280, new int[]{4, 4, 4, 4}, true, 2560);
        }
    }

    public record Vae(int ch, int[] chMult, int numResBlocks, int zChannels) {
        public static Vae sd15() { return new Vae(128, new int[]{1, 2, 4, 4}, 2, 4); }
    }

    public record Clip(int hidden, int layers, int intermediate, int vocab, int positions) {
        public static Clip vitL() { return new Clip(768, 12, 3072, 49408, 77); }
    }

    /** OpenCLIP's text tower (open_clip names: fused {@code in_proj}, {@code text_projection} [W, P] used as {@code x @ P}). */
    public record OpenClip(int hidden, int layers, int intermediate, int vocab, int positions, int projection) {
        /** ViT-bigG/14, SDXL's second text encoder: 694,659,841 parameters. */
        public static OpenClip bigG() { return new OpenClip(1280, 32, 5120, 49408, 77, 1280); }
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

    /** An sgm SDXL base file ({@code sd_xl_base_1.0.safetensors}): UNet, VAE, CLIP-L and bigG; sgm stores no DDPM buffers. */
    public static List<Entry> sdxl(UNet unet, Vae vae, Clip clipL, OpenClip bigG, DType dtype) {
        LdmLayout l = new LdmLayout(dtype);
        l.unet("model.diffusion_model.", unet);
        l.vae("first_stage_model.", vae);
        l.clip("conditioner.embedders.0.transformer.text_model.", clipL);
        l.openClip("conditioner.embedders.1.model.", bigG);
        return l.entries;
    }

    /** An sgm SDXL refiner file ({@code sd_xl_refiner_1.0.safetensors}): UNet, VAE and bigG alone. */
    public static List<Entry> sdxlRefiner(UNet unet, Vae vae, OpenClip bigG, DType dtype) {
        LdmLayout l = new LdmLayout(dtype);
        l.unet("model.diffusion_model.", unet);
        l.vae("first_stage_model.", vae);
        l.openClip("conditioner.embedders.0.model.", bigG);
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
        if (u.admInChannels() > 0) {
            linear(p + "label_emb.0.0", temb, u.admInChannels());
            linear(p + "label_emb.0.2", temb, temb);
        }
        conv(p + "input_blocks.0.0", c, u.inChannels(), 3);
        List<Integer> skips = new ArrayList<>();
        skips.add(c);
        int ch = c, ds = 1, block = 1;
        for (int level = 0; level < u.channelMult().length; level++) {
            for (int r = 0; r < u.numResBlocks(); r++) {
                int out = u.channelMult()[level] * c;
                resBlock(p + "input_blocks." + block + ".0", ch, out, temb);
                ch = out;
                if (contains(u.attentionResolutions(), ds)) transformer(p + "input_blocks." + block + ".1", ch, u, u.transformerDepth()[level]);
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
        transformer(p + "middle_block.1", ch, u, u.transformerDepth()[u.transformerDepth().length - 1]);
        resBlock(p + "middle_block.2", ch, ch, temb);
        block = 0;
        for (int level = u.channelMult().length - 1; level >= 0; level--) {
            for (int i = 0; i <= u.numResBlocks(); i++) {
                int skip = skips.removeLast(), out = u.channelMult()[level] * c;
                String b = p + "output_blocks." + block + ".";
                resBlock(b + "0", ch + skip, out, temb);
                ch = out;
                int sub = 1;
                if (contains(u.attentionResolutions(), ds)) transformer(b + sub++, ch, u, u.transformerDepth()[level]);
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

    private void transformer(String p, int ch, UNet u, int depth) {
        norm(p + ".norm", ch);
        projection(p + ".proj_in", ch, u);
        for (int d = 0; d < depth; d++) {
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
        projection(p + ".proj_out", ch, u);
    }

    private void projection(String name, int ch, UNet u) {
        if (u.linearProjection()) linear(name, ch, ch);
        else conv(name, ch, ch, 1);
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

    // ---- OpenCLIP text tower (open_clip names) ----

    private void openClip(String p, OpenClip c) {
        int w = c.hidden();
        weight(p + "token_embedding", c.vocab(), w);
        entries.add(new Entry(p + "positional_embedding", new int[]{c.positions(), w}, dtype, Kind.WEIGHT));
        for (int i = 0; i < c.layers(); i++) {
            String l = p + "transformer.resblocks." + i + ".";
            norm(l + "ln_1", w);
            entries.add(new Entry(l + "attn.in_proj_weight", new int[]{3 * w, w}, dtype, Kind.WEIGHT));
            entries.add(new Entry(l + "attn.in_proj_bias", new int[]{3 * w}, dtype, Kind.BIAS));
            linear(l + "attn.out_proj", w, w);
            norm(l + "ln_2", w);
            linear(l + "mlp.c_fc", c.intermediate(), w);
            linear(l + "mlp.c_proj", w, c.intermediate());
        }
        norm(p + "ln_final", w);
        entries.add(new Entry(p + "text_projection", new int[]{w, c.projection()}, dtype, Kind.WEIGHT));
        entries.add(new Entry(p + "logit_scale", new int[]{}, dtype, Kind.LOGIT_SCALE));
    }
}
