package jdiffusion.sd.pipeline;

/** The RGB test pattern the Pillow reference values were recorded on, and a byte-array literal helper. */
final class PillowPattern {
    private PillowPattern() {}

    static byte[] rgb(int w, int h) {
        byte[] b = new byte[w * h * 3];
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) for (int c = 0; c < 3; c++)
            b[(y * w + x) * 3 + c] = (byte) (((x * 37 + y * 91 + c * 53) * 7) % 256);
        return b;
    }

    static byte[] bytes(int... v) {
        byte[] b = new byte[v.length];
        for (int i = 0; i < v.length; i++) b[i] = (byte) v[i];
        return b;
    }
}
