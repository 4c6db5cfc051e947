package jdiffusion.tools.server;

import jdiffusion.sd.image.Png;
import jdiffusion.sd.pipeline.GeneratedImage;
import jdiffusion.sd.pipeline.RgbImage;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Base64;
import java.util.Iterator;
import java.util.Map;

/** Images in and out of the API: base64 (optionally a {@code data:image/...;base64,} URL) to pixels, and PNGs with their infotext back. */
final class ImageCodec {
    private ImageCodec() {}

    /** The bytes of a base64 field; a 400 naming the field when it is not base64. */
    static byte[] bytes(String encoded, String field) {
        String s = encoded.strip();
        if (s.startsWith("data:")) {
            int comma = s.indexOf(',');
            if (comma < 0 || !s.substring(0, comma).endsWith(";base64"))
                throw ApiException.badRequest("field '" + field + "' is a data URL without ';base64,'");
            s = s.substring(comma + 1);
        }
        if (s.startsWith("http://") || s.startsWith("https://"))
            throw ApiException.badRequest("field '" + field + "' is a URL; this server takes images only as base64");
        try {
            return Base64.getMimeDecoder().decode(strictAlphabet(s, field));
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("field '" + field + "' is not valid base64 (" + e.getMessage() + ")");
        }
    }

    /** The MIME decoder skips foreign characters silently; a request with them is malformed, not an image. */
    private static String strictAlphabet(String s, String field) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/' || c == '='
                    || c == '\n' || c == '\r' || c == '-' || c == '_';
            if (!ok) throw ApiException.badRequest("field '" + field + "' is not valid base64 (character '" + c + "' at " + i + ")");
        }
        return s.replace('-', '+').replace('_', '/');
    }

    /** Whether {@code data} starts as an image file does: JPEG, GIF, BMP, TIFF, WebP (PNG is read for its text elsewhere). */
    static boolean looksLikeImage(byte[] data) {
        if (data.length < 12) return false;
        int b0 = data[0] & 0xff, b1 = data[1] & 0xff, b2 = data[2] & 0xff;
        String head = new String(data, 0, 12, java.nio.charset.StandardCharsets.ISO_8859_1);
        return (b0 == 0xff && b1 == 0xd8 && b2 == 0xff) || head.startsWith("GIF8") || head.startsWith("BM")
                || head.startsWith("II*\0") || head.startsWith("MM\0*") || (head.startsWith("RIFF") && head.startsWith("WEBP", 8));
    }

    /** Decodes a base64 image (PNG, JPEG, BMP, GIF) of at most {@code maxPixels} pixels, alpha kept. */
    static RgbImage decode(String encoded, String field, long maxPixels) {
        byte[] data = bytes(encoded, field);
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(data))) {
            Iterator<ImageReader> readers = in == null ? null : ImageIO.getImageReaders(in);
            if (readers == null || !readers.hasNext())
                throw ApiException.badRequest("field '" + field + "' is base64 but not an image (PNG or JPEG expected)");
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                long pixels = (long) reader.getWidth(0) * reader.getHeight(0);
                // check the header before decoding, so a small file that claims a huge image costs nothing
                if (pixels > maxPixels)
                    throw ApiException.invalid("field '" + field + "' is " + reader.getWidth(0) + "x" + reader.getHeight(0)
                            + ", more than the server's limit of " + maxPixels + " pixels (--max-pixels)");
                BufferedImage img = reader.read(0);
                return RgbImage.of(img);
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof ApiException a) throw a;
            throw ApiException.badRequest("field '" + field + "' is not a readable image (" + e.getMessage() + ")");
        }
    }

    /** The image as the WebUI sends it: base64 of a PNG whose {@code parameters} text is the infotext. */
    static String png(GeneratedImage img) {
        byte[] png = Png.encode(img.rgb(), img.width(), img.height(), Map.of("parameters", img.info().format()));
        return Base64.getEncoder().encodeToString(png);
    }
}
