package jdiffusion.tensor.ckpt;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The hashes the WebUI shows and writes into infotexts: "AutoV2" ({@code Model hash: } in a PNG) is the
 * first 10 hex digits of the whole file's SHA-256; the legacy {@code model_hash} is the first 8 of the
 * SHA-256 of the 64 KiB at offset 1 MiB (fewer bytes, or none, when the file is shorter); the kohya
 * "addnet" hash, used for LoRA files, is the SHA-256 of a safetensors file after its header.
 */
public final class ModelHash {
    private ModelHash() {}

    /** The whole file's SHA-256, 64 lowercase hex digits. */
    public static String sha256(Path file) { return digest(file, 0, Long.MAX_VALUE); }

    /** The WebUI's {@code Model hash:} (AutoV2): the first 10 hex digits of {@link #sha256}. */
    public static String autoV2(Path file) { return sha256(file).substring(0, 10); }

    /** The WebUI's old short hash: SHA-256 of bytes {@code 0x100000 .. 0x110000}, first 8 hex digits. */
    public static String legacy(Path file) { return digest(file, 0x100000, 0x10000).substring(0, 8); }

    /** kohya's hash of a safetensors file: SHA-256 of everything after the 8-byte length and the JSON header. */
    public static String addNet(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            while (len.hasRemaining() && ch.read(len, len.position()) > 0) { }
            if (len.hasRemaining()) throw new CheckpointException(file + ": too short for a safetensors header");
            long n = len.getLong(0);
            if (n < 0 || n > ch.size() - 8) throw new CheckpointException(file + ": safetensors header length " + Long.toUnsignedString(n) + " is past the end of the file");
            return digest(file, 8 + n, Long.MAX_VALUE);
        } catch (IOException e) {
            throw new CheckpointException(file + ": cannot read: " + e.getMessage(), e);
        }
    }

    private static String digest(Path file, long from, long length) {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK provides SHA-256", e);
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20);
            long pos = from, end = length > ch.size() - from ? ch.size() : from + length;
            while (pos < end) {
                buf.clear().limit((int) Math.min(buf.capacity(), end - pos));
                int n = ch.read(buf, pos);
                if (n <= 0) break;
                pos += n;
                sha.update(buf.flip());
            }
            return HexFormat.of().formatHex(sha.digest());
        } catch (IOException e) {
            throw new CheckpointException(file + ": cannot read: " + e.getMessage(), e);
        }
    }
}
