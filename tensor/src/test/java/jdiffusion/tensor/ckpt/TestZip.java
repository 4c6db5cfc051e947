package jdiffusion.tensor.ckpt;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * A zip writer for tests: stored or deflated entries, optionally with every size and offset in ZIP64
 * form, and "sparse" stored entries of zeros that take no disk space (for files past 4 GiB).
 */
final class TestZip {
    private record Member(String name, byte[] data, long sparseSize, boolean deflate) {
        long size() { return data != null ? data.length : sparseSize; }
    }

    /** Where the bytes go: memory, or a file where skipped ranges stay holes. */
    private interface Sink {
        void write(byte[] b);
        void skip(long n);
        long position();
    }

    private final List<Member> members = new ArrayList<>();
    private final boolean zip64;

    TestZip(boolean zip64) { this.zip64 = zip64; }

    TestZip add(String name, byte[] data, boolean deflate) {
        members.add(new Member(name, data, 0, deflate));
        return this;
    }

    /** A stored entry of {@code size} zero bytes, written as a hole (only {@link #write(Path)}; its CRC is not computed). */
    TestZip addSparse(String name, long size) {
        members.add(new Member(name, null, size, false));
        return this;
    }

    byte[] bytes() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        writeTo(new Sink() {
            public void write(byte[] b) { out.writeBytes(b); }
            public void skip(long n) { throw new UnsupportedOperationException("sparse entries need write(Path)"); }
            public long position() { return out.size(); }
        });
        return out.toByteArray();
    }

    void write(Path path) {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            writeTo(new Sink() {
                public void write(byte[] b) {
                    try {
                        ByteBuffer buf = ByteBuffer.wrap(b);
                        while (buf.hasRemaining()) ch.write(buf);
                    } catch (IOException e) { throw new UncheckedIOException(e); }
                }
                public void skip(long n) {
                    try { ch.position(ch.position() + n); } catch (IOException e) { throw new UncheckedIOException(e); }
                }
                public long position() {
                    try { return ch.position(); } catch (IOException e) { throw new UncheckedIOException(e); }
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void writeTo(Sink out) {
        ByteArrayOutputStream cd = new ByteArrayOutputStream();
        for (Member m : members) {
            byte[] name = m.name.getBytes(StandardCharsets.UTF_8);
            byte[] body = m.data == null ? null : m.deflate ? deflate(m.data) : m.data;
            long bodySize = body == null ? m.sparseSize : body.length;
            long crc = 0;
            if (m.data != null) { CRC32 c = new CRC32(); c.update(m.data); crc = c.getValue(); }
            long offset = out.position();
            // local header, padded (as torch does) so that the data starts 64-byte aligned
            int extraLen = zip64 ? 20 : 0;
            int pad = (int) ((64 - (offset + 30 + name.length + extraLen + 4) % 64) % 64);
            ByteArrayOutputStream h = new ByteArrayOutputStream();
            le(h, 0x04034b50, 4); le(h, zip64 ? 45 : 20, 2); le(h, 0, 2); le(h, m.deflate ? 8 : 0, 2);
            le(h, 0, 4); le(h, crc, 4);
            le(h, zip64 ? 0xffffffffL : bodySize, 4); le(h, zip64 ? 0xffffffffL : m.size(), 4);
            le(h, name.length, 2); le(h, extraLen + 4 + pad, 2); h.writeBytes(name);
            if (zip64) { le(h, 1, 2); le(h, 16, 2); le(h, m.size(), 8); le(h, bodySize, 8); }
            le(h, 0x4246, 2); le(h, pad, 2); h.writeBytes(new byte[pad]);
            out.write(h.toByteArray());
            if (body != null) out.write(body); else out.skip(m.sparseSize);

            le(cd, 0x02014b50, 4); le(cd, 45, 2); le(cd, zip64 ? 45 : 20, 2); le(cd, 0, 2); le(cd, m.deflate ? 8 : 0, 2);
            le(cd, 0, 4); le(cd, crc, 4);
            le(cd, zip64 ? 0xffffffffL : bodySize, 4); le(cd, zip64 ? 0xffffffffL : m.size(), 4);
            le(cd, name.length, 2); le(cd, zip64 ? 28 : 0, 2); le(cd, 0, 2); le(cd, 0, 2); le(cd, 0, 2); le(cd, 0, 4);
            le(cd, zip64 ? 0xffffffffL : offset, 4); cd.writeBytes(name);
            if (zip64) { le(cd, 1, 2); le(cd, 24, 2); le(cd, m.size(), 8); le(cd, bodySize, 8); le(cd, offset, 8); }
        }
        long cdOffset = out.position();
        ByteArrayOutputStream end = new ByteArrayOutputStream();
        end.writeBytes(cd.toByteArray());
        if (zip64) {
            long rec = cdOffset + cd.size();
            le(end, 0x06064b50, 4); le(end, 44, 8); le(end, 45, 2); le(end, 45, 2); le(end, 0, 4); le(end, 0, 4);
            le(end, members.size(), 8); le(end, members.size(), 8); le(end, cd.size(), 8); le(end, cdOffset, 8);
            le(end, 0x07064b50, 4); le(end, 0, 4); le(end, rec, 8); le(end, 1, 4);
        }
        le(end, 0x06054b50, 4); le(end, 0, 2); le(end, 0, 2);
        le(end, zip64 ? 0xffff : members.size(), 2); le(end, zip64 ? 0xffff : members.size(), 2);
        le(end, zip64 ? 0xffffffffL : cd.size(), 4); le(end, zip64 ? 0xffffffffL : cdOffset, 4); le(end, 0, 2);
        out.write(end.toByteArray());
    }

    private static byte[] deflate(byte[] data) {
        Deflater d = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
        d.setInput(data);
        d.finish();
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        byte[] buf = new byte[4096];
        while (!d.finished()) o.write(buf, 0, d.deflate(buf));
        d.end();
        return o.toByteArray();
    }

    private static void le(ByteArrayOutputStream o, long v, int n) {
        for (int i = 0; i < n; i++) o.write((int) (v >>> (8 * i)));
    }
}
