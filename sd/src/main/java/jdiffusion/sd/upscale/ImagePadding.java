package jdiffusion.sd.upscale;

/** torch's {@code F.pad(..., "reflect")} then {@code "replicate"} on the right and bottom edges, as spandrel pads to a size requirement. */
final class ImagePadding {
    private ImagePadding() {}

    /** {@code planes} planes of {@code h × w} grown by {@code padH} rows and {@code padW} columns. */
    static float[] reflectThenReplicate(float[] in, int planes, int h, int w, int padH, int padW) {
        int oh = h + padH, ow = w + padW;
        float[] out = new float[planes * oh * ow];
        for (int p = 0; p < planes; p++)
            for (int y = 0; y < oh; y++) {
                int sy = source(y, h);
                for (int x = 0; x < ow; x++) out[(p * oh + y) * ow + x] = in[(p * h + sy) * w + source(x, w)];
            }
        return out;
    }

    /** Reflection reaches {@code size − 1} pixels beyond the edge (without repeating it); replication repeats the last reflected one. */
    private static int source(int i, int size) {
        if (i < size) return i;
        int beyond = i - (size - 1);
        return beyond <= size - 1 ? size - 1 - beyond : 0;
    }
}
