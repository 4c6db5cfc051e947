package jdiffusion.tensor;

import jdiffusion.tensor.json.Json;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Writes a safetensors file in the standard layout: 8-byte little-endian header length, JSON header
 * ({@code __metadata__} first) padded with spaces to a multiple of 8, then each tensor's bytes in header
 * order. Tensors stream to the file one by one in bounded chunks, so files of many GiB need no more memory
 * than a staging buffer. The file appears atomically: it is written to a temporary file in the same folder
 * and renamed over the target at the end; a failure leaves no partial file behind.
 *
 * <pre>{@code
 * new SafeTensorsWriter()
 *     .metadata("format", "pt")
 *     .add("weight", tensor)                                  // any host tensor, any dtype and strides
 *     .add("big", DType.F16, shape, sink -> { ... sink.write(chunk) ... })   // produced piecewise
 *     .write(path);                                           // refuses an existing file unless overwrite(true)
 * }</pre>
 */
public final class SafeTensorsWriter {
    private static final int CHUNK_BYTES = 4 << 20;
    private static final ValueLayout.OfFloat F32_NATIVE = ValueLayout.JAVA_FLOAT_UNALIGNED;

    private final Map<String, String> metadata = new LinkedHashMap<>();
    private final Map<String, Planned> tensors = new LinkedHashMap<>();
    private boolean overwrite;
    private boolean sync = true;

    /** Produces one tensor's bytes (little-endian, row-major) piecewise into a {@link Sink}. */
    @FunctionalInterface
    public interface Source {
        void writeTo(Sink sink) throws IOException;
    }

    private record Planned(String name, DType dtype, int[] shape, long bytes, Source source) {}

    /** Writes {@code tensors} (in the map's iteration order) with no metadata; refuses to replace an existing file. */
    public static void write(Path file, Map<String, Tensor> tensors) {
        write(file, tensors, Map.of(), false);
    }

    public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata, boolean overwrite) {
        SafeTensorsWriter w = new SafeTensorsWriter().overwrite(overwrite);
        metadata.forEach(w::metadata);
        tensors.forEach(w::add);
        w.write(file);
    }

    /** Adds a {@code __metadata__} string entry. */
    public SafeTensorsWriter metadata(String key, String value) {
        if (key == null || value == null) throw new IllegalArgumentException("metadata keys and values must not be null");
        checkEncodable(key);
        checkEncodable(value);
        metadata.put(key, value);
        return this;
    }

    /** Replace an existing file at the target (default: refuse). */
    public SafeTensorsWriter overwrite(boolean overwrite) {
        this.overwrite = overwrite;
        return this;
    }

    /** Flush the data to the disk before the rename (default true), so a crash cannot leave a half-written file under the name. */
    public SafeTensorsWriter sync(boolean sync) {
        this.sync = sync;
        return this;
    }

    /** Adds a host tensor of any dtype and strides; it is written in row-major order. */
    public SafeTensorsWriter add(String name, Tensor t) {
        if (!t.isHost())
            throw new IllegalArgumentException("tensor \"" + name + "\" lives on " + t.storage().owner().name() + ": copy it to the host first");
        return add(name, t.dtype(), t.shape(), sink -> TensorBytes.write(t, sink));
    }

    /** Adds a tensor whose bytes {@code source} produces piecewise; it must write exactly numel x element size bytes. */
    public SafeTensorsWriter add(String name, DType dtype, int[] shape, Source source) {
        if (name == null) throw new IllegalArgumentException("tensor name must not be null");
        if (name.equals(SafeTensorsHeader.METADATA_KEY)) throw new IllegalArgumentException("\"__metadata__\" cannot name a tensor");
        checkEncodable(name);
        if (tensors.containsKey(name)) throw new IllegalArgumentException("tensor \"" + name + "\" added twice");
        for (int d : shape) if (d < 0) throw new IllegalArgumentException("tensor \"" + name + "\": negative dimension in " + Arrays.toString(shape));
        long bytes = Math.multiplyExact(Tensor.numel(shape), dtype.byteSize());
        tensors.put(name, new Planned(name, dtype, shape.clone(), bytes, source));
        return this;
    }

    private static void checkEncodable(String s) {
        try {
            StandardCharsets.UTF_8.newEncoder().onMalformedInput(CodingErrorAction.REPORT).encode(java.nio.CharBuffer.wrap(s));
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("\"" + s + "\" is not valid Unicode (unpaired surrogate)");
        }
    }

    /** The header bytes: JSON padded with spaces so that the data starts at a multiple of 8. */
    byte[] header() {
        Map<String, Object> json = new LinkedHashMap<>();
        if (!metadata.isEmpty()) json.put(SafeTensorsHeader.METADATA_KEY, metadata);
        long offset = 0;
        for (Planned p : tensors.values()) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("dtype", p.dtype.safetensorsName());
            e.put("shape", p.shape);
            e.put("data_offsets", new long[]{offset, offset + p.bytes});
            json.put(p.name, e);
            offset += p.bytes;
        }
        byte[] text = Json.write(json).getBytes(StandardCharsets.UTF_8);
        int padded = (text.length + 7) & ~7;
        byte[] out = Arrays.copyOf(text, padded);
        Arrays.fill(out, text.length, padded, (byte) ' ');
        return out;
    }

    /** Writes the file; throws {@link SafeTensorsException} when the target exists (without overwrite) or on an I/O error. */
    public void write(Path file) {
        Path target = file.toAbsolutePath();
        if (Files.isDirectory(target)) throw new SafeTensorsException(file + ": is a directory");
        if (!overwrite && Files.exists(target))
            throw new SafeTensorsException(file + ": already exists; choose another name or allow overwriting it");
        Path dir = target.getParent();
        byte[] header = header();
        Path tmp = dir.resolve("." + target.getFileName() + "." + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".tmp");
        FileChannel opened;
        try {
            // not Files.createTempFile: its owner-only permissions would stick to the finished file
            opened = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new SafeTensorsException(file + ": cannot create a file in " + dir + ": " + reason(e), e);
        }
        boolean done = false;
        // Ctrl-C ends the JVM without running finally blocks: the hook removes the half-written file then
        Thread cleanup = new Thread(() -> {
            try { Files.deleteIfExists(tmp); } catch (IOException ignored) { /* exiting anyway */ }
        });
        Runtime.getRuntime().addShutdownHook(cleanup);
        try {
            try (FileChannel ch = opened) {
                ByteBuffer prefix = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, header.length);
                writeFully(ch, prefix);
                writeFully(ch, ByteBuffer.wrap(header));
                // one staging buffer for the whole file: a direct buffer per tensor would churn gigabytes
                ByteBuffer staging = ByteBuffer.allocateDirect(CHUNK_BYTES).order(ByteOrder.LITTLE_ENDIAN);
                for (Planned p : tensors.values()) {
                    Sink sink = new Sink(ch, p.name, p.bytes, staging);
                    p.source.writeTo(sink);
                    if (sink.written != p.bytes)
                        throw new IllegalStateException("tensor \"" + p.name + "\": source wrote " + sink.written + " bytes, "
                                + p.dtype + Arrays.toString(p.shape) + " needs " + p.bytes);
                }
                if (sync) ch.force(true);
            }
            moveIntoPlace(tmp, target, file);
            done = true;
        } catch (IOException e) {
            throw new SafeTensorsException(file + ": cannot write: " + reason(e), e);
        } finally {
            if (!done) {
                try { Files.deleteIfExists(tmp); } catch (IOException ignored) { /* the original error matters more */ }
            }
            try { Runtime.getRuntime().removeShutdownHook(cleanup); } catch (IllegalStateException shuttingDown) { /* the hook runs */ }
        }
    }

    private void moveIntoPlace(Path tmp, Path target, Path file) throws IOException {
        if (!overwrite) {
            // a hard link is an atomic create-if-absent; fall back to rename where links are unsupported
            try {
                Files.createLink(target, tmp);
                Files.delete(tmp);
                return;
            } catch (FileAlreadyExistsException e) {
                throw new SafeTensorsException(file + ": already exists (created while writing); choose another name or allow overwriting it");
            } catch (UnsupportedOperationException | IOException e) {
                if (Files.exists(target)) throw new SafeTensorsException(file + ": already exists; choose another name or allow overwriting it");
            }
        }
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static String reason(IOException e) {
        if (e instanceof java.nio.file.AccessDeniedException) return "permission denied";
        if (e instanceof java.nio.file.NoSuchFileException) return "no such folder";
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) ch.write(b);
    }

    /** Where a {@link Source} writes one tensor's bytes; refuses more than the tensor's size. */
    public static final class Sink {
        private final FileChannel channel;
        private final String name;
        private final long expected;
        private long written;
        private final ByteBuffer staging;

        Sink(FileChannel channel, String name, long expected, ByteBuffer staging) {
            this.channel = channel;
            this.name = name;
            this.expected = expected;
            this.staging = staging;
        }

        /** Bytes still to write for this tensor. */
        public long remaining() { return expected - written; }

        /** Writes the buffer's remaining bytes as they are (little-endian file order). */
        public void write(ByteBuffer bytes) throws IOException {
            claim(bytes.remaining());
            writeFully(channel, bytes);
        }

        /** Writes the segment's bytes as they are (little-endian file order); any size, any kind of segment. */
        public void write(MemorySegment bytes) throws IOException {
            claim(bytes.byteSize());
            for (long off = 0; off < bytes.byteSize(); off += CHUNK_BYTES) {
                MemorySegment part = bytes.asSlice(off, Math.min(CHUNK_BYTES, bytes.byteSize() - off));
                if (part.isNative() || part.heapBase().orElse(null) instanceof byte[]) {
                    writeFully(channel, part.asByteBuffer());
                } else {
                    ByteBuffer s = staging();
                    MemorySegment.copy(part, 0, MemorySegment.ofBuffer(s), 0, part.byteSize());
                    s.limit((int) part.byteSize());
                    writeFully(channel, s);
                }
            }
        }

        /** A reusable direct buffer of a few MiB, cleared, for sources that convert or gather before writing. */
        public ByteBuffer staging() {
            return staging.clear();
        }

        private void claim(long n) {
            if (n > expected - written)
                throw new IllegalStateException("tensor \"" + name + "\": source wrote more than its " + expected + " bytes");
            written += n;
        }
    }

    /** Row-major bytes of a host tensor of any strides, gathered chunk by chunk. */
    private static final class TensorBytes {
        static void write(Tensor t, Sink sink) throws IOException {
            long n = t.numel();
            if (n == 0) return;
            HostStorage h = t.host();
            int es = t.dtype().byteSize();
            boolean floats = h.floats() != null; // a heap float[] holds native-order floats, the file wants little-endian
            if (t.isContiguous() && !floats) {
                sink.write(h.segment().asSlice(t.offset() * es, n * es));
                return;
            }
            int[] shape = t.shape();
            long[] strides = t.strides();
            int rank = shape.length;
            int inner = rank == 0 ? 1 : shape[rank - 1];
            long innerStride = rank == 0 ? 1 : strides[rank - 1];
            if (t.isContiguous()) { inner = 1; innerStride = 1; rank = 0; } // one run covering everything
            long runLength = rank == 0 ? n : inner;
            int[] idx = new int[Math.max(rank - 1, 0)];
            long rows = n / runLength;
            ByteBuffer staging = sink.staging();
            MemorySegment stage = MemorySegment.ofBuffer(staging);
            MemorySegment src = h.segment();
            int capacity = staging.capacity() / es;
            int filled = 0;
            long rowStart = t.offset();
            for (long r = 0; r < rows; r++) {
                long done = 0;
                while (done < runLength) {
                    int take = (int) Math.min(runLength - done, capacity - filled);
                    long from = rowStart + done * innerStride;
                    if (innerStride == 1 || take == 1) copy(src, from, stage, filled, take, es, floats);
                    else gather(src, from, innerStride, stage, filled, take, es, floats);
                    filled += take;
                    done += take;
                    if (filled == capacity) {
                        flush(sink, staging, filled * es);
                        filled = 0;
                    }
                }
                for (int d = idx.length - 1; d >= 0; d--) { // next row: odometer over the outer dimensions
                    if (++idx[d] < shape[d]) { rowStart += strides[d]; break; }
                    rowStart -= (long) (shape[d] - 1) * strides[d];
                    idx[d] = 0;
                }
            }
            if (filled > 0) flush(sink, staging, filled * es);
        }

        private static void copy(MemorySegment src, long fromElement, MemorySegment stage, long toElement, int count, int es, boolean floats) {
            if (floats) MemorySegment.copy(src, F32_NATIVE, fromElement * 4, stage, Tensor.F32_LE, toElement * 4, count);
            else MemorySegment.copy(src, fromElement * es, stage, toElement * es, (long) count * es);
        }

        /** Strided elements one by one, through value layouts of the element's width (no per-element bulk copy). */
        private static void gather(MemorySegment src, long from, long stride, MemorySegment stage, long to, int count, int es, boolean floats) {
            if (floats) {
                for (int k = 0; k < count; k++) stage.set(Tensor.F32_LE, (to + k) * 4, src.get(F32_NATIVE, (from + k * stride) * 4));
                return;
            }
            switch (es) {
                case 1 -> { for (int k = 0; k < count; k++) stage.set(ValueLayout.JAVA_BYTE, to + k, src.get(ValueLayout.JAVA_BYTE, from + k * stride)); }
                case 2 -> { for (int k = 0; k < count; k++) stage.set(Tensor.I16_LE, (to + k) * 2, src.get(Tensor.I16_LE, (from + k * stride) * 2)); }
                case 4 -> { for (int k = 0; k < count; k++) stage.set(Tensor.I32_LE, (to + k) * 4, src.get(Tensor.I32_LE, (from + k * stride) * 4)); }
                case 8 -> { for (int k = 0; k < count; k++) stage.set(Tensor.I64_LE, (to + k) * 8, src.get(Tensor.I64_LE, (from + k * stride) * 8)); }
                default -> { for (int k = 0; k < count; k++) copy(src, from + k * stride, stage, to + k, 1, es, false); }
            }
        }

        private static void flush(Sink sink, ByteBuffer staging, int bytes) throws IOException {
            staging.position(0).limit(bytes);
            sink.write(staging);
            staging.clear();
        }
    }

    /** The planned tensors' names in file order (for tools that report what they will write). */
    public List<String> names() { return new ArrayList<>(tensors.keySet()); }
}
