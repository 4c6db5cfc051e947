package jdiffusion.tensor.ckpt;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * The entries of a zip file mapped in memory, read from its central directory (ZIP64 included, since
 * checkpoints are several GiB). STORED entries, which is how torch writes storages, are zero-copy
 * slices of the mapping; DEFLATED entries are inflated into memory from {@code arena}.
 */
final class ZipArchive {
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final int EOCD = 0x06054b50, ZIP64_EOCD = 0x06064b50, ZIP64_LOCATOR = 0x07064b50;
    private static final int CENTRAL = 0x02014b50, LOCAL = 0x04034b50;
    private static final int STORED = 0, DEFLATED = 8;

    /** One member: where its header is and how its data is stored. */
    record Entry(String name, int method, int flags, long crc, long compressedSize, long size, long localHeader) {}

    private final String source;
    private final MemorySegment file;
    private final Map<String, Entry> entries;

    private ZipArchive(String source, MemorySegment file, Map<String, Entry> entries) {
        this.source = source;
        this.file = file;
        this.entries = entries;
    }

    static boolean looksLikeZip(MemorySegment file) {
        return file.byteSize() >= 4 && file.get(U32, 0) == LOCAL;
    }

    static ZipArchive read(String source, MemorySegment file) {
        long size = file.byteSize();
        long eocd = findEndRecord(source, file);
        long count = u16(file, eocd + 10);
        long cdSize = u32(file, eocd + 12);
        long cdOffset = u32(file, eocd + 16);
        if (eocd >= 20 && file.get(U32, eocd - 20) == ZIP64_LOCATOR) {
            long rec = file.get(U64, eocd - 20 + 8);
            if (rec < 0 || rec > size - 56 || file.get(U32, rec) != ZIP64_EOCD)
                throw bad(source, "its ZIP64 end record is missing or out of range");
            count = file.get(U64, rec + 32);
            cdSize = file.get(U64, rec + 40);
            cdOffset = file.get(U64, rec + 48);
        }
        if (cdOffset < 0 || cdSize < 0 || cdOffset > size || cdSize > size - cdOffset)
            throw bad(source, "its central directory lies outside the file (truncated?)");
        if (count < 0 || count > cdSize / 46)
            throw bad(source, "its central directory claims " + count + " entries in " + cdSize + " bytes");
        Map<String, Entry> entries = new LinkedHashMap<>();
        long p = cdOffset, cdEnd = cdOffset + cdSize;
        for (long i = 0; i < count; i++) {
            if (p > cdEnd - 46 || file.get(U32, p) != CENTRAL) throw bad(source, "central directory entry " + i + " is corrupt");
            int flags = u16(file, p + 8), method = u16(file, p + 10);
            long crc = u32(file, p + 16);
            long csize = u32(file, p + 20), usize = u32(file, p + 24);
            int nameLen = u16(file, p + 28), extraLen = u16(file, p + 30), commentLen = u16(file, p + 32);
            long local = u32(file, p + 42);
            long next = p + 46 + nameLen + extraLen + commentLen;
            if (next > cdEnd) throw bad(source, "central directory entry " + i + " runs past the directory");
            String name = new String(file.asSlice(p + 46, nameLen).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
            // ZIP64 extra field: the 8-byte values replace, in this order, those stored as 0xFFFFFFFF
            long x = p + 46 + nameLen, xEnd = x + extraLen;
            while (x + 4 <= xEnd) {
                int id = u16(file, x), len = u16(file, x + 2);
                long d = x + 4;
                if (d + len > xEnd) break;
                if (id == 0x0001) {
                    long dEnd = d + len;
                    if (usize == 0xffffffffL) { usize = zip64Field(source, file, d, dEnd, name); d += 8; }
                    if (csize == 0xffffffffL) { csize = zip64Field(source, file, d, dEnd, name); d += 8; }
                    if (local == 0xffffffffL) { local = zip64Field(source, file, d, dEnd, name); }
                }
                x += 4 + len;
            }
            if (usize < 0 || csize < 0 || local < 0 || local > size)
                throw bad(source, "entry " + name + " has sizes or offset beyond the file");
            entries.put(name, new Entry(name, method, flags, crc, csize, usize, local));
            p = next;
        }
        return new ZipArchive(source, file, Collections.unmodifiableMap(entries));
    }

    private static long zip64Field(String source, MemorySegment file, long at, long end, String name) {
        if (at + 8 > end) throw bad(source, "entry " + name + " has a short ZIP64 extra field");
        return file.get(U64, at);
    }

    private static long findEndRecord(String source, MemorySegment file) {
        long size = file.byteSize();
        long lowest = Math.max(0, size - 22 - 0xffff);
        for (long p = size - 22; p >= lowest; p--) {
            if (file.get(U32, p) == EOCD && p + 22 + u16(file, p + 20) <= size) return p;
        }
        throw bad(source, "no end-of-central-directory record (truncated download?)");
    }

    Map<String, Entry> entries() { return entries; }

    Entry entry(String name) { return entries.get(name); }

    /** The entry's uncompressed bytes: a view of the mapping when STORED, else inflated into {@code arena}. */
    MemorySegment data(Entry e, Arena arena) {
        long size = file.byteSize();
        if ((e.flags() & 1) != 0) throw bad(source, "entry " + e.name() + " is encrypted");
        if (e.localHeader() > size - 30 || file.get(U32, e.localHeader()) != LOCAL)
            throw bad(source, "entry " + e.name() + " has no local header where the directory says");
        long start = e.localHeader() + 30 + u16(file, e.localHeader() + 26) + u16(file, e.localHeader() + 28);
        if (start > size || e.compressedSize() > size - start)
            throw bad(source, "entry " + e.name() + " runs past the end of the file (truncated?)");
        MemorySegment raw = file.asSlice(start, e.compressedSize());
        return switch (e.method()) {
            case STORED -> {
                if (e.size() != e.compressedSize()) throw bad(source, "stored entry " + e.name() + " has two different sizes");
                yield raw;
            }
            case DEFLATED -> inflate(e, raw, arena);
            default -> throw bad(source, "entry " + e.name() + " uses compression method " + e.method() + " (only stored and deflated are supported)");
        };
    }

    /** {@link #data}, checked against the entry's CRC-32: for the pickle and small records, not for storages (GiBs). */
    MemorySegment checkedData(Entry e, Arena arena) {
        MemorySegment d = data(e, arena);
        CRC32 crc = new CRC32();
        crc.update(d.asByteBuffer());
        if (crc.getValue() != e.crc()) throw bad(source, "entry " + e.name() + " fails its CRC-32 check (corrupt or truncated download)");
        return d;
    }

    private MemorySegment inflate(Entry e, MemorySegment raw, Arena arena) {
        // deflate cannot expand data more than ~1032 times; a larger claim is corrupt
        if (e.size() > Integer.MAX_VALUE - 16 || e.size() > raw.byteSize() * 1032 + 64)
            throw bad(source, "compressed entry " + e.name() + " claims an impossible size of " + e.size() + " bytes");
        byte[] out = new byte[(int) e.size()];
        Inflater inf = new Inflater(true);
        try {
            inf.setInput(raw.asByteBuffer());
            int n = 0;
            while (n < out.length) {
                int k = inf.inflate(out, n, out.length - n);
                if (k == 0 && (inf.finished() || inf.needsInput() || inf.needsDictionary())) break;
                n += k;
            }
            if (n != out.length) throw bad(source, "compressed entry " + e.name() + " inflates to fewer bytes than its size (corrupt)");
        } catch (DataFormatException x) {
            throw bad(source, "compressed entry " + e.name() + " is corrupt: " + x.getMessage());
        } finally {
            inf.end();
        }
        MemorySegment seg = arena.allocate(out.length, 8);
        MemorySegment.copy(MemorySegment.ofArray(out), 0, seg, 0, out.length);
        return seg;
    }

    private static int u16(MemorySegment f, long at) { return f.get(U16, at) & 0xffff; }

    private static long u32(MemorySegment f, long at) { return f.get(U32, at) & 0xffffffffL; }

    private static CheckpointException bad(String source, String what) {
        return new CheckpointException(source + ": not a readable zip archive: " + what);
    }
}
