package jdiffusion.sd.controlnet.preprocess;

import jdiffusion.sd.controlnet.preprocess.OpenCvResize.Interpolation;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

/**
 * How the extension fits a detected map to the generation size ({@code detectmap_proc}) and sizes the preprocessor's
 * input ({@code resize_image_with_pad}, pixel perfect). Every {@code round} is numpy's: half to even.
 */
public final class ControlResize {
    private ControlResize() {}

    /** The extension's resize modes (its UI labels). */
    public enum Mode {
        JUST_RESIZE("Just Resize"), CROP_AND_RESIZE("Crop and Resize"), RESIZE_AND_FILL("Resize and Fill");

        private final String label;

        Mode(String label) { this.label = label; }

        public String label() { return label; }

        /** The label, the API's index (0, 1, 2) or a short name ({@code just}/{@code resize}, {@code crop}, {@code fill}). */
        public static Mode parse(String s) {
            String k = s.trim().toLowerCase(Locale.ROOT).replace('_', ' ');
            for (Mode m : values()) if (m.label.toLowerCase(Locale.ROOT).equals(k)) return m;
            return switch (k) {
                case "0", "just", "resize", "just resize", "inner fit" -> JUST_RESIZE;
                case "1", "crop", "outer fit (shrink to fit)" -> CROP_AND_RESIZE;
                case "2", "fill", "envelope (outer fit)" -> RESIZE_AND_FILL;
                default -> throw new IllegalArgumentException("unknown resize mode \"" + s + "\": use \"Just Resize\", \"Crop and Resize\" or \"Resize and Fill\" (just/crop/fill)");
            };
        }
    }

    /** {@code align_dim_latent}: the size the control map is made for, a multiple of 8 (rounded down). */
    public static int alignToLatent(int size) { return size / 8 * 8; }

    /** Pixel perfect: the preprocessor resolution that makes the detected map come out at the target size. */
    public static int pixelPerfectResolution(int rawH, int rawW, int targetH, int targetW, Mode mode) {
        double k0 = (double) targetH / rawH, k1 = (double) targetW / rawW;
        double k = mode == Mode.RESIZE_AND_FILL ? Math.min(k0, k1) : Math.max(k0, k1);
        return (int) Math.rint(k * Math.min(rawH, rawW));
    }

    /** The resized-and-padded preprocessor input and the size to crop the result back to. */
    public record Padded(Raster image, int height, int width) {
        public Raster removePad(Raster result) { return result.crop(0, 0, height, width); }
    }

    /** {@code resize_image_with_pad}: shortest side to {@code resolution} (cubic up, area down), then edge-pad to multiples of 64. */
    public static Padded withPad(Raster img, int resolution) {
        Raster rgb = img.rgb();
        double k = (double) resolution / Math.min(rgb.height(), rgb.width());
        int h = (int) Math.rint(rgb.height() * k), w = (int) Math.rint(rgb.width() * k);
        Raster resized = OpenCvResize.resize(rgb, w, h, k > 1 ? Interpolation.CUBIC : Interpolation.AREA);
        return new Padded(resized.padEdge(pad64(h), pad64(w)), h, w);
    }

    private static int pad64(int x) { return (int) (Math.ceil(x / 64.0) * 64 - x); }

    /** {@code detectmap_proc}: the detected map fitted to {@code h x w} by the resize mode. */
    public static Raster fit(Raster detected, Mode mode, int h, int w) {
        Raster map = detected.rgb();
        if (mode == Mode.JUST_RESIZE) return highQualityResize(map, w, h);
        double k0 = (double) h / map.height(), k1 = (double) w / map.width();
        if (mode == Mode.RESIZE_AND_FILL) {
            double k = Math.min(k0, k1);
            int[] border = borderMedian(map);
            Raster fitted = highQualityResize(map, (int) Math.rint(map.width() * k), (int) Math.rint(map.height() * k));
            Raster out = Raster.blank(h, w, 3);
            for (int i = 0; i < h * w; i++) for (int c = 0; c < 3; c++) out.data()[i * 3 + c] = (byte) border[c];
            int padH = Math.max(0, (h - fitted.height()) / 2), padW = Math.max(0, (w - fitted.width()) / 2);
            for (int y = 0; y < Math.min(fitted.height(), h - padH); y++)
                for (int x = 0; x < Math.min(fitted.width(), w - padW); x++)
                    for (int c = 0; c < 3; c++) out.set(padH + y, padW + x, c, fitted.get(y, x, c));
            return out;
        }
        double k = Math.max(k0, k1);
        Raster fitted = highQualityResize(map, (int) Math.rint(map.width() * k), (int) Math.rint(map.height() * k));
        int padH = Math.max(0, (fitted.height() - h) / 2), padW = Math.max(0, (fitted.width() - w) / 2);
        return fitted.crop(padH, padW, h, w);
    }

    /** Per channel, np.median of the first/last rows and columns (corners twice), truncated to uint8. */
    static int[] borderMedian(Raster m) {
        int n = 2 * m.width() + 2 * m.height();
        int[] out = new int[3];
        for (int c = 0; c < 3; c++) {
            int[] v = new int[n];
            int k = 0;
            for (int x = 0; x < m.width(); x++) v[k++] = m.get(0, x, c);
            for (int x = 0; x < m.width(); x++) v[k++] = m.get(m.height() - 1, x, c);
            for (int y = 0; y < m.height(); y++) v[k++] = m.get(y, 0, c);
            for (int y = 0; y < m.height(); y++) v[k++] = m.get(y, m.width() - 1, c);
            Arrays.sort(v);
            double median = n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
            out[c] = (int) median;
        }
        return out;
    }

    /**
     * lvmin's {@code high_quality_resize}: few-colour maps by nearest neighbour, others by area (shrinking) or cubic; binary
     * maps are re-binarised afterwards (one-pixel edge maps thinned back to one pixel).
     */
    public static Raster highQualityResize(Raster x, int width, int height) {
        if (x.height() == height && x.width() == width) return x;
        long newPixels = (long) width * height, oldPixels = (long) x.height() * x.width();
        boolean smaller = newPixels < oldPixels, bigger = newPixels > oldPixels;
        int colours = uniqueColours(x);
        boolean binary = false, onePixelEdge = false;
        if (colours == 2) {
            int min = 255, max = 0;
            for (byte b : x.data()) {
                min = Math.min(min, b & 0xff);
                max = Math.max(max, b & 0xff);
            }
            binary = min < 16 && max > 240;
            if (binary) {
                Raster opened = EdgeMaps.box3(EdgeMaps.box3(x, false), true);
                int thin = 0, all = 0;
                for (int i = 0; i < x.data().length; i++) {
                    int v = x.data()[i] & 0xff;
                    if ((opened.data()[i] & 0xff) < v) thin++;
                    if (v > 127) all++;
                }
                onePixelEdge = thin * 2 > all;
            }
        }
        Interpolation interpolation = colours > 2 && colours < 200 ? Interpolation.NEAREST : smaller ? Interpolation.AREA : Interpolation.CUBIC;
        Raster y = OpenCvResize.resize(x, width, height, interpolation);
        if (!binary) return y;
        Raster mean = Raster.blank(height, width, 1);
        for (int i = 0; i < width * height; i++) {
            float s = (float) (y.data()[3 * i] & 0xff) + (float) (y.data()[3 * i + 1] & 0xff);
            s += (float) (y.data()[3 * i + 2] & 0xff);
            mean.data()[i] = (byte) Math.min(255f, Math.max(0f, s / 3f));
        }
        Raster bin = onePixelEdge ? EdgeMaps.thin(EdgeMaps.otsuBinary(EdgeMaps.nakeNms(mean)), bigger) : EdgeMaps.otsuBinary(mean);
        return bin.rgb();
    }

    static int uniqueColours(Raster x) {
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < x.height() * x.width(); i++) {
            int p = i * x.channels(), key = 0;
            for (int c = 0; c < x.channels(); c++) key = key << 8 | (x.data()[p + c] & 0xff);
            seen.add(key);
        }
        return seen.size();
    }
}
