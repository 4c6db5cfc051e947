package jdiffusion.sd.pipeline;

/**
 * The WebUI's {@code images.resize_image} with no upscaler: Lanczos resizes (Pillow's) and the three resize modes.
 */
final class Resize {
    private Resize() {}

    static RgbImage image(RgbImage im, int width, int height, ResizeMode mode) {
        return new RgbImage(resize(im.rgb(), im.width(), im.height(), 3, width, height, mode), width, height);
    }

    static byte[] mask(byte[] mask, int w, int h, int width, int height, ResizeMode mode) {
        return resize(mask, w, h, 1, width, height, mode);
    }

    static byte[] resize(byte[] px, int w, int h, int ch, int width, int height, ResizeMode mode) {
        PilResample.Filter lanczos = PilResample.Filter.LANCZOS;
        if (mode == ResizeMode.JUST_RESIZE) return PilResample.resize(px, w, h, ch, width, height, lanczos);
        double ratio = (double) width / height, srcRatio = (double) w / h;
        int srcW, srcH;
        if (mode == ResizeMode.CROP_AND_RESIZE) {
            srcW = ratio > srcRatio ? width : w * height / h;
            srcH = ratio <= srcRatio ? height : h * width / w;
        } else {
            srcW = ratio < srcRatio ? width : w * height / h;
            srcH = ratio >= srcRatio ? height : h * width / w;
        }
        byte[] resized = PilResample.resize(px, w, h, ch, srcW, srcH, lanczos);
        byte[] res = new byte[width * height * ch];
        int ox = width / 2 - srcW / 2, oy = height / 2 - srcH / 2;
        paste(res, width, height, resized, srcW, srcH, ch, ox, oy);
        if (mode == ResizeMode.RESIZE_AND_FILL) {
            PilResample.Filter bicubic = PilResample.Filter.BICUBIC;
            if (ratio < srcRatio) {
                int fill = height / 2 - srcH / 2;
                if (fill > 0) {
                    paste(res, width, height, PilResample.resize(resized, srcW, srcH, ch, width, fill, bicubic, 0, 0, width, 0), width, fill, ch, 0, 0);
                    paste(res, width, height, PilResample.resize(resized, srcW, srcH, ch, width, fill, bicubic, 0, srcH, width, srcH),
                            width, fill, ch, 0, fill + srcH);
                }
            } else if (ratio > srcRatio) {
                int fill = width / 2 - srcW / 2;
                if (fill > 0) {
                    paste(res, width, height, PilResample.resize(resized, srcW, srcH, ch, fill, height, bicubic, 0, 0, 0, height), fill, height, ch, 0, 0);
                    paste(res, width, height, PilResample.resize(resized, srcW, srcH, ch, fill, height, bicubic, srcW, 0, srcW, height),
                            fill, height, ch, fill + srcW, 0);
                }
            }
        }
        return res;
    }

    /** Pillow's {@code paste(src, box=(ox, oy))}: clipped to the destination. */
    private static void paste(byte[] dst, int dw, int dh, byte[] src, int sw, int sh, int ch, int ox, int oy) {
        for (int y = 0; y < sh; y++) {
            int ty = oy + y;
            if (ty < 0 || ty >= dh) continue;
            for (int x = 0; x < sw; x++) {
                int tx = ox + x;
                if (tx < 0 || tx >= dw) continue;
                System.arraycopy(src, (y * sw + x) * ch, dst, (ty * dw + tx) * ch, ch);
            }
        }
    }
}
