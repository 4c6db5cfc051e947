package jdiffusion.sd.controlnet.preprocess;

import java.util.ArrayList;
import java.util.List;

/**
 * The extension's binary-map helpers, on one-channel uint8 images with OpenCV's border rules: 3x3 erosion/dilation
 * (the outside ignored), Otsu's threshold, {@code nake_nms} (a pixel survives where it equals its dilation along one of
 * the four line directions) and lvmin's thinning ({@code scripts/lvminthin.py}: hit-or-miss with eight rotations of two
 * 3x3 kernels until nothing changes, at most 32 rounds, then optional pruning).
 */
public final class EdgeMaps {
    private EdgeMaps() {}

    /** {@code cv2.erode} (min) or {@code cv2.dilate} (max) over the 3x3 box, per channel; outside pixels are ignored. */
    public static Raster box3(Raster x, boolean max) {
        Raster out = Raster.blank(x.height(), x.width(), x.channels());
        for (int y = 0; y < x.height(); y++)
            for (int i = 0; i < x.width(); i++)
                for (int c = 0; c < x.channels(); c++) {
                    int v = max ? 0 : 255;
                    for (int oy = -1; oy <= 1; oy++)
                        for (int ox = -1; ox <= 1; ox++) {
                            int ny = y + oy, nx = i + ox;
                            if (ny < 0 || ny >= x.height() || nx < 0 || nx >= x.width()) continue;
                            int s = x.get(ny, nx, c);
                            v = max ? Math.max(v, s) : Math.min(v, s);
                        }
                    out.set(y, i, c, v);
                }
        return out;
    }

    /** OpenCV's Otsu threshold of a one-channel image (the level maximising the between-class variance, in doubles). */
    public static int otsu(Raster x) {
        int[] hist = new int[256];
        for (byte b : x.data()) hist[b & 0xff]++;
        double scale = 1.0 / x.data().length, mu = 0;
        for (int i = 0; i < 256; i++) mu += i * (double) hist[i];
        mu *= scale;
        double mu1 = 0, q1 = 0, maxSigma = 0;
        int maxVal = 0;
        final double eps = Math.ulp(1.0f);
        for (int i = 0; i < 256; i++) {
            double p = hist[i] * scale;
            mu1 *= q1;
            q1 += p;
            double q2 = 1.0 - q1;
            if (Math.min(q1, q2) < eps || Math.max(q1, q2) > 1.0 - eps) continue;
            mu1 = (mu1 + i * p) / q1;
            double mu2 = (mu - q1 * mu1) / q2;
            double sigma = q1 * q2 * (mu1 - mu2) * (mu1 - mu2);
            if (sigma > maxSigma) {
                maxSigma = sigma;
                maxVal = i;
            }
        }
        return maxVal;
    }

    /** {@code cv2.threshold(x, 0, 255, THRESH_BINARY + THRESH_OTSU)}: 255 above Otsu's level, else 0. */
    public static Raster otsuBinary(Raster x) {
        int t = otsu(x);
        Raster out = Raster.blank(x.height(), x.width(), 1);
        for (int i = 0; i < x.data().length; i++) out.data()[i] = (byte) ((x.data()[i] & 0xff) > t ? 255 : 0);
        return out;
    }

    private static final int[][][] LINES = {
            {{0, -1}, {0, 1}}, {{-1, 0}, {1, 0}}, {{-1, -1}, {1, 1}}, {{-1, 1}, {1, -1}}};

    /** {@code nake_nms}: keep a pixel where it is the maximum of itself and its two neighbours along some line direction. */
    public static Raster nakeNms(Raster x) {
        Raster out = Raster.blank(x.height(), x.width(), 1);
        for (int y = 0; y < x.height(); y++)
            for (int i = 0; i < x.width(); i++) {
                int v = x.get(y, i, 0);
                for (int[][] line : LINES) {
                    int m = v;
                    for (int[] o : line) {
                        int ny = y + o[0], nx = i + o[1];
                        if (ny >= 0 && ny < x.height() && nx >= 0 && nx < x.width()) m = Math.max(m, x.get(ny, nx, 0));
                    }
                    if (m == v) {
                        out.set(y, i, 0, v);
                        break;
                    }
                }
            }
        return out;
    }

    private static final int[][] THIN_A = {{-1, -1, -1}, {0, 1, 0}, {1, 1, 1}}, THIN_B = {{0, -1, -1}, {1, 1, -1}, {0, 1, 0}};
    private static final int[][] PRUNE_A = {{-1, -1, -1}, {-1, 1, -1}, {0, 0, -1}}, PRUNE_B = {{-1, -1, -1}, {-1, 1, -1}, {-1, 0, 0}};
    private static final List<int[][]> THINNING = rotations(THIN_A, THIN_B), PRUNING = rotations(PRUNE_A, PRUNE_B);

    /** np.rot90 by 0..3 quarter turns of each kernel, in the extension's order (k = 0 both kernels, k = 1 both, ...). */
    private static List<int[][]> rotations(int[][] a, int[][] b) {
        List<int[][]> out = new ArrayList<>();
        for (int k = 0; k < 4; k++) {
            out.add(rot90(a, k));
            out.add(rot90(b, k));
        }
        return out;
    }

    /** numpy's rot90 (counter-clockwise): {@code r[i][j] = m[j][n-1-i]}, applied k times. */
    private static int[][] rot90(int[][] m, int k) {
        int[][] r = m;
        for (int t = 0; t < k; t++) {
            int[][] n = new int[3][3];
            for (int i = 0; i < 3; i++) for (int j = 0; j < 3; j++) n[i][j] = r[j][2 - i];
            r = n;
        }
        return r;
    }

    /** {@code lvmin_thin} on a 0/255 one-channel map (modified in a copy). */
    public static Raster thin(Raster x, boolean prunings) {
        Raster y = new Raster(x.height(), x.width(), 1, x.data().clone());
        for (int round = 0; round < 32; round++) if (!thinOnce(y, THINNING)) break;
        if (prunings) thinOnce(y, PRUNING);
        return y;
    }

    /** One pass of every kernel in order; true when something was removed. */
    private static boolean thinOnce(Raster y, List<int[][]> kernels) {
        boolean changed = false;
        for (int[][] k : kernels) changed |= removePattern(y, k);
        return changed;
    }

    /**
     * {@code cv2.morphologyEx(MORPH_HITMISS)}: the erosion of the image over the 1s and of its complement over the -1s, ANDed;
     * positions outside the image do not count. Matches (&gt; 127) are set to 0, all at once.
     */
    private static boolean removePattern(Raster y, int[][] k) {
        int h = y.height(), w = y.width();
        List<Integer> hits = new ArrayList<>();
        for (int r = 0; r < h; r++)
            for (int c = 0; c < w; c++) {
                int fg = 255, bg = 255;
                boolean anyFg = false, anyBg = false;
                for (int i = 0; i < 3; i++)
                    for (int j = 0; j < 3; j++) {
                        if (k[i][j] == 0) continue;
                        int ny = r + i - 1, nx = c + j - 1;
                        if (k[i][j] == 1) anyFg = true;
                        else anyBg = true;
                        // OpenCV's default morphology border is the neutral value: outside pixels satisfy both kinds
                        if (ny < 0 || ny >= h || nx < 0 || nx >= w) continue;
                        int v = y.get(ny, nx, 0);
                        if (k[i][j] == 1) fg = Math.min(fg, v);
                        else bg = Math.min(bg, 255 - v);
                    }
                int e1 = anyFg ? fg : y.get(r, c, 0), e2 = anyBg ? bg : 255;
                if ((e1 & e2) > 127) hits.add(r * w + c);
            }
        for (int i : hits) y.data()[i] = 0;
        return !hits.isEmpty();
    }
}
