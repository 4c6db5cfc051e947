package jdiffusion.sd.upscale;

/**
 * torch's {@code F.interpolate} on NCHW planes (align_corners False), separable: each output coordinate reads a
 * few input coordinates with weights, the same along both axes. Computed in double; torch's float32 rounding
 * stays far below the 1e-4 the latents are compared at.
 */
final class Interpolation {
    enum Kind {
        BILINEAR("bilinear"), BICUBIC("bicubic"), NEAREST("nearest"), NEAREST_EXACT("nearest-exact");

        final String torchName;

        Kind(String torchName) { this.torchName = torchName; }
    }

    /** For each output coordinate: the input indices it reads and their weights. */
    private record Taps(int[][] index, double[][] weight) {}

    private Interpolation() {}

    static float[] resize(float[] x, int planes, int h, int w, int outH, int outW, Kind kind, boolean antialias) {
        Taps ys = taps(h, outH, kind, antialias), xs = taps(w, outW, kind, antialias);
        float[] out = new float[planes * outH * outW];
        for (int p = 0; p < planes; p++)
            for (int i = 0; i < outH; i++)
                for (int j = 0; j < outW; j++) {
                    double s = 0;
                    int[] yi = ys.index[i], xi = xs.index[j];
                    double[] yw = ys.weight[i], xw = xs.weight[j];
                    for (int a = 0; a < yi.length; a++) {
                        double row = 0;
                        int base = (p * h + yi[a]) * w;
                        for (int b = 0; b < xi.length; b++) row += xw[b] * x[base + xi[b]];
                        s += yw[a] * row;
                    }
                    out[(p * outH + i) * outW + j] = (float) s;
                }
        return out;
    }

    private static Taps taps(int in, int out, Kind kind, boolean antialias) {
        int[][] index = new int[out][];
        double[][] weight = new double[out][];
        if (antialias && kind != Kind.BILINEAR && kind != Kind.BICUBIC) throw new IllegalArgumentException("antialias only with bilinear or bicubic");
        double scale = (double) in / out;
        float scaleF = (float) in / out;
        for (int i = 0; i < out; i++) {
            if (antialias) {
                // Pillow-style filter over the whole footprint, truncated (not clamped) at the borders
                double filterScale = Math.max(scale, 1.0), support = (kind == Kind.BILINEAR ? 1.0 : 2.0) * filterScale;
                double center = scale * (i + 0.5);
                int xmin = Math.max((int) (center - support + 0.5), 0), xmax = Math.min((int) (center + support + 0.5), in);
                index[i] = new int[xmax - xmin];
                weight[i] = new double[xmax - xmin];
                double sum = 0;
                for (int j = xmin; j < xmax; j++) {
                    double t = (j - center + 0.5) / filterScale;
                    double v = kind == Kind.BILINEAR ? triangle(t) : cubic(t, -0.5);
                    index[i][j - xmin] = j;
                    weight[i][j - xmin] = v;
                    sum += v;
                }
                if (sum != 0) for (int k = 0; k < weight[i].length; k++) weight[i][k] /= sum;
                continue;
            }
            switch (kind) {
                case BILINEAR -> {
                    double src = Math.max((i + 0.5) * scale - 0.5, 0);
                    int x0 = (int) src, x1 = x0 + (x0 < in - 1 ? 1 : 0);
                    double l = src - x0;
                    index[i] = new int[] {x0, x1};
                    weight[i] = new double[] {1 - l, l};
                }
                case BICUBIC -> {
                    double src = (i + 0.5) * scale - 0.5;
                    int x0 = (int) Math.floor(src);
                    double t = src - x0;
                    index[i] = new int[4];
                    weight[i] = new double[4];
                    for (int k = 0; k < 4; k++) {
                        index[i][k] = Math.min(Math.max(x0 - 1 + k, 0), in - 1);
                        weight[i][k] = cubic(t + 1 - k, -0.75);
                    }
                }
                case NEAREST -> {
                    index[i] = new int[] {Math.min((int) Math.floor(i * scaleF), in - 1)};
                    weight[i] = new double[] {1};
                }
                case NEAREST_EXACT -> {
                    index[i] = new int[] {Math.min((int) Math.floor((i + 0.5f) * scaleF), in - 1)};
                    weight[i] = new double[] {1};
                }
            }
        }
        return new Taps(index, weight);
    }

    private static double triangle(double t) {
        t = Math.abs(t);
        return t < 1 ? 1 - t : 0;
    }

    /** Keys' cubic convolution kernel with parameter {@code a} (torch: −0.75 plain, −0.5 antialiased). */
    private static double cubic(double t, double a) {
        t = Math.abs(t);
        if (t <= 1) return ((a + 2) * t - (a + 3)) * t * t + 1;
        if (t < 2) return ((a * t - 5 * a) * t + 8 * a) * t - 4 * a;
        return 0;
    }
}
