package jdiffusion.tensor;

import jdiffusion.tensor.json.Json;
import jdiffusion.tensor.json.JsonException;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The JSON header of a safetensors file, parsed and checked entry by entry: every problem is reported as a
 * {@link SafeTensorsException} naming the file and the tensor. Whole-file checks live in {@link SafeTensorsLayout}.
 */
record SafeTensorsHeader(Map<String, SafeTensors.Entry> entries, Map<String, String> metadata) {
    static final String METADATA_KEY = "__metadata__";

    /** Element sizes of every byte-addressed dtype of the safetensors format, known or not to {@link DType}. */
    private static final Map<String, Integer> FORMAT_DTYPES = Map.ofEntries(
            Map.entry("BOOL", 1), Map.entry("U8", 1), Map.entry("I8", 1), Map.entry("F8_E5M2", 1),
            Map.entry("F8_E4M3", 1), Map.entry("F8_E8M0", 1), Map.entry("I16", 2), Map.entry("U16", 2),
            Map.entry("F16", 2), Map.entry("BF16", 2), Map.entry("I32", 4), Map.entry("U32", 4),
            Map.entry("F32", 4), Map.entry("F64", 8), Map.entry("I64", 8), Map.entry("U64", 8),
            Map.entry("C64", 8));

    static final String SUPPORTED = supportedNames();

    private static String supportedNames() {
        StringBuilder b = new StringBuilder();
        for (DType d : DType.values()) b.append(b.isEmpty() ? "" : ", ").append(d.safetensorsName());
        return b.toString();
    }

    /** Element size in bytes of a safetensors dtype name, or -1 when the format has no such dtype. */
    static int elementSize(String dtypeName) {
        DType d = DType.fromSafetensorsName(dtypeName);
        if (d != null) return d.byteSize();
        Integer size = FORMAT_DTYPES.get(dtypeName);
        return size == null ? -1 : size;
    }

    /** Parses the header bytes; {@code dataSize} is the length of the data section that follows them. */
    static SafeTensorsHeader parse(Path path, MemorySegment headerBytes, long dataSize) {
        String text = decodeUtf8(path, headerBytes);
        Map<String, Object> json;
        try {
            json = Json.parseObject(text);
        } catch (JsonException e) {
            throw new SafeTensorsException(path + ": header is not a JSON object: " + e.getMessage()
                    + " (not a safetensors file, or corrupt)");
        } catch (StackOverflowError e) {
            throw new SafeTensorsException(path + ": header JSON is nested too deeply");
        }
        Map<String, SafeTensors.Entry> entries = new LinkedHashMap<>();
        Map<String, String> metadata = Map.of();
        for (Map.Entry<String, Object> e : json.entrySet()) {
            if (e.getKey().equals(METADATA_KEY)) metadata = readMetadata(path, e.getValue());
            else entries.put(e.getKey(), readEntry(path, e.getKey(), e.getValue(), dataSize));
        }
        SafeTensorsLayout.check(path, entries.values(), dataSize);
        return new SafeTensorsHeader(Collections.unmodifiableMap(entries), metadata);
    }

    private static String decodeUtf8(Path path, MemorySegment bytes) {
        byte[] b = bytes.toArray(ValueLayout.JAVA_BYTE);
        // the lenient decoder is the cheap path (no intermediate char buffer); it marks bad bytes with U+FFFD,
        // so only a header holding that character needs the strict decoder to tell a real one from an error
        String text = new String(b, StandardCharsets.UTF_8);
        if (text.indexOf('\uFFFD') < 0) return text;
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b)).toString();
        } catch (CharacterCodingException e) {
            throw new SafeTensorsException(path + ": header is not valid UTF-8 (not a safetensors file, or corrupt)");
        }
    }

    private static Map<String, String> readMetadata(Path path, Object v) {
        if (v == null) return Map.of(); // the reference implementation reads null as "no metadata"
        if (!(v instanceof Map<?, ?> m))
            throw new SafeTensorsException(path + ": __metadata__ must be an object of strings, found " + kind(v));
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : m.entrySet()) {
            if (!(e.getValue() instanceof String s))
                throw new SafeTensorsException(path + ": __metadata__ value for " + quote((String) e.getKey()) + " is " + kind(e.getValue())
                        + ", not a string");
            out.put((String) e.getKey(), s);
        }
        return Collections.unmodifiableMap(out);
    }

    private static SafeTensors.Entry readEntry(Path path, String name, Object v, long dataSize) {
        String where = path + ": tensor " + quote(name) + ": ";
        if (!(v instanceof Map<?, ?> m)) throw new SafeTensorsException(where + "header entry is " + kind(v) + ", not an object");
        if (!(m.get("dtype") instanceof String dtypeName))
            throw new SafeTensorsException(where + (m.containsKey("dtype") ? "dtype is " + kind(m.get("dtype")) + ", not a string" : "missing dtype"));
        int elementSize = elementSize(dtypeName);
        if (elementSize < 0)
            throw new SafeTensorsException(where + "unknown dtype " + quote(dtypeName) + " (safetensors dtypes jdiffusion reads: " + SUPPORTED + ")");
        if (!(m.get("shape") instanceof List<?> dims))
            throw new SafeTensorsException(where + (m.containsKey("shape") ? "shape is " + kind(m.get("shape")) + ", not a list" : "missing shape"));
        int[] shape = new int[dims.size()];
        long count = 1;
        for (int i = 0; i < shape.length; i++) {
            Object d = dims.get(i);
            if (!(d instanceof Long dim)) throw new SafeTensorsException(where + "dimension " + i + " of shape " + brief(dims) + " is not an integer");
            if (dim < 0) throw new SafeTensorsException(where + "negative dimension " + dim + " in shape " + brief(dims));
            try {
                count = Math.multiplyExact(count, dim);
            } catch (ArithmeticException x) {
                throw new SafeTensorsException(where + "shape " + brief(dims) + " overflows: more elements than 64-bit arithmetic can count");
            }
        }
        for (int i = 0; i < shape.length; i++) {
            long dim = (Long) dims.get(i);
            if (dim > Integer.MAX_VALUE)
                throw new SafeTensorsException(where + "dimension " + dim + " in shape " + brief(dims) + " exceeds 2^31-1");
            shape[i] = (int) dim;
        }
        if (!(m.get("data_offsets") instanceof List<?> off) || off.size() != 2
                || !(off.get(0) instanceof Long begin) || !(off.get(1) instanceof Long end))
            throw new SafeTensorsException(where + (m.containsKey("data_offsets")
                    ? "data_offsets must be two non-negative integers [begin, end], found " + brief(m.get("data_offsets"))
                    : "missing data_offsets"));
        if (begin < 0 || end < 0) throw new SafeTensorsException(where + "negative data_offsets [" + begin + ", " + end + "]");
        if (end < begin) throw new SafeTensorsException(where + "data_offsets [" + begin + ", " + end + "] are reversed (begin > end)");
        if (end > dataSize)
            throw new SafeTensorsException(where + "data_offsets end " + end + " is past the " + dataSize
                    + "-byte data section: file truncated, or a wrong header");
        long bytes;
        try {
            bytes = Math.multiplyExact(count, elementSize);
        } catch (ArithmeticException x) {
            throw new SafeTensorsException(where + "shape " + brief(dims) + " of " + dtypeName + " overflows: more bytes than 64-bit arithmetic can count");
        }
        if (end - begin != bytes)
            throw new SafeTensorsException(where + "shape " + brief(dims) + " of " + dtypeName + " needs " + bytes
                    + " bytes but data_offsets [" + begin + ", " + end + "] span " + (end - begin));
        return new SafeTensors.Entry(name, dtypeName, shape, begin, end);
    }

    /** A name for a one-line message: quoted, control characters escaped, cut when absurdly long. */
    static String quote(String s) { return "\"" + printable(s, 200) + "\""; }

    /** A header value for a one-line message, cut when long (a shape list can hold millions of entries). */
    static String brief(Object v) { return printable(String.valueOf(v), 100); }

    private static String printable(String s, int limit) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length() && b.length() < limit; i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7f) b.append(String.format("\\u%04x", (int) c));
            else b.append(c);
        }
        return b.length() < limit || s.length() <= limit ? b.toString() : b + "...(" + s.length() + " chars)";
    }

    private static String kind(Object v) {
        return switch (v) {
            case null -> "null";
            case String s -> "a string";
            case Map<?, ?> m -> "an object";
            case List<?> l -> "a list";
            case Boolean b -> "a boolean";
            case Number n -> "a number";
            default -> v.getClass().getSimpleName();
        };
    }
}
