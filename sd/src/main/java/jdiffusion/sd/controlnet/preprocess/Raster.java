package jdiffusion.sd.controlnet.preprocess;

import java.util.Arrays;

/** A uint8 image in numpy/OpenCV layout: {@code [height, width, channels]}, row-major, channels interleaved (RGB order). */
public record Raster(int height, int width, int channels, byte[] data) {
    public Raster {
        if (data.length != height * width * channels)
            throw new IllegalArgumentException("raster of " + height + "x" + width + "x" + channels + " needs " + height * width * channels + " bytes, got " + data.length);
    }

    public static Raster blank(int height, int width, int channels) { return new Raster(height, width, channels, new byte[height * width * channels]); }

    public int get(int y, int x, int c) { return data[(y * width + x) * channels + c] & 0xff; }

    public void set(int y, int x, int c, int v) { data[(y * width + x) * channels + c] = (byte) v; }

    /** The extension's {@code HWC3}: a one-channel image repeated to three channels; three channels as they are. */
    public Raster rgb() {
        if (channels == 3) return this;
        if (channels != 1) throw new IllegalArgumentException("expected 1 or 3 channels, got " + channels);
        byte[] out = new byte[height * width * 3];
        for (int i = 0; i < height * width; i++) Arrays.fill(out, 3 * i, 3 * i + 3, data[i]);
        return new Raster(height, width, 3, out);
    }

    /** Rows {@code [y0, y0+h)} and columns {@code [x0, x0+w)} (clipped to the image, as numpy slicing). */
    public Raster crop(int y0, int x0, int h, int w) {
        int y1 = Math.min(height, y0 + h), x1 = Math.min(width, x0 + w);
        Raster out = blank(Math.max(0, y1 - y0), Math.max(0, x1 - x0), channels);
        for (int y = y0; y < y1; y++)
            System.arraycopy(data, (y * width + x0) * channels, out.data, ((y - y0) * out.width) * channels, (x1 - x0) * channels);
        return out;
    }

    /** Pads bottom and right by replicating the edge ({@code np.pad(mode="edge")}). */
    public Raster padEdge(int bottom, int right) {
        Raster out = blank(height + bottom, width + right, channels);
        for (int y = 0; y < out.height; y++)
            for (int x = 0; x < out.width; x++)
                for (int c = 0; c < channels; c++) out.set(y, x, c, get(Math.min(y, height - 1), Math.min(x, width - 1), c));
        return out;
    }

    /** {@code [1, 3, H, W]} floats {@code value/255} (the extension's {@code get_pytorch_control}). */
    public float[] toHint() {
        Raster r = rgb();
        float[] out = new float[3 * height * width];
        int plane = height * width;
        for (int p = 0; p < plane; p++) for (int c = 0; c < 3; c++) out[c * plane + p] = (r.data[p * 3 + c] & 0xff) / 255f;
        return out;
    }
}
