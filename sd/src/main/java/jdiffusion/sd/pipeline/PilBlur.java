package jdiffusion.sd.pipeline;

/**
 * Pillow's {@code ImageFilter.GaussianBlur} on 8-bit planes ({@code libImaging/BoxBlur.c}): three passes of a box blur
 * with a fractional radius derived from the Gaussian's, horizontally then vertically, edges extended, in 24-bit
 * fixed point. Byte-exact with Pillow.
 */
final class PilBlur {
    private PilBlur() {}

    /** {@code plane} ({@code h x w} bytes) blurred with Gaussian radius {@code radius}; radius 0 copies. */
    static int[] gaussian(int[] plane, int w, int h, float radius) {
        if (radius == 0f) return plane.clone();
        float box = boxRadius(radius, 3);
        int[] a = plane.clone();
        for (int pass = 0; pass < 3; pass++) a = rows(a, w, h, box);
        int[] t = transpose(a, w, h);
        for (int pass = 0; pass < 3; pass++) t = rows(t, h, w, box);
        return transpose(t, h, w);
    }

    /** {@code _gaussian_blur_radius}: the box radius whose {@code passes}-fold repetition has the Gaussian's variance. */
    static float boxRadius(float radius, int passes) {
        float sigma2 = radius * radius / passes;
        float l0 = (float) Math.sqrt(12.0 * sigma2 + 1.0);
        float l = (float) Math.floor((l0 - 1.0) / 2.0);
        float a = (2 * l + 1) * (l * (l + 1) - 3 * sigma2);
        a /= 6 * (sigma2 - (l + 1) * (l + 1));
        return l + a;
    }

    private static int[] transpose(int[] a, int w, int h) {
        int[] t = new int[a.length];
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) t[x * h + y] = a[y * w + x];
        return t;
    }

    private static int[] rows(int[] in, int w, int h, float floatRadius) {
        int radius = (int) floatRadius;
        long ww = (long) ((float) (1 << 24) / (floatRadius * 2 + 1));
        long fw = ((1L << 24) - (radius * 2L + 1) * ww) / 2;
        int[] out = new int[in.length];
        for (int y = 0; y < h; y++) line(in, out, y * w, w, radius, ww, fw);
        return out;
    }

    private static void line(int[] in, int[] out, int o, int n, int radius, long ww, long fw) {
        int last = n - 1, edgeA = Math.min(radius + 1, n), edgeB = Math.max(n - radius - 1, 0);
        long acc = (long) in[o] * (radius + 1);
        for (int x = 0; x < edgeA - 1; x++) acc += in[o + x];
        acc += (long) in[o + last] * (radius - edgeA + 1);
        if (edgeA <= edgeB) {
            for (int x = 0; x < edgeA; x++) {
                acc += in[o + x + radius] - in[o];
                out[o + x] = save(acc * ww + (in[o] + in[o + x + radius + 1]) * fw);
            }
            for (int x = edgeA; x < edgeB; x++) {
                acc += in[o + x + radius] - in[o + x - radius - 1];
                out[o + x] = save(acc * ww + (in[o + x - radius - 1] + in[o + x + radius + 1]) * fw);
            }
            for (int x = edgeB; x <= last; x++) {
                acc += in[o + last] - in[o + x - radius - 1];
                out[o + x] = save(acc * ww + (in[o + x - radius - 1] + in[o + last]) * fw);
            }
        } else {
            for (int x = 0; x < edgeB; x++) {
                acc += in[o + x + radius] - in[o];
                out[o + x] = save(acc * ww + (in[o] + in[o + x + radius + 1]) * fw);
            }
            for (int x = edgeB; x < edgeA; x++) {
                acc += in[o + last] - in[o];
                out[o + x] = save(acc * ww + (in[o] + in[o + last]) * fw);
            }
            for (int x = edgeA; x <= last; x++) {
                acc += in[o + last] - in[o + x - radius - 1];
                out[o + x] = save(acc * ww + (in[o + x - radius - 1] + in[o + last]) * fw);
            }
        }
    }

    private static int save(long bulk) { return (int) (((bulk + (1L << 23)) >>> 24) & 0xff); }
}
