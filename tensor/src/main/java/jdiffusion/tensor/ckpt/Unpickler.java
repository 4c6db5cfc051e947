package jdiffusion.tensor.ckpt;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.math.BigInteger;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * A pickle virtual machine (protocols 0-5) that builds plain Java values and never executes anything.
 * Globals pass through the {@link TorchGlobals} allow-list and are only "called" by Java code there.
 *
 * <p>Values: None is null, bool {@link Boolean}, int {@link Long} (or {@link BigInteger} when it does
 * not fit), float {@link Double}, str {@link String}, bytes/bytearray {@code byte[]}, list {@link List},
 * tuple {@link PickleTuple}, dict {@link Map} (insertion-ordered), set {@link Set}, an allowed global
 * {@link PickleGlobal}; tensors and the other reconstructed objects come from {@link TorchGlobals}.
 *
 * <p>Every length is checked against the bytes left before anything is allocated, and the stack and
 * memo are bounded, so a malformed pickle fails fast with a {@link CheckpointException}.
 */
final class Unpickler {
    static final int MAX_STACK = 1 << 22;
    static final int MAX_MEMO = 1 << 22;
    static final int MAX_INT_BYTES = 1 << 12;
    /** Values pushed per pickle: bounds every container's total size (a real SDXL state dict needs ~10^5). */
    static final long MAX_PUSHES = 1L << 25;
    /** Bytes of str/bytes per pickle: names and metadata are small; storages never live inside the pickle. */
    static final long MAX_STRING_BYTES = 256L << 20;
    private static final ValueLayout.OfInt I32_LE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong I64_LE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong I64_BE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final Object MARK_TAG = new Object();

    private final String source;
    private final MemorySegment data;
    private final long end;
    private final Function<Object, Object> persistentLoad;
    private long pos;
    private long opStart;
    private long pushes;
    private long stringBytes;

    private final ArrayList<Object> stack = new ArrayList<>();
    private int[] marks = new int[16];
    private int markCount;
    private final Map<Long, Object> memo = new HashMap<>();

    /**
     * @param source         the file (and entry) named in error messages
     * @param data           bytes holding the pickle from {@code start} to at most {@code end}
     * @param persistentLoad resolves persistent ids (torch storages); never null
     */
    Unpickler(String source, MemorySegment data, long start, long end, Function<Object, Object> persistentLoad) {
        this.source = source;
        this.data = data;
        this.pos = start;
        this.end = end;
        this.persistentLoad = persistentLoad;
    }

    /** Position just after the last STOP read. */
    long position() { return pos; }

    /** Reads one pickle up to its STOP and returns its value. The memo is per pickle, as in Python. */
    Object load() {
        stack.clear();
        markCount = 0;
        memo.clear();
        pushes = 0;
        stringBytes = 0;
        while (true) {
            opStart = pos;
            int op = u8();
            switch (op) {
                case 0x80 -> { // PROTO
                    int p = u8();
                    if (p > 5) throw fail("pickle protocol " + p + " is newer than 5");
                }
                case 0x95 -> { // FRAME: only a buffering hint
                    long n = i64();
                    if (n < 0 || n > end - pos) throw fail("frame of " + n + " bytes runs past the end");
                }
                case 0x2e -> { // STOP
                    if (stack.size() != 1 || markCount != 0) throw fail("STOP with " + stack.size() + " values on the stack");
                    return stack.getFirst();
                }
                case 0x28 -> pushMark(); // MARK
                case 0x30 -> { // POP
                    if (stack.size() > floor()) stack.removeLast();
                    else popMark();
                }
                case 0x31 -> popToMark(); // POP_MARK
                case 0x32 -> push(peek()); // DUP
                case 0x4e -> push(null); // NONE
                case 0x88 -> push(Boolean.TRUE); // NEWTRUE
                case 0x89 -> push(Boolean.FALSE); // NEWFALSE
                case 0x4a -> push((long) i32()); // BININT
                case 0x4b -> push((long) u8()); // BININT1
                case 0x4d -> push((long) (u8() | u8() << 8)); // BININT2
                case 0x8a -> push(longBytes(u8())); // LONG1
                case 0x8b -> push(longBytes(i32())); // LONG4
                case 0x49 -> push(textInt(line())); // INT
                case 0x4c -> push(textLong(line())); // LONG
                case 0x47 -> push(Double.longBitsToDouble(be64())); // BINFLOAT (big-endian)
                case 0x46 -> push(textFloat(line())); // FLOAT
                case 0x58 -> push(utf8(bytes(u32()))); // BINUNICODE
                case 0x8c -> push(utf8(bytes(u8()))); // SHORT_BINUNICODE
                case 0x8d -> push(utf8(bytes(i64()))); // BINUNICODE8
                case 0x56 -> push(rawUnicodeEscape(line())); // UNICODE
                case 0x53 -> push(quotedString(line())); // STRING
                case 0x54 -> push(latin1(bytes(i32()))); // BINSTRING
                case 0x55 -> push(latin1(bytes(u8()))); // SHORT_BINSTRING
                case 0x42 -> push(bytes(u32())); // BINBYTES
                case 0x43 -> push(bytes(u8())); // SHORT_BINBYTES
                case 0x8e, 0x96 -> push(bytes(i64())); // BINBYTES8, BYTEARRAY8
                case 0x97 -> throw fail("out-of-band buffers (NEXT_BUFFER) are not part of checkpoint files");
                case 0x98 -> { // READONLY_BUFFER: no effect on our values
                }
                case 0x29 -> push(PickleTuple.EMPTY); // EMPTY_TUPLE
                case 0x85 -> push(new PickleTuple(popN(1))); // TUPLE1
                case 0x86 -> push(new PickleTuple(popN(2))); // TUPLE2
                case 0x87 -> push(new PickleTuple(popN(3))); // TUPLE3
                case 0x74 -> push(new PickleTuple(popToMark())); // TUPLE
                case 0x5d -> push(new ArrayList<>()); // EMPTY_LIST
                case 0x6c -> push(new ArrayList<>(popToMark())); // LIST
                case 0x61 -> { Object v = pop(); list(peek()).add(v); } // APPEND
                case 0x65 -> { List<Object> items = popToMark(); list(peek()).addAll(items); } // APPENDS
                case 0x7d -> push(new LinkedHashMap<>()); // EMPTY_DICT
                case 0x64 -> { // DICT
                    List<Object> items = popToMark();
                    Map<Object, Object> m = new LinkedHashMap<>();
                    putPairs(m, items);
                    push(m);
                }
                case 0x73 -> { // SETITEM
                    Object v = pop(), k = pop();
                    dict(peek()).put(key(k), v);
                }
                case 0x75 -> { List<Object> items = popToMark(); putPairs(dict(peek()), items); } // SETITEMS
                case 0x8f -> push(new LinkedHashSet<>()); // EMPTY_SET
                case 0x90 -> { // ADDITEMS
                    List<Object> items = popToMark();
                    Set<Object> s = set(peek());
                    for (Object o : items) s.add(key(o));
                }
                case 0x91 -> { // FROZENSET
                    Set<Object> s = new LinkedHashSet<>();
                    for (Object o : popToMark()) s.add(key(o));
                    push(java.util.Collections.unmodifiableSet(s));
                }
                case 0x70 -> memoPut(parseIndex(line())); // PUT
                case 0x71 -> memoPut(u8()); // BINPUT
                case 0x72 -> memoPut(u32()); // LONG_BINPUT
                case 0x94 -> memoPut(memo.size()); // MEMOIZE
                case 0x67 -> push(memoGet(parseIndex(line()))); // GET
                case 0x68 -> push(memoGet(u8())); // BINGET
                case 0x6a -> push(memoGet(u32())); // LONG_BINGET
                case 0x63 -> { // GLOBAL
                    String module = ascii(line()), name = ascii(line());
                    push(global(module, name));
                }
                case 0x93 -> { // STACK_GLOBAL
                    Object name = pop(), module = pop();
                    if (!(module instanceof String m) || !(name instanceof String n)) throw fail("STACK_GLOBAL needs two strings");
                    push(global(m, n));
                }
                case 0x82, 0x83, 0x84 -> throw fail("extension-registry globals (EXT1/2/4) are not part of checkpoint files");
                case 0x51 -> push(persistentLoad.apply(pop())); // BINPERSID
                case 0x50 -> push(persistentLoad.apply(ascii(line()))); // PERSID
                case 0x52 -> { // REDUCE
                    Object args = pop(), callable = pop();
                    push(TorchGlobals.call(source, callable(callable), tuple(args)));
                }
                case 0x81 -> { // NEWOBJ
                    Object args = pop(), cls = pop();
                    push(TorchGlobals.newObject(source, callable(cls), tuple(args)));
                }
                case 0x92 -> { // NEWOBJ_EX
                    Object kwargs = pop(), args = pop(), cls = pop();
                    if (!(kwargs instanceof Map<?, ?> kw) || !kw.isEmpty()) throw fail("NEWOBJ_EX with keyword arguments is not supported");
                    push(TorchGlobals.newObject(source, callable(cls), tuple(args)));
                }
                case 0x69 -> { // INST
                    PickleGlobal cls = global(ascii(line()), ascii(line()));
                    push(TorchGlobals.call(source, cls, new PickleTuple(popToMark())));
                }
                case 0x6f -> { // OBJ
                    List<Object> items = popToMark();
                    if (items.isEmpty()) throw fail("OBJ without a class");
                    push(TorchGlobals.call(source, callable(items.getFirst()), new PickleTuple(items.subList(1, items.size()))));
                }
                case 0x62 -> { // BUILD
                    Object state = pop();
                    TorchGlobals.build(source, peek(), state);
                }
                default -> throw fail(String.format("unknown pickle opcode 0x%02x (not a pickle, or corrupt)", op));
            }
        }
    }

    // ---- stack ----

    private void push(Object o) {
        if (stack.size() >= MAX_STACK) throw fail("pickle stack deeper than " + MAX_STACK);
        if (++pushes > MAX_PUSHES) throw fail("more than " + MAX_PUSHES + " values: not a checkpoint's pickle");
        stack.add(o);
    }

    private int floor() { return markCount == 0 ? 0 : marks[markCount - 1]; }

    private Object pop() {
        if (stack.size() <= floor()) throw fail("stack underflow");
        return stack.removeLast();
    }

    private Object peek() {
        if (stack.size() <= floor()) throw fail("stack underflow");
        return stack.getLast();
    }

    private List<Object> popN(int n) {
        if (stack.size() - floor() < n) throw fail("stack underflow");
        List<Object> tail = stack.subList(stack.size() - n, stack.size());
        List<Object> out = new ArrayList<>(tail);
        tail.clear();
        return out;
    }

    private void pushMark() {
        if (markCount == MAX_STACK) throw fail("too many MARKs");
        if (markCount == marks.length) marks = Arrays.copyOf(marks, markCount * 2);
        marks[markCount++] = stack.size();
    }

    private int popMark() {
        if (markCount == 0) throw fail("no MARK on the stack");
        return marks[--markCount];
    }

    private List<Object> popToMark() {
        int m = popMark();
        List<Object> tail = stack.subList(m, stack.size());
        List<Object> out = new ArrayList<>(tail);
        tail.clear();
        return out;
    }

    // ---- memo ----

    private void memoPut(long index) {
        if (memo.size() >= MAX_MEMO) throw fail("pickle memo larger than " + MAX_MEMO + " entries");
        memo.put(index, peek());
    }

    private Object memoGet(long index) {
        Object v = memo.get(index);
        if (v == null && !memo.containsKey(index)) throw fail("memo entry " + index + " was never stored");
        return v;
    }

    // ---- type checks ----

    @SuppressWarnings("unchecked")
    private List<Object> list(Object o) {
        if (o instanceof ArrayList<?> l) return (List<Object>) l;
        throw fail("APPEND to a " + typeName(o) + ", not a list");
    }

    @SuppressWarnings("unchecked")
    private Map<Object, Object> dict(Object o) {
        if (o instanceof LinkedHashMap<?, ?> m) return (Map<Object, Object>) m;
        throw fail("SETITEM on a " + typeName(o) + ", not a dict");
    }

    @SuppressWarnings("unchecked")
    private Set<Object> set(Object o) {
        if (o instanceof LinkedHashSet<?> s) return (Set<Object>) s;
        throw fail("ADDITEMS on a " + typeName(o) + ", not a set");
    }

    private PickleTuple tuple(Object o) {
        if (o instanceof PickleTuple t) return t;
        throw fail("call arguments are a " + typeName(o) + ", not a tuple");
    }

    private PickleGlobal callable(Object o) {
        if (o instanceof PickleGlobal g) return g;
        throw fail("a " + typeName(o) + " cannot be called");
    }

    private void putPairs(Map<Object, Object> m, List<Object> items) {
        if (items.size() % 2 != 0) throw fail("odd number of items for a dict");
        for (int i = 0; i < items.size(); i += 2) m.put(key(items.get(i)), items.get(i + 1));
    }

    /** Only hashable values may be keys (as in Python); this also keeps hashCode from recursing forever. */
    private Object key(Object k) {
        if (!hashable(k, 0)) throw fail("a " + typeName(k) + " cannot be a dict key or set item");
        return k;
    }

    private static boolean hashable(Object k, int depth) {
        if (k == null || k instanceof String || k instanceof Long || k instanceof BigInteger || k instanceof Double
                || k instanceof Boolean || k instanceof PickleGlobal) return true;
        if (k instanceof PickleTuple t && depth < 32) {
            for (Object o : t.items()) if (!hashable(o, depth + 1)) return false;
            return true;
        }
        return false;
    }

    static String typeName(Object o) {
        return switch (o) {
            case null -> "None";
            case String s -> "str";
            case Long l -> "int";
            case BigInteger b -> "int";
            case Double d -> "float";
            case Boolean b -> "bool";
            case byte[] b -> "bytes";
            case PickleTuple t -> "tuple";
            case List<?> l -> "list";
            case Map<?, ?> m -> "dict";
            case Set<?> s -> "set";
            case PickleGlobal g -> g.qualifiedName();
            default -> o.getClass().getSimpleName();
        };
    }

    private PickleGlobal global(String module, String name) {
        if (!TorchGlobals.allowed(module, name)) throw new UnsafeCheckpointException(source, module + "." + name);
        return new PickleGlobal(module, name);
    }

    // ---- reading ----

    private void need(long n) {
        if (n < 0 || n > end - pos) throw fail("needs " + n + " more bytes but the pickle ends after " + (end - pos) + " (truncated?)");
    }

    private int u8() {
        need(1);
        return data.get(ValueLayout.JAVA_BYTE, pos++) & 0xff;
    }

    private int i32() {
        need(4);
        int v = data.get(I32_LE, pos);
        pos += 4;
        return v;
    }

    private long u32() { return i32() & 0xffffffffL; }

    private long i64() {
        need(8);
        long v = data.get(I64_LE, pos);
        pos += 8;
        return v;
    }

    private long be64() {
        need(8);
        long v = data.get(I64_BE, pos);
        pos += 8;
        return v;
    }

    private byte[] bytes(long n) {
        need(n);
        stringBytes += n;
        if (stringBytes > MAX_STRING_BYTES) throw fail("more than " + MAX_STRING_BYTES + " bytes of strings: not a checkpoint's pickle");
        byte[] b = data.asSlice(pos, n).toArray(ValueLayout.JAVA_BYTE);
        pos += n;
        return b;
    }

    /** Bytes up to (not including) the next newline, which is consumed. */
    private byte[] line() {
        long start = pos;
        while (true) {
            if (pos >= end) throw fail("line runs past the end of the pickle (truncated?)");
            if (data.get(ValueLayout.JAVA_BYTE, pos++) == '\n') break;
            if (pos - start > 1 << 20) throw fail("text line longer than 1 MiB");
        }
        return data.asSlice(start, pos - 1 - start).toArray(ValueLayout.JAVA_BYTE);
    }

    private String utf8(byte[] b) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(java.nio.ByteBuffer.wrap(b)).toString();
        } catch (CharacterCodingException e) {
            // Python pickles lone surrogates with surrogatepass; keep going with replacement characters
            return new String(b, StandardCharsets.UTF_8);
        }
    }

    private static String latin1(byte[] b) { return new String(b, StandardCharsets.ISO_8859_1); }

    private String ascii(byte[] b) {
        for (byte x : b) if (x < 0x20) throw fail("control character in a global name");
        return latin1(b);
    }

    private Object longBytes(long n) {
        if (n < 0 || n > MAX_INT_BYTES) throw fail("integer of " + n + " bytes is longer than " + MAX_INT_BYTES);
        byte[] le = bytes(n);
        if (n == 0) return 0L;
        byte[] be = new byte[le.length];
        for (int i = 0; i < le.length; i++) be[i] = le[le.length - 1 - i];
        return normalize(new BigInteger(be));
    }

    private static Object normalize(BigInteger b) { return b.bitLength() < 64 ? (Object) b.longValue() : b; }

    private Object textInt(byte[] line) {
        String s = latin1(line).strip();
        if (s.equals("01")) return Boolean.TRUE;
        if (s.equals("00")) return Boolean.FALSE;
        return parseInteger(s);
    }

    private Object textLong(byte[] line) {
        String s = latin1(line).strip();
        if (s.endsWith("L")) s = s.substring(0, s.length() - 1);
        return parseInteger(s);
    }

    private Object parseInteger(String s) {
        if (s.length() > MAX_INT_BYTES) throw fail("integer of " + s.length() + " digits is too long");
        try {
            return normalize(new BigInteger(s));
        } catch (NumberFormatException e) {
            throw fail("bad integer literal");
        }
    }

    private long parseIndex(byte[] line) {
        Object v = parseInteger(latin1(line).strip());
        if (v instanceof Long l && l >= 0) return l;
        throw fail("bad memo index");
    }

    private double textFloat(byte[] line) {
        String s = latin1(line).strip();
        switch (s) {
            case "inf" -> { return Double.POSITIVE_INFINITY; }
            case "-inf" -> { return Double.NEGATIVE_INFINITY; }
            case "nan", "-nan" -> { return Double.NaN; }
            default -> { }
        }
        if (s.isEmpty() || s.chars().anyMatch(c -> "0123456789+-.eE".indexOf(c) < 0)) throw fail("bad float literal");
        try {
            return Double.parseDouble(s);
        } catch (NumberFormatException e) {
            throw fail("bad float literal");
        }
    }

    /** Protocol 0 STRING: a Python repr in single or double quotes with backslash escapes. */
    private String quotedString(byte[] line) {
        String s = latin1(line);
        if (s.length() < 2 || s.charAt(0) != s.charAt(s.length() - 1) || (s.charAt(0) != '\'' && s.charAt(0) != '"'))
            throw fail("STRING argument is not quoted");
        s = s.substring(1, s.length() - 1);
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '\\') { b.append(c); continue; }
            if (++i >= s.length()) throw fail("dangling backslash in STRING");
            char e = s.charAt(i);
            switch (e) {
                case 'n' -> b.append('\n');
                case 't' -> b.append('\t');
                case 'r' -> b.append('\r');
                case '0' -> b.append('\0');
                case '\\', '\'', '"' -> b.append(e);
                case 'x' -> {
                    if (i + 2 >= s.length()) throw fail("short \\x escape in STRING");
                    b.append((char) hex(s, i + 1, 2));
                    i += 2;
                }
                default -> { b.append('\\').append(e); }
            }
        }
        return b.toString();
    }

    /** Protocol 0 UNICODE: raw-unicode-escape, i.e. latin-1 with \\uXXXX and \\UXXXXXXXX escapes. */
    private String rawUnicodeEscape(byte[] line) {
        String s = latin1(line);
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length() && (s.charAt(i + 1) == 'u' || s.charAt(i + 1) == 'U')) {
                int digits = s.charAt(i + 1) == 'u' ? 4 : 8;
                if (i + 2 + digits > s.length()) throw fail("short unicode escape in UNICODE");
                int cp = hex(s, i + 2, digits);
                if (!Character.isValidCodePoint(cp)) throw fail("bad code point in UNICODE");
                b.appendCodePoint(cp);
                i += 1 + digits;
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    private int hex(String s, int from, int digits) {
        int v = 0;
        for (int i = from; i < from + digits; i++) {
            int d = Character.digit(s.charAt(i), 16);
            if (d < 0) throw fail("bad hex digit in escape");
            v = v << 4 | d;
        }
        return v;
    }

    private CheckpointException fail(String what) {
        return new CheckpointException(source + ": malformed pickle at byte " + opStart + ": " + what);
    }
}
