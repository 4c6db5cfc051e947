package jdiffusion.sd.pipeline;

import jdiffusion.sd.image.ImageFormatException;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * An 8-bit RGB image, row-major, 3 bytes per pixel, with an optional 8-bit alpha plane (kept because the WebUI
 * reads an inpainting mask from its alpha channel when it has one).
 */
public record RgbImage(byte[] rgb, int width, int height, byte[] alpha) {
    public RgbImage {
        if (rgb.length != width * height * 3) throw new IllegalArgumentException("RGB buffer does not hold " + width + "x" + height + " pixels");
        if (alpha != null && alpha.length != width * height) throw new IllegalArgumentException("alpha plane does not hold " + width + "x" + height + " pixels");
    }

    public RgbImage(byte[] rgb, int width, int height) { this(rgb, width, height, null); }

    /** Reads a PNG, JPEG, BMP or GIF (whatever {@code javax.imageio} reads); a clear error for anything else. */
    public static RgbImage read(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new ImageFormatException(file + ": no such image file");
        } catch (IOException e) {
            throw new ImageFormatException(file + ": cannot read (" + e.getMessage() + ")");
        }
        BufferedImage img;
        try {
            img = ImageIO.read(new ByteArrayInputStream(bytes));
        } catch (IOException | RuntimeException e) {
            throw new ImageFormatException(file + ": not a readable image (" + e.getMessage() + "); use PNG or JPEG");
        }
        if (img == null) throw new ImageFormatException(file + ": not a readable image; use PNG or JPEG");
        return of(img);
    }

    /** The pixels of a decoded image (alpha kept when it has one, e.g. for masks). */
    public static RgbImage of(BufferedImage img) {
        int w = img.getWidth(), h = img.getHeight();
        byte[] rgb = new byte[w * h * 3];
        boolean hasAlpha = img.getColorModel().hasAlpha();
        byte[] alpha = hasAlpha ? new byte[w * h] : null;
        int[] row = new int[w];
        for (int y = 0; y < h; y++) {
            img.getRGB(0, y, w, 1, row, 0, w);
            for (int x = 0; x < w; x++) {
                int argb = row[x], i = y * w + x;
                rgb[3 * i] = (byte) (argb >> 16);
                rgb[3 * i + 1] = (byte) (argb >> 8);
                rgb[3 * i + 2] = (byte) argb;
                if (alpha != null) alpha[i] = (byte) (argb >>> 24);
            }
        }
        return new RgbImage(rgb, w, h, alpha);
    }

    /** PIL's {@code convert('L')}: ITU-R 601-2 luma in PIL's 16-bit fixed point. */
    public byte[] luma() {
        byte[] l = new byte[width * height];
        for (int i = 0; i < l.length; i++) {
            int r = rgb[3 * i] & 0xff, g = rgb[3 * i + 1] & 0xff, b = rgb[3 * i + 2] & 0xff;
            l[i] = (byte) ((r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16);
        }
        return l;
    }
}
