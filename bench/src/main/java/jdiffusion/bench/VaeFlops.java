package jdiffusion.bench;

import jdiffusion.sd.vae.VaeConfig;

/**
 * Floating-point operations of a VAE decode or encode (2 per multiply-add: convolutions, the mid-block attention's
 * Linears and its two products; norms, SiLU, padding and upsampling ignored), walked the way the forward pass runs.
 * SD's VAE at batch 1 gives about 2.5 TFLOP to decode a 64x64 latent and 1.1 TFLOP to encode a 512x512 image.
 */
public final class VaeFlops {
    private final VaeConfig c;
    private final int batch;
    private double flops;

    private VaeFlops(VaeConfig c, int batch) {
        this.c = c;
        this.batch = batch;
    }

    /** Latent {@code [batch, latent, h, w]} (pipeline space) to the image. */
    public static double decode(VaeConfig c, int batch, int h, int w) {
        VaeFlops f = new VaeFlops(c, batch);
        int levels = c.levels(), deepest = c.channels(levels - 1), latent = c.latentChannels();
        f.conv(h, w, latent, latent, 1);
        f.conv(h, w, latent, deepest, 3);
        f.midBlock(h, w, deepest);
        int ch = deepest;
        for (int u = 0; u < levels; u++) {
            int out = c.channels(levels - 1 - u);
            for (int j = 0; j <= c.layersPerBlock(); j++) {
                f.resnet(h, w, ch, out);
                ch = out;
            }
            if (u < levels - 1) {
                h *= 2;
                w *= 2;
                f.conv(h, w, out, out, 3);
            }
        }
        f.conv(h, w, c.channels(0), c.outChannels(), 3);
        return f.flops;
    }

    /** Image {@code [batch, 3, h, w]} to the latent distribution's moments. */
    public static double encode(VaeConfig c, int batch, int h, int w) {
        VaeFlops f = new VaeFlops(c, batch);
        int levels = c.levels(), deepest = c.channels(levels - 1), latent = c.latentChannels();
        f.conv(h, w, c.inChannels(), c.channels(0), 3);
        int ch = c.channels(0);
        for (int i = 0; i < levels; i++) {
            int out = c.channels(i);
            for (int j = 0; j < c.layersPerBlock(); j++) {
                f.resnet(h, w, ch, out);
                ch = out;
            }
            if (i < levels - 1) {
                h /= 2;
                w /= 2;
                f.conv(h, w, out, out, 3);
            }
        }
        f.midBlock(h, w, deepest);
        f.conv(h, w, deepest, 2 * latent, 3);
        f.conv(h, w, 2 * latent, 2 * latent, 1);
        return f.flops;
    }

    private void midBlock(int h, int w, int ch) {
        resnet(h, w, ch, ch);
        long tokens = (long) h * w;
        flops += 4 * 2.0 * batch * tokens * ch * ch;
        flops += 2.0 * 2 * batch * tokens * tokens * ch;
        resnet(h, w, ch, ch);
    }

    private void resnet(int h, int w, int in, int out) {
        conv(h, w, in, out, 3);
        conv(h, w, out, out, 3);
        if (in != out) conv(h, w, in, out, 1);
    }

    /** A {@code k x k} convolution producing an {@code h x w} output. */
    private void conv(int h, int w, int in, int out, int k) { flops += 2.0 * batch * h * w * out * in * k * k; }
}
