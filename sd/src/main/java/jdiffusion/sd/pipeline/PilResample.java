package jdiffusion.sd.pipeline;

/**
 * Pillow's {@code Image.resize} for 8-bit images ({@code libImaging/Resample.c}), so resized init images and masks
 * carry the same bytes as in the WebUI: a separable convolution, horizontal pass then vertical, each with weights
 * normalised per output pixel, converted to 22-bit fixed point and rounded back to 8 bits after each pass. An
 * optional source box (in source pixels) selects the region to resample, as {@code resize(size, box=...)} does.
 */
public final class PilResample {
    private PilResample() {}

    public enum Filter {
        BILINEAR(1.0), BICUBIC(2.0), LANCZOS(3.0);

        final double support;

        Filter(double support) { this.support = support; }

        double weight(double x) {
            return switch (this) {
                case BILINEAR -> {
                    x = Math.abs(x);
                    yield x < 1.0 ? 1.0 - x : 0.0;
                }
                case BICUBIC -> {
                    double a = -0.5;
                    x = Math.abs(x);
                    if (x < 1.0) yield ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
                    if (x < 2.0) yield (((x - 5) * x + 8) * x - 4) * a;
                    yield 0.0;
                }
                case LANCZOS -> x > -3.0 && x < 3.0 ? sinc(x) * sinc(x / 3.0) : 0.0;
            };
        }

        private static double sinc(double x) {
            if (x == 0.0) return 1.0;
            x *= Math.PI;
            return Math.sin(x) / x;
        }
    }

    private static final int PRECISION_BITS = 32 - 8 - 2;

    /** {@code pixels} ({@code h x w x channels} bytes) resized to {@code outW x outH}; identical size returns a copy, as Pillow does. */
    public static byte[] resize(byte[] pixels, int w, int h, int channels, int outW, int outH, Filter filter) {
        if (outW == w && outH == h) return pixels.clone();
        return resize(pixels, w, h, channels, outW, outH, filter, 0, 0, w, h);
    }

    /** With a source box {@code (x0, y0, x1, y1)}. */
    public static byte[] resize(byte[] pixels, int w, int h, int channels, int outW, int outH, Filter filter,
                                double x0, double y0, double x1, double y1) {
        if (outW < 1 || outH < 1) throw new IllegalArgumentException("resize to " + outW + "x" + outH);
        boolean horizontal = outW != w || x0 != 0 || x1 != outW;
        boolean vertical = outH != h || y0 != 0 || y1 != outH;
        byte[] cur = pixels;
        int curW = w, curH = h;
        double vy0 = y0, vy1 = y1;
        if (horizontal) {
            cur = pass(cur, curW, curH, channels, outW, filter, x0, x1, true);
            curW = outW;
        }
        if (vertical) {
            cur = pass(cur, curW, curH, channels, outH, filter, vy0, vy1, false);
            curH = outH;
        }
        if (!horizontal && !vertical) cur = pixels.clone();
        return cur;
    }

    /**
     * Pillow's {@code resize(size, NEAREST)} (an affine transform with nearest sampling): the source coordinate is
     * accumulated in double from {@code 0.5·in/out} in steps of {@code in/out} and truncated, which differs from
     * {@code floor((x + 0.5)·in/out)} where the sum lands just below a whole number.
     */
    public static byte[] nearest(byte[] pixels, int w, int h, int channels, int outW, int outH) {
        if (outW < 1 || outH < 1) throw new IllegalArgumentException("resize to " + outW + "x" + outH);
        int[] xs = nearestSources(w, outW), ys = nearestSources(h, outH);
        byte[] out = new byte[outW * outH * channels];
        for (int y = 0; y < outH; y++)
            for (int x = 0; x < outW; x++)
                System.arraycopy(pixels, (ys[y] * w + xs[x]) * channels, out, (y * outW + x) * channels, channels);
        return out;
    }

    private static int[] nearestSources(int in, int out) {
        double step = (double) in / out, xo = 0.5 * step;
        int[] src = new int[out];
        for (int x = 0; x < out; x++) {
            src[x] = Math.min((int) xo, in - 1);
            xo += step;
        }
        return src;
    }

    private static byte[] pass(byte[] in, int w, int h, int channels, int outSize, Filter filter, double from, double to, boolean alongX) {
        int inSize = alongX ? w : h;
        double scale = (to - from) / outSize, filterScale = Math.max(scale, 1.0);
        double support = filter.support * filterScale;
        int ksize = (int) Math.ceil(support) * 2 + 1;
        int[] bounds = new int[outSize * 2];
        int[] kk = new int[outSize * ksize];
        double[] k = new double[ksize];
        for (int xx = 0; xx < outSize; xx++) {
            double center = from + (xx + 0.5) * scale, ww = 0.0, ss = 1.0 / filterScale;
            int xmin = (int) (center - support + 0.5);
            if (xmin < 0) xmin = 0;
            int xmax = (int) (center + support + 0.5);
            if (xmax > inSize) xmax = inSize;
            xmax -= xmin;
            for (int x = 0; x < xmax; x++) {
                double wgt = filter.weight((x + xmin - center + 0.5) * ss);
                k[x] = wgt;
                ww += wgt;
            }
            for (int x = 0; x < xmax; x++) {
                double v = ww != 0.0 ? k[x] / ww : k[x];
                kk[xx * ksize + x] = v < 0 ? (int) (-0.5 + v * (1 << PRECISION_BITS)) : (int) (0.5 + v * (1 << PRECISION_BITS));
            }
            bounds[2 * xx] = xmin;
            bounds[2 * xx + 1] = xmax;
        }
        int outW = alongX ? outSize : w, outH = alongX ? h : outSize;
        byte[] out = new byte[outW * outH * channels];
        for (int y = 0; y < outH; y++)
            for (int x = 0; x < outW; x++) {
                int o = alongX ? x : y, xmin = bounds[2 * o], xmax = bounds[2 * o + 1];
                for (int c = 0; c < channels; c++) {
                    long acc = 1L << (PRECISION_BITS - 1);
                    for (int t = 0; t < xmax; t++) {
                        int src = alongX ? (y * w + xmin + t) : ((xmin + t) * w + x);
                        acc += (long) (in[src * channels + c] & 0xff) * kk[o * ksize + t];
                    }
                    out[(y * outW + x) * channels + c] = clip8(acc);
                }
            }
        return out;
    }

    private static byte clip8(long v) {
        if (v >= (1L << PRECISION_BITS) * 256) return (byte) 255;
        if (v <= 0) return 0;
        return (byte) (v >> PRECISION_BITS);
    }
}
