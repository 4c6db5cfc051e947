package jdiffusion.sd.upscale;

import jdiffusion.sd.pipeline.RgbImage;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * The WebUI's {@code images.split_grid} / {@code combine_grid}: an image cut into overlapping square tiles and put
 * back together, blending only the first {@code overlap} columns (rows) of each later tile into what is already
 * there. Tiles always have the full tile size: near the right/bottom edge they are shifted to end at the edge,
 * and an image smaller than a tile gets a tile at a negative origin whose outside is black.
 */
final class ImageGrid {
    /** One tile's origin and pixels. */
    record Tile(int x, RgbImage image) {}

    /** One row of tiles at {@code y}. */
    record Row(int y, List<Tile> tiles) {}

    final int tileW, tileH, imageW, imageH, overlap;
    final List<Row> rows;

    private ImageGrid(int tileW, int tileH, int imageW, int imageH, int overlap, List<Row> rows) {
        this.tileW = tileW;
        this.tileH = tileH;
        this.imageW = imageW;
        this.imageH = imageH;
        this.overlap = overlap;
        this.rows = rows;
    }

    /** {@code split_grid(image, tile, tile, overlap)}. */
    static ImageGrid split(RgbImage image, int tile, int overlap) {
        int w = image.width(), h = image.height();
        int cols = (int) Math.ceil((double) (w - overlap) / (tile - overlap));
        int rowCount = (int) Math.ceil((double) (h - overlap) / (tile - overlap));
        double dx = cols > 1 ? (double) (w - tile) / (cols - 1) : 0, dy = rowCount > 1 ? (double) (h - tile) / (rowCount - 1) : 0;
        List<Row> rows = new ArrayList<>();
        for (int r = 0; r < rowCount; r++) {
            int y = (int) (r * dy);
            if (y + tile >= h) y = h - tile;
            List<Tile> tiles = new ArrayList<>();
            for (int c = 0; c < cols; c++) {
                int x = (int) (c * dx);
                if (x + tile >= w) x = w - tile;
                tiles.add(new Tile(x, crop(image, x, y, tile, tile)));
            }
            rows.add(new Row(y, tiles));
        }
        return new ImageGrid(tile, tile, w, h, overlap, rows);
    }

    /**
     * Every tile replaced by {@code f(tile)}, coordinates and sizes scaled by the factor the first tile grew by
     * ({@code out.width / tile.width}, as the WebUI takes it from each tile in turn).
     */
    ImageGrid map(UnaryOperator<RgbImage> f) {
        int scale = 1;
        List<Row> out = new ArrayList<>();
        for (Row row : rows) {
            List<Tile> tiles = new ArrayList<>();
            for (Tile t : row.tiles) {
                RgbImage up = f.apply(t.image);
                scale = up.width() / t.image.width();
                tiles.add(new Tile(t.x * scale, up));
            }
            out.add(new Row(row.y * scale, tiles));
        }
        return new ImageGrid(tileW * scale, tileH * scale, imageW * scale, imageH * scale, overlap * scale, out);
    }

    /** {@code combine_grid}. */
    RgbImage combine() {
        byte[] maskW = ramp(overlap);
        byte[] image = new byte[imageW * imageH * 3];
        for (Row row : rows) {
            byte[] line = new byte[imageW * tileH * 3];
            for (Tile t : row.tiles) {
                RgbImage tile = t.image;
                if (t.x == 0) {
                    paste(line, imageW, tileH, tile, 0, 0, tile.width(), tileH, 0, 0, null);
                    continue;
                }
                paste(line, imageW, tileH, tile, 0, 0, overlap, tileH, t.x, 0, (i, j) -> maskW[i]);
                paste(line, imageW, tileH, tile, overlap, 0, tile.width() - overlap, tileH, t.x + overlap, 0, null);
            }
            RgbImage lineImage = new RgbImage(line, imageW, tileH);
            if (row.y == 0) {
                paste(image, imageW, imageH, lineImage, 0, 0, imageW, tileH, 0, 0, null);
                continue;
            }
            paste(image, imageW, imageH, lineImage, 0, 0, imageW, overlap, 0, row.y, (i, j) -> maskW[j]);
            paste(image, imageW, imageH, lineImage, 0, overlap, imageW, tileH - overlap, 0, row.y + overlap, null);
        }
        return new RgbImage(image, imageW, imageH);
    }

    /** The blend mask ramp: {@code uint8(float32(c)·255 / overlap)} for c = 0 … overlap − 1. */
    private static byte[] ramp(int overlap) {
        byte[] m = new byte[overlap];
        for (int c = 0; c < overlap; c++) m[c] = (byte) (int) ((float) c * 255f / (float) overlap);
        return m;
    }

    private interface Mask { byte at(int column, int row); }

    /**
     * Pillow's {@code paste(src.crop((sx, sy, sx+w, sy+h)), (dx, dy), mask)}: clipped to the destination; with a
     * mask each channel is {@code ((t >> 8) + t) >> 8} for {@code t = dst·(255 − m) + src·m + 128}.
     */
    private static void paste(byte[] dst, int dw, int dh, RgbImage src, int sx, int sy, int w, int h, int dx, int dy, Mask mask) {
        byte[] s = src.rgb();
        for (int j = 0; j < h; j++) {
            int ty = dy + j, syy = sy + j;
            if (ty < 0 || ty >= dh) continue;
            for (int i = 0; i < w; i++) {
                int tx = dx + i, sxx = sx + i;
                if (tx < 0 || tx >= dw) continue;
                int o = (ty * dw + tx) * 3;
                boolean inside = sxx >= 0 && sxx < src.width() && syy >= 0 && syy < src.height();
                int p = (syy * src.width() + sxx) * 3;
                int m = mask == null ? 255 : mask.at(i, j) & 0xff;
                for (int c = 0; c < 3; c++) {
                    int v = inside ? s[p + c] & 0xff : 0;
                    if (m == 255) dst[o + c] = (byte) v;
                    else {
                        int t = (dst[o + c] & 0xff) * (255 - m) + v * m + 128;
                        dst[o + c] = (byte) (((t >> 8) + t) >> 8);
                    }
                }
            }
        }
    }

    /** Pillow's {@code crop}: the box may reach outside the image, which reads as black. */
    static RgbImage crop(RgbImage image, int x, int y, int w, int h) {
        byte[] out = new byte[w * h * 3], in = image.rgb();
        for (int j = 0; j < h; j++) {
            int sy = y + j;
            if (sy < 0 || sy >= image.height()) continue;
            for (int i = 0; i < w; i++) {
                int sx = x + i;
                if (sx < 0 || sx >= image.width()) continue;
                System.arraycopy(in, (sy * image.width() + sx) * 3, out, (j * w + i) * 3, 3);
            }
        }
        return new RgbImage(out, w, h);
    }
}
