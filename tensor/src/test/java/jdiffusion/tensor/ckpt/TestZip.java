package jdiffusion.tensor.ckpt;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/** A zip writer for tests: stored or deflated entries, optionally with every size and offset in ZIP64 form. */
final class TestZip {
    private record Member(String name, byte[] data, boolean deflate) {}

    private final List<Member> members = new ArrayList<>();
    private final boolean zip64;

    TestZip(boolean zip64) { this.zip64 = zip64; }

    TestZip add(String name, byte[] data, boolean deflate) {
        members.add(new Member(name, data, deflate));
        return this;
    }

    byte[] bytes() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream cd = new ByteArrayOutputStream();
        for (Member m : members) {
            byte[] name = m.name.getBytes(StandardCharsets.UTF_8);
            byte[] body = m.deflate ? deflate(m.data) : m.data;
            CRC32 crc = new CRC32();
            crc.update(m.data);
            long offset = out.size();
            // local header, padded (as torch does) so that the data starts 64-byte aligned
            int extraLen = zip64 ? 20 : 0;
            int pad = (int) ((64 - (offset + 30 + name.length + extraLen + 4) % 64) % 64);
            le(out, 0x04034b50, 4); le(out, zip64 ? 45 : 20, 2); le(out, 0, 2); le(out, m.deflate ? 8 : 0, 2);
            le(out, 0, 4); le(out, crc.getValue(), 4);
            le(out, zip64 ? 0xffffffffL : body.length, 4); le(out, zip64 ? 0xffffffffL : m.data.length, 4);
            le(out, name.length, 2); le(out, extraLen + 4 + pad, 2); out.writeBytes(name);
            if (zip64) { le(out, 1, 2); le(out, 16, 2); le(out, m.data.length, 8); le(out, body.length, 8); }
            le(out, 0x4246, 2); le(out, pad, 2); out.writeBytes(new byte[pad]);
            out.writeBytes(body);

            le(cd, 0x02014b50, 4); le(cd, 45, 2); le(cd, zip64 ? 45 : 20, 2); le(cd, 0, 2); le(cd, m.deflate ? 8 : 0, 2);
            le(cd, 0, 4); le(cd, crc.getValue(), 4);
            le(cd, zip64 ? 0xffffffffL : body.length, 4); le(cd, zip64 ? 0xffffffffL : m.data.length, 4);
            le(cd, name.length, 2); le(cd, zip64 ? 28 : 0, 2); le(cd, 0, 2); le(cd, 0, 2); le(cd, 0, 2); le(cd, 0, 4);
            le(cd, zip64 ? 0xffffffffL : offset, 4); cd.writeBytes(name);
            if (zip64) { le(cd, 1, 2); le(cd, 24, 2); le(cd, m.data.length, 8); le(cd, body.length, 8); le(cd, offset, 8); }
        }
        long cdOffset = out.size();
        out.writeBytes(cd.toByteArray());
        if (zip64) {
            long rec = out.size();
            le(out, 0x06064b50, 4); le(out, 44, 8); le(out, 45, 2); le(out, 45, 2); le(out, 0, 4); le(out, 0, 4);
            le(out, members.size(), 8); le(out, members.size(), 8); le(out, cd.size(), 8); le(out, cdOffset, 8);
            le(out, 0x07064b50, 4); le(out, 0, 4); le(out, rec, 8); le(out, 1, 4);
        }
        le(out, 0x06054b50, 4); le(out, 0, 2); le(out, 0, 2);
        le(out, zip64 ? 0xffff : members.size(), 2); le(out, zip64 ? 0xffff : members.size(), 2);
        le(out, zip64 ? 0xffffffffL : cd.size(), 4); le(out, zip64 ? 0xffffffffL : cdOffset, 4); le(out, 0, 2);
        return out.toByteArray();
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
