package jdiffusion.sd.controlnet.preprocess;

import java.util.ArrayDeque;

/**
 * {@code cv2.Canny(image, low, high)} as OpenCV 4.6 computes it with the default 3x3 Sobel and L1 gradient: Sobel
 * derivatives with replicated border; on several channels, per pixel the channel with the largest |dx|+|dy| (the first
 * on ties); non-maximum suppression in four directions with OpenCV's tan(22.5°) fixed-point test and its asymmetric
 * comparisons; thresholds floored; hysteresis from pixels above {@code high} through 8-connected candidates above
 * {@code low}. Output is 0 or 255, one channel.
 */
public final class Canny {
    private Canny() {}

    private static final int SHIFT = 15, TG22 = (int) (0.4142135623730950488016887242097 * (1 << SHIFT) + 0.5);

    public static Raster detect(Raster src, double lowThreshold, double highThreshold) {
        if (lowThreshold > highThreshold) {
            double t = lowThreshold;
            lowThreshold = highThreshold;
            highThreshold = t;
        }
        int low = (int) Math.floor(lowThreshold), high = (int) Math.floor(highThreshold);
        int h = src.height(), w = src.width(), cn = src.channels();
        int[] dx = new int[h * w], dy = new int[h * w], mag = new int[h * w];
        for (int y = 0; y < h; y++) {
            int ym = Math.max(y - 1, 0), yp = Math.min(y + 1, h - 1);
            for (int x = 0; x < w; x++) {
                int xm = Math.max(x - 1, 0), xp = Math.min(x + 1, w - 1);
                int best = -1;
                for (int c = 0; c < cn; c++) {
                    int gx = (src.get(ym, xp, c) - src.get(ym, xm, c)) + 2 * (src.get(y, xp, c) - src.get(y, xm, c)) + (src.get(yp, xp, c) - src.get(yp, xm, c));
                    int gy = (src.get(yp, xm, c) - src.get(ym, xm, c)) + 2 * (src.get(yp, x, c) - src.get(ym, x, c)) + (src.get(yp, xp, c) - src.get(ym, xp, c));
                    int m = Math.abs(gx) + Math.abs(gy);
                    if (m > best) {
                        best = m;
                        dx[y * w + x] = gx;
                        dy[y * w + x] = gy;
                    }
                }
                mag[y * w + x] = best;
            }
        }
        // 0: may be an edge, 1: cannot, 2: is an edge
        byte[] map = new byte[h * w];
        ArrayDeque<Integer> stack = new ArrayDeque<>();
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int i = y * w + x, m = mag[i];
                boolean candidate = false;
                if (m > low) {
                    int xs = dx[i], ys = dy[i];
                    int ax = Math.abs(xs), ay = Math.abs(ys) << SHIFT;
                    int tg22x = ax * TG22;
                    if (ay < tg22x) {
                        candidate = m > at(mag, w, h, y, x - 1) && m >= at(mag, w, h, y, x + 1);
                    } else {
                        int tg67x = tg22x + (ax << (SHIFT + 1));
                        if (ay > tg67x) {
                            candidate = m > at(mag, w, h, y - 1, x) && m >= at(mag, w, h, y + 1, x);
                        } else {
                            int s = (xs ^ ys) < 0 ? -1 : 1;
                            candidate = m > at(mag, w, h, y - 1, x - s) && m > at(mag, w, h, y + 1, x + s);
                        }
                    }
                }
                if (!candidate) {
                    map[i] = 1;
                } else if (m > high) {
                    map[i] = 2;
                    stack.push(i);
                }
            }
        }
        while (!stack.isEmpty()) {
            int i = stack.pop(), y = i / w, x = i % w;
            for (int oy = -1; oy <= 1; oy++)
                for (int ox = -1; ox <= 1; ox++) {
                    int ny = y + oy, nx = x + ox;
                    if ((oy == 0 && ox == 0) || ny < 0 || ny >= h || nx < 0 || nx >= w) continue;
                    int j = ny * w + nx;
                    if (map[j] == 0) {
                        map[j] = 2;
                        stack.push(j);
                    }
                }
        }
        Raster out = Raster.blank(h, w, 1);
        for (int i = 0; i < h * w; i++) out.data()[i] = (byte) (map[i] == 2 ? 255 : 0);
        return out;
    }

    /** The magnitude at (y, x), 0 outside the image (OpenCV's zero border rows and columns). */
    private static int at(int[] mag, int w, int h, int y, int x) {
        return y < 0 || y >= h || x < 0 || x >= w ? 0 : mag[y * w + x];
    }
}
