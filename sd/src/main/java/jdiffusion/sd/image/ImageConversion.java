package jdiffusion.sd.image;

/** Conversions between decoded VAE output and 8-bit pixels, with the WebUI's exact rounding rules. */
public final class ImageConversion {
    private ImageConversion() {}

    /**
     * One image of a VAE output {@code [B, 3, H, W]} (nominally in [-1, 1]) as row-major RGB bytes, the way the
     * WebUI converts: {@code uint8(255 · clamp((x + 1) / 2, 0, 1))}, truncating rather than rounding.
     */
    public static byte[] toRgbBytes(float[] chw, int batchIndex, int height, int width) {
        int plane = height * width, base = batchIndex * 3 * plane;
        byte[] rgb = new byte[plane * 3];
        for (int p = 0; p < plane; p++)
            for (int c = 0; c < 3; c++) {
                float v = (chw[base + c * plane + p] + 1f) / 2f;
                v = Math.min(1f, Math.max(0f, v));
                rgb[p * 3 + c] = (byte) (int) (255f * v);
            }
        return rgb;
    }

    /** Index of the first non-finite value, or -1: decoded images are checked before they are written. */
    public static int firstNonFinite(float[] a) {
        for (int i = 0; i < a.length; i++) if (!Float.isFinite(a[i])) return i;
        return -1;
    }

    /** RGB bytes as the model's input range: {@code x / 255 · 2 − 1}, planar {@code [3, H, W]}. */
    public static float[] toModelRange(byte[] rgb, int height, int width) {
        int plane = height * width;
        float[] chw = new float[3 * plane];
        for (int p = 0; p < plane; p++)
            for (int c = 0; c < 3; c++) chw[c * plane + p] = (rgb[p * 3 + c] & 0xff) / 255f * 2f - 1f;
        return chw;
    }
}
