package jdiffusion.bench;

import jdiffusion.sd.unet.UNetConfig;

/**
 * Floating-point operations of one UNet call (2 per multiply-add, convolutions, Linears and the two attention
 * products; norms and elementwise work ignored), counted from the configuration and the latent size the way the
 * forward pass runs. SD1.5 at batch 2 and a 64x64 latent gives about 1606 GFLOP; SDXL at batch 2 and a 128x128 latent
 * about 13.5 TFLOP.
 */
public final class UNetFlops {
    private final UNetConfig c;
    private final int batch, contextTokens;
    private boolean encoderOnly;
    private double flops;

    private UNetFlops(UNetConfig c, int batch, int contextTokens) {
        this.c = c;
        this.batch = batch;
        this.contextTokens = contextTokens;
    }

    public static double perCall(UNetConfig c, int batch, int height, int width, int contextTokens) {
        UNetFlops f = new UNetFlops(c, batch, contextTokens);
        f.count(height, width);
        return f.flops;
    }

    /** The encoder half only (time embedding, conv_in, down blocks, mid block): what a ControlNet shares with the UNet. */
    public static double encoderPerCall(UNetConfig c, int batch, int height, int width, int contextTokens) {
        UNetFlops f = new UNetFlops(c, batch, contextTokens);
        f.encoderOnly = true;
        f.count(height, width);
        return f.flops;
    }

    private void count(int h, int w) {
        int levels = c.levels(), c0 = c.channels(0), temb = c.timeEmbedDim();
        linear(1, c.timeProjDim(), temb);
        linear(1, temb, temb);
        if (c.hasVector()) {
            linear(1, c.vectorDim(), temb);
            linear(1, temb, temb);
        }
        conv(h, w, c.inChannels(), c0, 3, 1);
        int[] hs = new int[levels], ws = new int[levels];
        for (int level = 0; level < levels; level++) {
            hs[level] = h;
            ws[level] = w;
            int out = c.channels(level), in = level == 0 ? c0 : c.channels(level - 1);
            for (int j = 0; j < c.layersPerBlock(); j++) {
                res(h, w, j == 0 ? in : out, out);
                if (c.hasAttention(level)) transformer(h, w, out, c.heads(level), c.depth(level));
            }
            if (level < levels - 1) {
                conv(h, w, out, out, 3, 2);
                h = (h + 1) / 2;
                w = (w + 1) / 2;
            }
        }
        int deepest = c.channels(levels - 1);
        res(h, w, deepest, deepest);
        transformer(h, w, deepest, c.midHeads(), c.midDepth());
        res(h, w, deepest, deepest);
        if (encoderOnly) return;
        for (int i = 0; i < levels; i++) {
            int level = levels - 1 - i, out = c.channels(level);
            h = hs[level];
            w = ws[level];
            int prev = i == 0 ? out : c.channels(level + 1), lastSkip = c.channels(Math.max(level - 1, 0));
            int layers = c.layersPerBlock() + 1;
            for (int j = 0; j < layers; j++) {
                res(h, w, (j == 0 ? prev : out) + (j == layers - 1 ? lastSkip : out), out);
                if (c.hasAttention(level)) transformer(h, w, out, c.heads(level), c.depth(level));
            }
            if (i < levels - 1) conv(hs[level - 1], ws[level - 1], out, out, 3, 1);
        }
        conv(hs[0], ws[0], c0, c.outChannels(), 3, 1);
    }

    private void res(int h, int w, int in, int out) {
        conv(h, w, in, out, 3, 1);
        linear(1, c.timeEmbedDim(), out);
        conv(h, w, out, out, 3, 1);
        if (in != out) conv(h, w, in, out, 1, 1);
    }

    private void transformer(int h, int w, int ch, int heads, int depth) {
        long tokens = (long) h * w;
        linear(tokens, ch, ch);
        for (int k = 0; k < depth; k++) {
            linear(3 * tokens, ch, ch);
            attention(tokens, tokens, ch);
            linear(tokens, ch, ch);
            linear(tokens, ch, ch);
            linear(2L * contextTokens, c.contextDim(), ch);
            attention(tokens, contextTokens, ch);
            linear(tokens, ch, ch);
            linear(tokens, ch, 8 * ch);
            linear(tokens, 4 * ch, ch);
        }
        linear(tokens, ch, ch);
    }

    /** Output size {@code h x w} (the input size for stride 1; the input size for stride 2 is given and halved here). */
    private void conv(int h, int w, int in, int out, int k, int stride) {
        int oh = stride == 2 ? (h + 1) / 2 : h, ow = stride == 2 ? (w + 1) / 2 : w;
        flops += 2.0 * batch * oh * ow * out * in * k * k;
    }

    private void linear(long rows, int in, int out) { flops += 2.0 * batch * rows * in * out; }

    /** QKᵀ and PV over all heads: both {@code Lq x Lk x channels} multiply-adds. */
    private void attention(long lq, long lk, int ch) { flops += 2.0 * 2 * batch * lq * lk * ch; }
}
