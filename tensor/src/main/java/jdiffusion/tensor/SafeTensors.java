package jdiffusion.tensor;

import jdiffusion.tensor.json.Json;
import jdiffusion.tensor.json.JsonException;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A memory-mapped safetensors file: an 8-byte little-endian header length, a JSON header naming each
 * tensor's dtype, shape and byte range, then the data. Tensors are zero-copy views into the mapping,
 * which stays valid until {@link #close}. Files over 2 GiB map as one segment.
 */
public final class SafeTensors implements AutoCloseable {
    /** Headers above this are refused before anything is allocated (real files have headers under 1 MiB). */
    static final long MAX_HEADER_BYTES = 100L << 20;

    private final Path path;
    private final Arena arena;
    private final MemorySegment data;
    private final Map<String, Entry> entries;
    private final Map<String, String> metadata;

    /** One tensor's header record: dtype, shape and its byte range within the data section. */
    public record Entry(String name, DType dtype, int[] shape, long begin, long end) {}

    private SafeTensors(Path path, Arena arena, MemorySegment data, Map<String, Entry> entries, Map<String, String> metadata) {
        this.path = path;
        this.arena = arena;
        this.data = data;
        this.entries = entries;
        this.metadata = metadata;
    }

    public static SafeTensors open(Path path) {
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            MemorySegment file = size == 0 ? MemorySegment.NULL.reinterpret(0) : ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            SafeTensors st = parse(path, arena, file);
            return st;
        } catch (IOException e) {
            arena.close();
            throw new SafeTensorsException(path + ": cannot read: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    private static SafeTensors parse(Path path, Arena arena, MemorySegment file) {
        long size = file.byteSize();
        if (size < 8) throw new SafeTensorsException(path + ": not a safetensors file: " + size + " bytes, shorter than the 8-byte header length");
        long n = file.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0);
        if (n < 0 || n > MAX_HEADER_BYTES)
            throw new SafeTensorsException(path + ": header length " + Long.toUnsignedString(n) + " is beyond the " + MAX_HEADER_BYTES + "-byte limit: not a safetensors file, or corrupt");
        if (8 + n > size)
            throw new SafeTensorsException(path + ": header length " + n + " runs past the end of the " + size + "-byte file (truncated?)");
        byte[] headerBytes = file.asSlice(8, n).toArray(ValueLayout.JAVA_BYTE);
        String header;
        try {
            header = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(java.nio.ByteBuffer.wrap(headerBytes)).toString();
        } catch (CharacterCodingException e) {
            throw new SafeTensorsException(path + ": header is not valid UTF-8");
        }
        Map<String, Object> json;
        try {
            json = Json.parseObject(header);
        } catch (JsonException e) {
            throw new SafeTensorsException(path + ": header is not a JSON object: " + e.getMessage());
        }
        MemorySegment data = file.asSlice(8 + n);
        Map<String, Entry> entries = new LinkedHashMap<>();
        Map<String, String> metadata = Map.of();
        for (Map.Entry<String, Object> e : json.entrySet()) {
            if (e.getKey().equals("__metadata__")) {
                metadata = readMetadata(path, e.getValue());
                continue;
            }
            entries.put(e.getKey(), readEntry(path, e.getKey(), e.getValue(), data.byteSize()));
        }
        SafeTensorsLayout.check(path, entries.values(), data.byteSize());
        return new SafeTensors(path, arena, data, Collections.unmodifiableMap(entries), metadata);
    }

    private static Map<String, String> readMetadata(Path path, Object v) {
        if (!(v instanceof Map<?, ?> m)) throw new SafeTensorsException(path + ": __metadata__ must be an object of strings");
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : m.entrySet()) {
            if (!(e.getValue() instanceof String s))
                throw new SafeTensorsException(path + ": __metadata__ value for \"" + e.getKey() + "\" is not a string");
            out.put((String) e.getKey(), s);
        }
        return Collections.unmodifiableMap(out);
    }

    private static Entry readEntry(Path path, String name, Object v, long dataSize) {
        String where = path + ": tensor \"" + name + "\": ";
        if (!(v instanceof Map<?, ?> m)) throw new SafeTensorsException(where + "header entry is not an object");
        if (!(m.get("dtype") instanceof String dt)) throw new SafeTensorsException(where + "missing dtype");
        DType dtype = DType.fromSafetensorsName(dt);
        if (dtype == null) throw new SafeTensorsException(where + "unsupported dtype " + dt + " (supported: F32, F16, BF16, I32, I64, U8)");
        if (!(m.get("shape") instanceof List<?> shapeList)) throw new SafeTensorsException(where + "missing shape");
        int[] shape = new int[shapeList.size()];
        long count = 1;
        for (int i = 0; i < shape.length; i++) {
            if (!(shapeList.get(i) instanceof Long d) || d < 0 || d > Integer.MAX_VALUE)
                throw new SafeTensorsException(where + "bad dimension " + shapeList.get(i) + " in shape " + shapeList);
            shape[i] = (int) (long) d;
            try { count = Math.multiplyExact(count, d); }
            catch (ArithmeticException x) { throw new SafeTensorsException(where + "shape " + shapeList + " overflows"); }
        }
        if (!(m.get("data_offsets") instanceof List<?> off) || off.size() != 2
                || !(off.get(0) instanceof Long b) || !(off.get(1) instanceof Long en))
            throw new SafeTensorsException(where + "data_offsets must be two integers");
        if (b < 0 || en < b) throw new SafeTensorsException(where + "data_offsets [" + b + ", " + en + "] are reversed or negative");
        if (en > dataSize) throw new SafeTensorsException(where + "data_offsets end " + en + " is past the data section (" + dataSize + " bytes): file truncated?");
        long bytes;
        try { bytes = Math.multiplyExact(count, dtype.byteSize()); }
        catch (ArithmeticException x) { throw new SafeTensorsException(where + "shape " + shapeList + " overflows"); }
        if (en - b != bytes)
            throw new SafeTensorsException(where + "shape " + shapeList + " of " + dt + " needs " + bytes + " bytes but data_offsets give " + (en - b));
        return new Entry(name, dtype, shape, b, en);
    }

    public Path path() { return path; }

    public Set<String> names() { return entries.keySet(); }

    public Map<String, Entry> entries() { return entries; }

    public boolean contains(String name) { return entries.containsKey(name); }

    public Entry entry(String name) {
        Entry e = entries.get(name);
        if (e == null) throw new SafeTensorsException(path + ": no tensor named \"" + name + "\"");
        return e;
    }

    /** The tensor as a zero-copy view into the mapping, in the file's dtype. */
    public Tensor get(String name) {
        Entry e = entry(name);
        return Tensor.wrap(data.asSlice(e.begin(), e.end() - e.begin()), e.dtype(), e.shape());
    }

    public Map<String, String> metadata() { return metadata; }

    /** Total bytes of tensor data. */
    public long dataBytes() { return data.byteSize(); }

    @Override public void close() { arena.close(); }
}
