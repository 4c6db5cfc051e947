package jdiffusion.sd.image;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * PNG encoding of 8-bit RGB images with text chunks, and reading of those text chunks back. Latin-1 text
 * goes into {@code tEXt} (as the WebUI's {@code parameters}); anything else into UTF-8 {@code iTXt}.
 */
public final class Png {
    private static final byte[] SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

    private Png() {}

    /** A PNG of {@code rgb} (row-major, 3 bytes per pixel) with the given text chunks in order. */
    public static byte[] encode(byte[] rgb, int width, int height, Map<String, String> text) {
        if (rgb.length != width * height * 3) throw new IllegalArgumentException("RGB buffer does not hold " + width + "x" + height + " pixels");
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.write(SIGNATURE);
            ByteArrayOutputStream ihdr = new ByteArrayOutputStream();
            DataOutputStream d = new DataOutputStream(ihdr);
            d.writeInt(width);
            d.writeInt(height);
            d.writeByte(8);  // bit depth
            d.writeByte(2);  // colour type: truecolour
            d.writeByte(0);  // deflate
            d.writeByte(0);  // adaptive filtering
            d.writeByte(0);  // no interlace
            chunk(out, "IHDR", ihdr.toByteArray());
            for (Map.Entry<String, String> e : text.entrySet()) textChunk(out, e.getKey(), e.getValue());
            chunk(out, "IDAT", deflateRows(rgb, width, height));
            chunk(out, "IEND", new byte[0]);
            return out.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException(e); // in-memory streams do not fail
        }
    }

    private static byte[] deflateRows(byte[] rgb, int width, int height) {
        int stride = width * 3;
        byte[] raw = new byte[(stride + 1) * height];
        for (int y = 0; y < height; y++) {
            // filter "Sub" (1) on every row: cheap and compresses smooth images well
            int o = y * (stride + 1), s = y * stride;
            raw[o] = 1;
            for (int x = 0; x < stride; x++) {
                int left = x >= 3 ? rgb[s + x - 3] : 0;
                raw[o + 1 + x] = (byte) (rgb[s + x] - left);
            }
        }
        Deflater deflater = new Deflater(6);
        deflater.setInput(raw);
        deflater.finish();
        ByteArrayOutputStream z = new ByteArrayOutputStream();
        byte[] buf = new byte[1 << 16];
        while (!deflater.finished()) z.write(buf, 0, deflater.deflate(buf));
        deflater.end();
        return z.toByteArray();
    }

    private static void textChunk(ByteArrayOutputStream out, String key, String value) throws IOException {
        boolean latin1 = StandardCharsets.ISO_8859_1.newEncoder().canEncode(value);
        ByteArrayOutputStream c = new ByteArrayOutputStream();
        c.write(key.getBytes(StandardCharsets.ISO_8859_1));
        c.write(0);
        if (latin1) {
            c.write(value.getBytes(StandardCharsets.ISO_8859_1));
            chunk(out, "tEXt", c.toByteArray());
        } else {
            c.write(new byte[]{0, 0, 0, 0}); // uncompressed, no language tag, no translated keyword
            c.write(value.getBytes(StandardCharsets.UTF_8));
            chunk(out, "iTXt", c.toByteArray());
        }
    }

    private static void chunk(ByteArrayOutputStream out, String type, byte[] data) throws IOException {
        DataOutputStream d = new DataOutputStream(out);
        d.writeInt(data.length);
        byte[] t = type.getBytes(StandardCharsets.US_ASCII);
        d.write(t);
        d.write(data);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data);
        d.writeInt((int) crc.getValue());
    }

    /** The text chunks ({@code tEXt}, {@code zTXt}, {@code iTXt}) of a PNG file; malformed files throw {@link ImageFormatException}. */
    public static Map<String, String> readText(byte[] png, String fileName) {
        for (int i = 0; i < SIGNATURE.length; i++)
            if (png.length < SIGNATURE.length || png[i] != SIGNATURE[i]) throw new ImageFormatException(fileName + ": not a PNG file");
        Map<String, String> text = new LinkedHashMap<>();
        int pos = SIGNATURE.length;
        while (pos + 8 <= png.length) {
            long len = ((png[pos] & 0xffL) << 24) | ((png[pos + 1] & 0xff) << 16) | ((png[pos + 2] & 0xff) << 8) | (png[pos + 3] & 0xff);
            String type = new String(png, pos + 4, 4, StandardCharsets.ISO_8859_1);
            if (len > png.length - pos - 12) throw new ImageFormatException(fileName + ": PNG chunk " + type + " runs past the end of the file");
            int start = pos + 8, end = start + (int) len;
            switch (type) {
                case "tEXt" -> {
                    int z = indexOf0(png, start, end);
                    text.put(new String(png, start, z - start, StandardCharsets.ISO_8859_1),
                            new String(png, Math.min(z + 1, end), Math.max(0, end - z - 1), StandardCharsets.ISO_8859_1));
                }
                case "zTXt" -> {
                    int z = indexOf0(png, start, end);
                    text.put(new String(png, start, z - start, StandardCharsets.ISO_8859_1),
                            new String(inflate(png, z + 2, end, fileName), StandardCharsets.ISO_8859_1));
                }
                case "iTXt" -> {
                    int z = indexOf0(png, start, end);
                    String key = new String(png, start, z - start, StandardCharsets.ISO_8859_1);
                    boolean compressed = z + 1 < end && png[z + 1] != 0;
                    int lang = indexOf0(png, Math.min(z + 3, end), end);
                    int translated = indexOf0(png, Math.min(lang + 1, end), end);
                    int from = Math.min(translated + 1, end);
                    byte[] body = compressed ? inflate(png, from, end, fileName) : java.util.Arrays.copyOfRange(png, from, end);
                    text.put(key, new String(body, StandardCharsets.UTF_8));
                }
                case "IEND" -> { return text; }
                default -> { }
            }
            pos = end + 4;
        }
        return text;
    }

    private static int indexOf0(byte[] a, int from, int to) {
        for (int i = from; i < to; i++) if (a[i] == 0) return i;
        return to;
    }

    private static byte[] inflate(byte[] a, int from, int to, String fileName) {
        Inflater inf = new Inflater();
        inf.setInput(a, from, Math.max(0, to - from));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        try {
            while (!inf.finished()) {
                int n = inf.inflate(buf);
                if (n == 0 && (inf.needsInput() || inf.needsDictionary())) break;
                out.write(buf, 0, n);
                if (out.size() > 16 << 20) throw new ImageFormatException(fileName + ": compressed PNG text chunk too large");
            }
        } catch (DataFormatException e) {
            throw new ImageFormatException(fileName + ": corrupt compressed PNG text chunk");
        } finally {
            inf.end();
        }
        return out.toByteArray();
    }
}
