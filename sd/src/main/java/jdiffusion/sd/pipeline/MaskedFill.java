package jdiffusion.sd.pipeline;

/**
 * The WebUI's {@code masking.fill} (masked content other than "original"): the kept part of the image, blurred ever less
 * (radii 256, 64, 16, 4, 2, 0) and alpha-composited over itself, so the masked area takes the surrounding colours.
 * Pillow's premultiplied {@code RGBa} paste, Gaussian blur, {@code RGBA} conversion and {@code alpha_composite}, byte-exact.
 */
final class MaskedFill {
    private MaskedFill() {}

    private static final int[][] PASSES = {{256, 1}, {64, 1}, {16, 2}, {4, 4}, {2, 2}, {0, 1}};

    /** {@code rgb} ({@code w x h}) with the area under {@code mask} (white = masked) filled from around it. */
    static byte[] fill(byte[] rgb, byte[] mask, int w, int h) {
        int n = w * h;
        int[][] masked = new int[4][n];
        for (int i = 0; i < n; i++) {
            int keep = 255 - (mask[i] & 0xff);
            for (int c = 0; c < 3; c++) masked[c][i] = div255((rgb[3 * i + c] & 0xff) * keep);
            masked[3][i] = div255(255 * keep);
        }
        int[][] mod = new int[4][n];
        for (int[] pass : PASSES) {
            int[][] blurred = new int[4][];
            for (int c = 0; c < 4; c++) blurred[c] = PilBlur.gaussian(masked[c], w, h, pass[0]);
            int[][] src = unpremultiply(blurred, n);
            for (int r = 0; r < pass[1]; r++) alphaComposite(mod, src, n);
        }
        byte[] out = new byte[3 * n];
        for (int i = 0; i < n; i++) for (int c = 0; c < 3; c++) out[3 * i + c] = (byte) mod[c][i];
        return out;
    }

    private static int div255(int a) {
        int t = a + 128;
        return ((t >> 8) + t) >> 8;
    }

    /** Pillow's {@code RGBa -> RGBA}: {@code 255 * c / a}, truncated and clipped, unless alpha is 0 or 255. */
    private static int[][] unpremultiply(int[][] p, int n) {
        int[][] out = new int[4][n];
        for (int i = 0; i < n; i++) {
            int a = p[3][i];
            out[3][i] = a;
            for (int c = 0; c < 3; c++) out[c][i] = a == 0 || a == 255 ? p[c][i] : Math.min(255, 255 * p[c][i] / a);
        }
        return out;
    }

    /** Pillow's {@code ImagingAlphaComposite} of {@code src} over {@code dst}, in place, 7-bit fixed point. */
    private static void alphaComposite(int[][] dst, int[][] src, int n) {
        for (int i = 0; i < n; i++) {
            long sa = src[3][i];
            if (sa == 0) continue;
            long blend = dst[3][i] * (255 - sa);
            long outa255 = sa * 255 + blend;
            long coef1 = sa * 255 * 255 * 128 / outa255, coef2 = 255 * 128 - coef1;
            for (int c = 0; c < 3; c++) {
                long t = src[c][i] * coef1 + dst[c][i] * coef2 + (0x80L << 7);
                dst[c][i] = (int) (((((t >> 8) + t) >> 8)) >> 7);
            }
            long t = outa255 + 0x80;
            dst[3][i] = (int) (((t >> 8) + t) >> 8);
        }
    }
}
