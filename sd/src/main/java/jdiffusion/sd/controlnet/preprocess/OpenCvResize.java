package jdiffusion.sd.controlnet.preprocess;

/**
 * {@code cv2.resize} of uint8 images as OpenCV 4.6 computes it: {@code INTER_NEAREST}, {@code INTER_CUBIC} (a = -0.75,
 * coefficients in 11-bit fixed point, replicated border) and {@code INTER_AREA} (exact pixel-area weights, float
 * accumulation; integer factors averaged in integers), so control maps match the extension's to the level.
 */
public final class OpenCvResize {
    private OpenCvResize() {}

    public enum Interpolation { NEAREST, CUBIC, AREA }

    private static final int COEF_BITS = 11, COEF_SCALE = 1 << COEF_BITS;
    /** 16-bit lanes of a 128-bit register: OpenCV's baseline (SSE) vector width in the vertical cubic pass. */
    private static final int SIMD_LANES = 8;

    public static Raster resize(Raster src, int width, int height, Interpolation interpolation) {
        if (width == src.width() && height == src.height()) return new Raster(height, width, src.channels(), src.data().clone());
        return switch (interpolation) {
            case NEAREST -> nearest(src, width, height);
            case CUBIC -> cubic(src, width, height);
            case AREA -> src.width() >= width && src.height() >= height ? area(src, width, height) : cubicAreaFallback(src, width, height);
        };
    }

    private static Raster nearest(Raster src, int width, int height) {
        // OpenCV: ifx = 1 / (dsize / ssize), which is not always ssize / dsize in the last bit
        double fx = 1.0 / ((double) width / src.width()), fy = 1.0 / ((double) height / src.height());
        Raster out = Raster.blank(height, width, src.channels());
        for (int y = 0; y < height; y++) {
            int sy = Math.min((int) Math.floor(y * fy), src.height() - 1);
            for (int x = 0; x < width; x++) {
                int sx = Math.min((int) Math.floor(x * fx), src.width() - 1);
                for (int c = 0; c < src.channels(); c++) out.set(y, x, c, src.get(sy, sx, c));
            }
        }
        return out;
    }

    /** OpenCV's {@code interpolateCubic} in float, then {@code saturate_cast<short>(coef * 2048)}. */
    private static short[] cubicCoefficients(float x) {
        final float a = -0.75f;
        float c0 = ((a * (x + 1) - 5 * a) * (x + 1) + 8 * a) * (x + 1) - 4 * a;
        float c1 = ((a + 2) * x - (a + 3)) * x * x + 1;
        float c2 = ((a + 2) * (1 - x) - (a + 3)) * (1 - x) * (1 - x) + 1;
        float c3 = 1f - c0 - c1 - c2;
        return new short[] {fixed(c0), fixed(c1), fixed(c2), fixed(c3)};
    }

    private static short fixed(float c) { return (short) Math.max(Short.MIN_VALUE, Math.min(Short.MAX_VALUE, Math.rint(c * COEF_SCALE))); }

    private static Raster cubic(Raster src, int width, int height) {
        int cn = src.channels(), sw = src.width(), sh = src.height();
        double scaleX = 1.0 / ((double) width / sw), scaleY = 1.0 / ((double) height / sh);
        int[] xofs = new int[width];
        short[][] alpha = new short[width][];
        for (int x = 0; x < width; x++) {
            float f = (float) ((x + 0.5) * scaleX - 0.5);
            int sx = (int) Math.floor(f);
            xofs[x] = sx;
            alpha[x] = cubicCoefficients(f - sx);
        }
        Raster out = Raster.blank(height, width, cn);
        int[][] rows = new int[4][width * cn];
        for (int y = 0; y < height; y++) {
            float f = (float) ((y + 0.5) * scaleY - 0.5);
            int sy = (int) Math.floor(f);
            short[] beta = cubicCoefficients(f - sy);
            for (int k = 0; k < 4; k++) {
                int row = clamp(sy - 1 + k, sh);
                for (int x = 0; x < width; x++)
                    for (int c = 0; c < cn; c++) {
                        int v = 0;
                        for (int j = 0; j < 4; j++) v += src.get(row, clamp(xofs[x] - 1 + j, sw), c) * alpha[x][j];
                        rows[k][x * cn + c] = v;
                    }
            }
            // OpenCV's SSE path (VResizeCubicVec_32s8u) sums 8 values at a time in float with the betas scaled by 2^-22, rounding
            // half to even; the tail of the row goes through the integer FixedPtCast (round half up)
            int n = width * cn, vectorised = n >= SIMD_LANES ? n / SIMD_LANES * SIMD_LANES : 0;
            float scale = 1f / (COEF_SCALE * COEF_SCALE);
            float b0 = beta[0] * scale, b1 = beta[1] * scale, b2 = beta[2] * scale, b3 = beta[3] * scale;
            for (int i = 0; i < n; i++) {
                int r;
                if (i < vectorised) {
                    float v = (float) rows[0][i] * b0 + ((float) rows[1][i] * b1 + ((float) rows[2][i] * b2 + (float) rows[3][i] * b3));
                    r = (int) Math.rint(v);
                } else {
                    int v = rows[0][i] * beta[0] + rows[1][i] * beta[1] + rows[2][i] * beta[2] + rows[3][i] * beta[3];
                    r = (v + (1 << (2 * COEF_BITS - 1))) >> (2 * COEF_BITS);
                }
                out.data()[y * n + i] = (byte) Math.max(0, Math.min(255, r));
            }
        }
        return out;
    }

    private static int clamp(int i, int n) { return i < 0 ? 0 : i >= n ? n - 1 : i; }

    /** One entry of OpenCV's area table: destination index, source index, weight. */
    private record Tab(int dst, int src, float alpha) {}

    private static Tab[] areaTable(int ssize, int dsize, double scale) {
        java.util.List<Tab> tab = new java.util.ArrayList<>();
        for (int dx = 0; dx < dsize; dx++) {
            double fsx1 = dx * scale, fsx2 = fsx1 + scale;
            double cellWidth = Math.min(scale, ssize - fsx1);
            int sx1 = (int) Math.ceil(fsx1), sx2 = (int) Math.floor(fsx2);
            sx2 = Math.min(sx2, ssize - 1);
            sx1 = Math.min(sx1, sx2);
            if (sx1 - fsx1 > 1e-3) tab.add(new Tab(dx, sx1 - 1, (float) ((sx1 - fsx1) / cellWidth)));
            for (int sx = sx1; sx < sx2; sx++) tab.add(new Tab(dx, sx, (float) (1.0 / cellWidth)));
            if (fsx2 - sx2 > 1e-3) tab.add(new Tab(dx, sx2, (float) (Math.min(Math.min(fsx2 - sx2, 1.0), cellWidth) / cellWidth)));
        }
        return tab.toArray(Tab[]::new);
    }

    private static Raster area(Raster src, int width, int height) {
        int cn = src.channels(), sw = src.width(), sh = src.height();
        double scaleX = (double) sw / width, scaleY = (double) sh / height;
        int isx = (int) Math.rint(scaleX), isy = (int) Math.rint(scaleY);
        if (Math.abs(scaleX - isx) < Double.MIN_NORMAL && Math.abs(scaleY - isy) < Double.MIN_NORMAL && sw == width * isx && sh == height * isy)
            return areaFast(src, width, height, isx, isy);
        Tab[] xtab = areaTable(sw, width, scaleX), ytab = areaTable(sh, height, scaleY);
        Raster out = Raster.blank(height, width, cn);
        float[] buf = new float[width * cn], sum = new float[width * cn];
        int prevDy = ytab[0].dst();
        for (Tab yt : ytab) {
            java.util.Arrays.fill(buf, 0f);
            for (Tab xt : xtab)
                for (int c = 0; c < cn; c++) buf[xt.dst() * cn + c] = buf[xt.dst() * cn + c] + src.get(yt.src(), xt.src(), c) * xt.alpha();
            if (yt.dst() != prevDy) {
                for (int i = 0; i < width * cn; i++) {
                    out.data()[prevDy * width * cn + i] = saturate(sum[i]);
                    sum[i] = yt.alpha() * buf[i];
                }
                prevDy = yt.dst();
            } else {
                for (int i = 0; i < width * cn; i++) sum[i] = sum[i] + yt.alpha() * buf[i];
            }
        }
        for (int i = 0; i < width * cn; i++) out.data()[prevDy * width * cn + i] = saturate(sum[i]);
        return out;
    }

    /** Integer factors: the block average, {@code (sum + area/2) / area} as OpenCV's vector path does for 2x2, else {@code round(sum / area)}. */
    private static Raster areaFast(Raster src, int width, int height, int fx, int fy) {
        int cn = src.channels(), area = fx * fy;
        float scale = 1f / area;
        Raster out = Raster.blank(height, width, cn);
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
                for (int c = 0; c < cn; c++) {
                    int s = 0;
                    for (int j = 0; j < fy; j++) for (int i = 0; i < fx; i++) s += src.get(y * fy + j, x * fx + i, c);
                    int v = area == 4 && fx == 2 ? (s + 2) >> 2 : (int) Math.rint(s * scale);
                    out.set(y, x, c, Math.max(0, Math.min(255, v)));
                }
        return out;
    }

    /** INTER_AREA enlarging a side: OpenCV uses a linear variant there; approximated by cubic (not used by the extension's paths). */
    private static Raster cubicAreaFallback(Raster src, int width, int height) { return cubic(src, width, height); }

    private static byte saturate(float v) {
        int r = (int) Math.rint(v);
        return (byte) Math.max(0, Math.min(255, r));
    }
}
