package jdiffusion.tensor;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;

/**
 * A memory-mapped safetensors file: an 8-byte little-endian header length, a JSON header naming each
 * tensor's dtype, shape and byte range, then the data. Tensors are zero-copy views into the mapping,
 * which stays valid until {@link #close}. Files over 2 GiB map as one segment.
 *
 * <p>{@link #open} validates the whole header before returning (lengths, dtypes, shapes, offsets, and that
 * the tensors tile the data section exactly), so a malformed file fails there with a
 * {@link SafeTensorsException} naming the file, the tensor and the problem, and never later.
 * Tensors of a valid safetensors dtype that jdiffusion does not compute with (F64, I8, BOOL, ...) are listed
 * but fail on {@link #get}.
 */
public final class SafeTensors implements AutoCloseable {
    /** Headers above this are refused before anything is allocated (real files have headers under 1 MiB). */
    static final long MAX_HEADER_BYTES = 100L << 20;

    private final Path path;
    private final Arena arena;
    private final MemorySegment data;
    private final long headerBytes;
    private final Map<String, Entry> entries;
    private final Map<String, String> metadata;

    /**
     * One tensor's header record: its safetensors dtype name, shape and byte range within the data section.
     * {@link #dtype} resolves the name to a {@link DType} and fails for dtypes jdiffusion does not compute with.
     */
    public record Entry(String name, String dtypeName, int[] shape, long begin, long end) {
        public Entry {
            shape = shape.clone();
        }

        @Override public int[] shape() { return shape.clone(); }

        /** The element type; throws {@link SafeTensorsException} when it is a dtype we do not compute with. */
        public DType dtype() {
            DType d = DType.fromSafetensorsName(dtypeName);
            if (d == null)
                throw new SafeTensorsException("tensor " + SafeTensorsHeader.quote(name) + " has dtype " + dtypeName + ", which jdiffusion does not read (supported: "
                        + SafeTensorsHeader.SUPPORTED + ")");
            return d;
        }

        /** Whether {@link #dtype} resolves, i.e. the tensor can be read as a {@link Tensor}. */
        public boolean isSupported() { return DType.fromSafetensorsName(dtypeName) != null; }

        public long byteSize() { return end - begin; }

        public long numel() {
            long n = 1;
            for (int d : shape) n *= d; // validated at open: cannot overflow
            return n;
        }

        @Override public boolean equals(Object o) {
            return o instanceof Entry e && name.equals(e.name) && dtypeName.equals(e.dtypeName)
                    && Arrays.equals(shape, e.shape) && begin == e.begin && end == e.end;
        }

        @Override public int hashCode() { return name.hashCode() * 31 + Long.hashCode(begin); }

        @Override public String toString() {
            return name + " " + dtypeName + Arrays.toString(shape) + " [" + begin + ", " + end + ")";
        }
    }

    private SafeTensors(Path path, Arena arena, MemorySegment data, long headerBytes, SafeTensorsHeader header) {
        this.path = path;
        this.arena = arena;
        this.data = data;
        this.headerBytes = headerBytes;
        this.entries = header.entries();
        this.metadata = header.metadata();
    }

    /** Maps and validates {@code path}; throws {@link SafeTensorsException} for a missing, unreadable or malformed file. */
    public static SafeTensors open(Path path) {
        if (Files.isDirectory(path))
            throw new SafeTensorsException(path + ": is a directory, not a safetensors file");
        if (Files.exists(path) && !Files.isRegularFile(path)) // a FIFO or device would block or never end
            throw new SafeTensorsException(path + ": not a regular file");
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            MemorySegment file = size == 0 ? MemorySegment.ofArray(new byte[0]) : ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            return parse(path, arena, file);
        } catch (IOException e) {
            arena.close();
            throw new SafeTensorsException(path + ": cannot read: " + describe(e), e);
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    private static String describe(IOException e) {
        if (e instanceof java.nio.file.NoSuchFileException) return "no such file";
        if (e instanceof java.nio.file.AccessDeniedException) return "permission denied";
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    private static SafeTensors parse(Path path, Arena arena, MemorySegment file) {
        long size = file.byteSize();
        if (size < 8)
            throw new SafeTensorsException(path + ": not a safetensors file: " + size + " bytes, shorter than the 8-byte header length");
        long n = file.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0);
        // n is an unsigned 64-bit value: a negative long is above 2^63 and so beyond any limit
        if (n < 0 || n > MAX_HEADER_BYTES)
            throw new SafeTensorsException(path + ": header length " + Long.toUnsignedString(n) + " is beyond the "
                    + MAX_HEADER_BYTES + "-byte limit: not a safetensors file, or corrupt");
        if (n > size - 8)
            throw new SafeTensorsException(path + ": header length " + n + " runs past the end of the " + size
                    + "-byte file: truncated (re-download or re-save it)");
        SafeTensorsHeader header = SafeTensorsHeader.parse(path, file.asSlice(8, n), size - 8 - n);
        return new SafeTensors(path, arena, file.asSlice(8 + n), 8 + n, header);
    }

    public Path path() { return path; }

    /** Tensor names in header order. */
    public Set<String> names() { return entries.keySet(); }

    /** Header records in header order. */
    public Map<String, Entry> entries() { return entries; }

    public boolean contains(String name) { return entries.containsKey(name); }

    public Entry entry(String name) {
        Entry e = entries.get(name);
        if (e == null) throw new SafeTensorsException(path + ": no tensor named " + SafeTensorsHeader.quote(name));
        return e;
    }

    /** The tensor as a zero-copy view into the mapping, in the file's dtype. */
    public Tensor get(String name) {
        Entry e = entry(name);
        if (!e.isSupported())
            throw new SafeTensorsException(path + ": tensor " + SafeTensorsHeader.quote(name) + " has dtype " + e.dtypeName()
                    + ", which jdiffusion does not read (supported: " + SafeTensorsHeader.SUPPORTED + ")");
        return Tensor.wrap(data.asSlice(e.begin(), e.byteSize()), e.dtype(), e.shape);
    }

    public Map<String, String> metadata() { return metadata; }

    /** Total bytes of tensor data. */
    public long dataBytes() { return data.byteSize(); }

    /** Bytes before the data: the 8-byte length plus the JSON header. */
    public long headerBytes() { return headerBytes; }

    /** The file's size in bytes. */
    public long fileBytes() { return headerBytes + data.byteSize(); }

    /** Unmaps the file; tensors from {@link #get} must not be used afterwards. */
    @Override public void close() { arena.close(); }

    @Override public String toString() { return "SafeTensors[" + path + ", " + entries.size() + " tensors]"; }
}
