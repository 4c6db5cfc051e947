package jdiffusion.sd.pipeline;

/**
 * The WebUI's inpainting mask blur: OpenCV's {@code GaussianBlur} on the 8-bit mask, first along x with a
 * {@code (2*int(2.5*r + 0.5) + 1) x 1} kernel of sigma r, then along y; borders reflect without repeating the edge
 * (OpenCV's default). Computed in double and rounded, which can differ from OpenCV's fixed-point result by one level.
 */
final class MaskBlur {
    private MaskBlur() {}

    static byte[] blur(byte[] mask, int width, int height, double radius) {
        if (radius <= 0) return mask.clone();
        double[] k = kernel(radius);
        byte[] x = pass(mask, width, height, k, true);
        return pass(x, width, height, k, false);
    }

    static double[] kernel(double sigma) {
        int size = 2 * (int) (2.5 * sigma + 0.5) + 1, c = size / 2;
        double[] k = new double[size];
        double sum = 0;
        for (int i = 0; i < size; i++) {
            k[i] = Math.exp(-((i - c) * (double) (i - c)) / (2 * sigma * sigma));
            sum += k[i];
        }
        for (int i = 0; i < size; i++) k[i] /= sum;
        return k;
    }

    private static byte[] pass(byte[] in, int w, int h, double[] k, boolean alongX) {
        byte[] out = new byte[in.length];
        int c = k.length / 2, n = alongX ? w : h;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                double acc = 0;
                int pos = alongX ? x : y;
                for (int t = 0; t < k.length; t++) {
                    int q = reflect101(pos + t - c, n);
                    acc += k[t] * (in[alongX ? y * w + q : q * w + x] & 0xff);
                }
                out[y * w + x] = (byte) Math.min(255, Math.max(0, (int) Math.round(acc)));
            }
        return out;
    }

    static int reflect101(int i, int n) {
        if (n == 1) return 0;
        while (i < 0 || i >= n) i = i < 0 ? -i : 2 * n - 2 - i;
        return i;
    }
}
