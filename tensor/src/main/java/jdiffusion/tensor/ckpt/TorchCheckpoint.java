package jdiffusion.tensor.ckpt;

import jdiffusion.tensor.Tensor;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.math.BigInteger;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A PyTorch checkpoint ({@code .ckpt}, {@code .pt}, {@code .bin}) read without executing its pickle.
 *
 * <pre>{@code
 * try (TorchCheckpoint ckpt = TorchCheckpoint.open(path)) {
 *     Tensor w = ckpt.tensors().get("model.diffusion_model.input_blocks.0.0.weight");
 *     Object step = ckpt.metadata().get("global_step");
 * }
 * }</pre>
 *
 * Both layouts torch.save has written are read: the zip archive of torch >= 1.6 ({@code <name>/data.pkl}
 * plus one raw little-endian record per storage under {@code <name>/data/}) and the legacy stream (magic
 * number, protocol and system-info pickles, the main pickle, the list of storage keys, then each storage
 * as an 8-byte element count and its bytes). The file is memory-mapped; tensors are zero-copy views into
 * it and stay valid until {@link #close}. The pickle runs on {@link Unpickler}, which refuses any global
 * outside the allow-list with an {@link UnsafeCheckpointException}.
 */
public final class TorchCheckpoint implements TensorFile {
    /** The number the legacy format starts with (torch.serialization.MAGIC_NUMBER). */
    static final BigInteger LEGACY_MAGIC = new BigInteger("1950a86a20f9469cfc6c", 16);
    static final long LEGACY_PROTOCOL = 1001;
    private static final Pattern DATA_PKL = Pattern.compile("[^/]+/data\\.pkl");

    public enum Format { ZIP, LEGACY }

    private final Path path;
    private final Arena arena;
    private final Format format;
    private final Object root;
    private final Map<String, Tensor> tensors;
    private final Map<String, Object> values;

    private TorchCheckpoint(Path path, Arena arena, Format format, Object root) {
        this.path = path;
        this.arena = arena;
        this.format = format;
        this.root = root;
        Map<String, Tensor> t = new LinkedHashMap<>();
        Map<String, Object> v = new LinkedHashMap<>();
        if (root instanceof Map<?, ?> top) {
            // as the WebUI does: the "state_dict" entry when there is one, else the dict itself
            Map<?, ?> sd = top.get("state_dict") instanceof Map<?, ?> inner ? inner : top;
            for (Map.Entry<?, ?> e : sd.entrySet())
                if (e.getKey() instanceof String k && e.getValue() instanceof Tensor x) t.put(k, x);
            for (Map.Entry<?, ?> e : top.entrySet()) {
                if (!(e.getKey() instanceof String k) || (sd != top && k.equals("state_dict"))) continue;
                if (sd == top && e.getValue() instanceof Tensor) continue;
                v.put(k, e.getValue());
            }
        }
        this.tensors = Collections.unmodifiableMap(t);
        this.values = Collections.unmodifiableMap(v);
    }

    /** Reads the checkpoint at {@code path}; throws {@link CheckpointException} for anything unreadable or unsafe. */
    public static TorchCheckpoint open(Path path) {
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size == 0) throw new CheckpointException(path + ": empty file, not a PyTorch checkpoint");
            MemorySegment file = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            String source = path.toString();
            if (ZipArchive.looksLikeZip(file)) return new TorchCheckpoint(path, arena, Format.ZIP, readZip(source, file, arena));
            return new TorchCheckpoint(path, arena, Format.LEGACY, readLegacy(source, file, arena));
        } catch (IOException e) {
            arena.close();
            throw new CheckpointException(path + ": cannot read: " + e.getMessage(), e);
        } catch (CheckpointException e) {
            arena.close();
            throw e;
        } catch (RuntimeException e) {
            // a gap in our own checks: still report it as a bad file, never as a raw error
            arena.close();
            throw new CheckpointException(path + ": corrupt checkpoint (" + e + ")", e);
        }
    }

    @Override public Path path() { return path; }

    public Format format() { return format; }

    /** The whole unpickled object (usually a dict); see {@link Unpickler} for how Python values map to Java. */
    public Object root() { return root; }

    /** Name to tensor, in file order: the {@code state_dict} entry's tensors when the top level has one, else the top level's. */
    @Override public Map<String, Tensor> tensors() { return tensors; }

    @Override public java.util.Set<String> names() { return tensors.keySet(); }

    @Override public boolean contains(String name) { return tensors.containsKey(name); }

    @Override public int[] shape(String name) { return get(name).shape(); }

    @Override public jdiffusion.tensor.DType dtype(String name) { return get(name).dtype(); }

    @Override public Tensor get(String name) {
        Tensor t = tensors.get(name);
        if (t == null) throw new CheckpointException(path + ": no tensor named \"" + name + "\"");
        return t;
    }

    /** The other top-level entries (epoch, global_step, string_to_param...), when the top level is a dict. */
    @Override public Map<String, Object> metadata() { return values; }

    @Override public void close() { arena.close(); }

    // ---- zip archive ----

    private static Object readZip(String source, MemorySegment file, Arena arena) {
        ZipArchive zip = ZipArchive.read(source, file);
        List<String> pkls = zip.entries().keySet().stream().filter(n -> DATA_PKL.matcher(n).matches()).toList();
        if (pkls.isEmpty()) throw new CheckpointException(source + ": a zip file without <name>/data.pkl: not a PyTorch checkpoint");
        if (pkls.size() > 1) throw new CheckpointException(source + ": more than one data.pkl in the archive: " + pkls);
        String prefix = pkls.getFirst().substring(0, pkls.getFirst().length() - "data.pkl".length());
        boolean bigEndian = bigEndian(source, zip, prefix, arena);
        MemorySegment pickle = zip.checkedData(zip.entry(pkls.getFirst()), arena);
        Map<String, StorageRef> storages = new HashMap<>();
        Unpickler u = new Unpickler(source, pickle, 0, pickle.byteSize(), pid -> {
            StorageId id = StorageId.of(source, pid);
            StorageRef known = storages.get(id.key);
            if (known != null) return known;
            ZipArchive.Entry e = zip.entry(prefix + "data/" + id.key);
            if (e == null) throw new CheckpointException(source + ": storage " + id.key + " is missing from the archive (" + prefix + "data/" + id.key + ")");
            MemorySegment raw = zip.data(e, arena);
            long bytes = id.byteSize(source);
            if (bytes > raw.byteSize())
                throw new CheckpointException(source + ": storage " + id.key + " should hold " + bytes + " bytes but its record has " + raw.byteSize() + " (truncated?)");
            StorageRef ref = new StorageRef(id.key, id.type, id.type.prepare(raw.asSlice(0, bytes), bigEndian, arena));
            storages.put(id.key, ref);
            return ref;
        });
        return u.load();
    }

    /** Newer torch records the byte order of the storages; older archives are always little-endian. */
    private static boolean bigEndian(String source, ZipArchive zip, String prefix, Arena arena) {
        ZipArchive.Entry e = zip.entry(prefix + "byteorder");
        if (e == null) return false;
        if (e.size() > 16) throw new CheckpointException(source + ": byteorder record of " + e.size() + " bytes");
        String order = new String(zip.checkedData(e, arena).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.US_ASCII).strip();
        return switch (order) {
            case "little" -> false;
            case "big" -> true;
            default -> throw new CheckpointException(source + ": unknown byteorder record \"" + order + "\"");
        };
    }

    // ---- legacy stream ----

    private static Object readLegacy(String source, MemorySegment file, Arena arena) {
        Unpickler header = new Unpickler(source, file, 0, file.byteSize(), pid -> {
            throw new CheckpointException(source + ": persistent id in a legacy header pickle (corrupt)");
        });
        Object magic;
        try {
            magic = header.load();
        } catch (UnsafeCheckpointException e) {
            throw e;
        } catch (CheckpointException e) {
            String why = e.getMessage().startsWith(source + ": ") ? e.getMessage().substring(source.length() + 2) : e.getMessage();
            throw new CheckpointException(source + ": not a PyTorch checkpoint (neither a zip archive nor a legacy torch.save stream; " + why + ")");
        }
        if (!(magic instanceof BigInteger m && m.equals(LEGACY_MAGIC)))
            throw new CheckpointException(source + ": not a PyTorch checkpoint (neither a zip archive nor a legacy torch.save stream)");
        if (!(header.load() instanceof Long protocol && protocol == LEGACY_PROTOCOL))
            throw new CheckpointException(source + ": legacy checkpoint with an unknown protocol version (expected " + LEGACY_PROTOCOL + ")");
        if (!(header.load() instanceof Map<?, ?> sysInfo))
            throw new CheckpointException(source + ": legacy checkpoint without its system-info record");
        boolean bigEndian = Boolean.FALSE.equals(sysInfo.get("little_endian"));
        long mainStart = header.position();

        // first pass: learn each storage's type; the storages themselves lie after the key list
        Map<String, StorageId> ids = new HashMap<>();
        Map<String, LegacyView> views = new HashMap<>();
        Unpickler scan = new Unpickler(source, file, mainStart, file.byteSize(), pid -> {
            StorageId id = StorageId.of(source, pid);
            StorageId seen = ids.putIfAbsent(id.key, id);
            if (seen != null && seen.type != id.type) throw new CheckpointException(source + ": storage " + id.key + " has two types");
            if (id.view != null) views.put(id.view.key(), id.view);
            return new StorageRef(id.key, id.type, null);
        });
        scan.load();
        Object keyList = scan.load();
        if (!(keyList instanceof List<?> keys)) throw new CheckpointException(source + ": legacy checkpoint without its storage key list");

        ValueLayout.OfLong count = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(bigEndian ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
        Map<String, StorageRef> located = new HashMap<>();
        long p = scan.position();
        for (Object k : keys) {
            if (!(k instanceof String key) || !ids.containsKey(key))
                throw new CheckpointException(source + ": storage key list names " + Unpickler.typeName(k) + " " + k + ", which no tensor uses");
            StorageType type = ids.get(key).type;
            if (p > file.byteSize() - 8) throw new CheckpointException(source + ": storage " + key + " is missing (file truncated)");
            long n = file.get(count, p);
            if (n < 0 || n > (file.byteSize() - p - 8) / type.fileBytes)
                throw new CheckpointException(source + ": storage " + key + " claims " + n + " elements, past the end of the file (truncated?)");
            MemorySegment raw = file.asSlice(p + 8, n * type.fileBytes);
            located.put(key, new StorageRef(key, type, type.prepare(raw, bigEndian, arena)));
            p += 8 + n * type.fileBytes;
        }
        for (LegacyView v : views.values()) located.put(v.key(), v.slice(source, located));

        Unpickler main = new Unpickler(source, file, mainStart, file.byteSize(), pid -> {
            StorageId id = StorageId.of(source, pid);
            StorageRef ref = located.get(id.view != null ? id.view.key() : id.key);
            if (ref == null) throw new CheckpointException(source + ": storage " + id.key + " is not in the storage key list");
            return ref;
        });
        return main.load();
    }

    /** A persistent id {@code ('storage', storage_type, key, location, numel[, view_metadata])}. */
    private record StorageId(String key, StorageType type, long numel, LegacyView view) {
        static StorageId of(String source, Object pid) {
            if (!(pid instanceof PickleTuple t) || t.size() < 5 || t.size() > 6 || !"storage".equals(t.get(0)))
                throw new CheckpointException(source + ": unknown persistent id (only torch storages are supported)");
            if (!(t.get(1) instanceof PickleGlobal g))
                throw new CheckpointException(source + ": storage type is a " + Unpickler.typeName(t.get(1)));
            StorageType type = StorageType.of(g);
            if (type == null) throw new CheckpointException(source + ": unsupported storage type " + g + " (supported: float32/16, bfloat16, float64, int64/32/16/8, uint8, bool)");
            if (!(t.get(2) instanceof String key) || key.isEmpty() || key.length() > 256)
                throw new CheckpointException(source + ": storage key is not a short string");
            if (!(t.get(4) instanceof Long numel) || numel < 0)
                throw new CheckpointException(source + ": storage " + key + " has a bad element count");
            LegacyView view = null;
            if (t.size() == 6 && t.get(5) != null) {
                if (!(t.get(5) instanceof PickleTuple v) || v.size() != 3 || !(v.get(0) instanceof String vk)
                        || !(v.get(1) instanceof Long off) || !(v.get(2) instanceof Long len) || off < 0 || len < 0)
                    throw new CheckpointException(source + ": storage " + key + " has bad view metadata");
                view = new LegacyView(vk, key, off, len);
            }
            return new StorageId(key, type, numel, view);
        }

        long byteSize(String source) {
            if (numel > Long.MAX_VALUE / type.fileBytes) throw new CheckpointException(source + ": storage " + key + " is impossibly large");
            return numel * type.fileBytes;
        }
    }

    /** Pre-1.0 torch could save a view into another storage: elements {@code offset..offset+size} of {@code root}. */
    private record LegacyView(String key, String root, long offset, long size) {
        StorageRef slice(String source, Map<String, StorageRef> located) {
            StorageRef base = located.get(root);
            if (base == null) throw new CheckpointException(source + ": storage view " + key + " refers to missing storage " + root);
            if (offset > base.numel() || size > base.numel() - offset)
                throw new CheckpointException(source + ": storage view " + key + " lies outside storage " + root);
            int es = base.type.dtype.byteSize();
            return new StorageRef(key, base.type, base.segment().asSlice(offset * es, size * es));
        }
    }
}
