package jdiffusion.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * An n-dimensional view over a {@link Storage}: shape, strides and offset in elements, and a dtype.
 * Views (reshape of contiguous data, permute, transpose, narrow) never copy; {@link #contiguous}
 * materialises through the owning backend. Tensors are immutable handles; the data may be shared.
 */
public final class Tensor {
    static final ValueLayout.OfFloat F32_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfShort I16_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfInt I32_LE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfLong I64_LE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final Storage storage;
    private final DType dtype;
    private final int[] shape;
    private final long[] strides;
    private final long offset;

    public Tensor(Storage storage, DType dtype, int[] shape, long[] strides, long offset) {
        if (shape.length != strides.length) throw new IllegalArgumentException("shape and strides differ in rank");
        for (int d : shape) if (d < 0) throw new IllegalArgumentException("negative dimension in " + Arrays.toString(shape));
        this.storage = storage;
        this.dtype = dtype;
        this.shape = shape.clone();
        this.strides = strides.clone();
        this.offset = offset;
    }

    /** A contiguous tensor over the whole storage starting at element {@code offset}. */
    public Tensor(Storage storage, DType dtype, int[] shape, long offset) {
        this(storage, dtype, shape, contiguousStrides(shape), offset);
    }

    // ---- host factories ----

    /** A host F32 tensor over {@code data} (not copied). */
    public static Tensor of(float[] data, int... shape) {
        if (numel(shape) != data.length)
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " needs " + numel(shape) + " values, got " + data.length);
        return new Tensor(HostStorage.of(data), DType.F32, shape, 0);
    }

    public static Tensor zeros(int... shape) { return of(new float[Math.toIntExact(numel(shape))], shape); }

    /** A host tensor over a segment in little-endian file layout (safetensors, .ckpt storages). */
    public static Tensor wrap(MemorySegment segment, DType dtype, int... shape) {
        if (segment.byteSize() != numel(shape) * dtype.byteSize())
            throw new IllegalArgumentException("segment of " + segment.byteSize() + " bytes does not hold " + dtype + Arrays.toString(shape));
        return new Tensor(HostStorage.of(segment), dtype, shape, 0);
    }

    // ---- shape facts ----

    public Storage storage() { return storage; }
    public DType dtype() { return dtype; }
    public int[] shape() { return shape.clone(); }
    public long[] strides() { return strides.clone(); }
    public long offset() { return offset; }
    public int rank() { return shape.length; }
    public int size(int dim) { return shape[dim < 0 ? dim + shape.length : dim]; }
    public long stride(int dim) { return strides[dim < 0 ? dim + shape.length : dim]; }
    public long numel() { return numel(shape); }
    public boolean isHost() { return storage instanceof HostStorage; }

    /** The host storage; throws when this tensor lives on a device. */
    public HostStorage host() {
        if (storage instanceof HostStorage h) return h;
        throw new IllegalStateException("tensor lives on " + storage.owner().name() + ", not on the host");
    }

    public boolean isContiguous() { return Arrays.equals(strides, contiguousStrides(shape)) || numel() <= 1 || sameUpToUnitDims(); }

    private boolean sameUpToUnitDims() {
        long expected = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            if (shape[i] != 1 && strides[i] != expected) return false;
            expected *= shape[i];
        }
        return true;
    }

    /** The heap array when this tensor is a contiguous F32 view at offset 0 of a whole float[]. */
    public float[] heapArrayOrNull() {
        if (storage instanceof HostStorage h && h.floats() != null && dtype == DType.F32 && offset == 0
                && isContiguous() && numel() == h.floats().length) return h.floats();
        return null;
    }

    public static long numel(int[] shape) {
        long n = 1;
        for (int d : shape) n = Math.multiplyExact(n, d);
        return n;
    }

    public static long[] contiguousStrides(int[] shape) {
        long[] s = new long[shape.length];
        long acc = 1;
        for (int i = shape.length - 1; i >= 0; i--) { s[i] = acc; acc *= Math.max(shape[i], 1); }
        return s;
    }

    // ---- views ----

    /** Same data, new shape; one dimension may be -1. Requires contiguous data. */
    public Tensor reshape(int... newShape) {
        int[] s = newShape.clone();
        int infer = -1;
        long known = 1;
        for (int i = 0; i < s.length; i++) {
            if (s[i] == -1) { if (infer >= 0) throw new IllegalArgumentException("two -1 in reshape"); infer = i; }
            else known *= s[i];
        }
        if (infer >= 0) s[infer] = Math.toIntExact(numel() / Math.max(known, 1));
        if (numel(s) != numel())
            throw new IllegalArgumentException("cannot reshape " + Arrays.toString(shape) + " to " + Arrays.toString(newShape));
        if (!isContiguous()) throw new IllegalStateException("reshape of a non-contiguous view: call contiguous() first");
        return new Tensor(storage, dtype, s, offset);
    }

    public Tensor permute(int... order) {
        if (order.length != shape.length) throw new IllegalArgumentException("permute needs " + shape.length + " axes");
        int[] s = new int[order.length];
        long[] st = new long[order.length];
        boolean[] seen = new boolean[order.length];
        for (int i = 0; i < order.length; i++) {
            int o = order[i] < 0 ? order[i] + shape.length : order[i];
            if (seen[o]) throw new IllegalArgumentException("axis repeated in permute " + Arrays.toString(order));
            seen[o] = true;
            s[i] = shape[o];
            st[i] = strides[o];
        }
        return new Tensor(storage, dtype, s, st, offset);
    }

    public Tensor transpose(int a, int b) {
        int[] order = new int[shape.length];
        for (int i = 0; i < order.length; i++) order[i] = i;
        a = a < 0 ? a + shape.length : a;
        b = b < 0 ? b + shape.length : b;
        order[a] = b;
        order[b] = a;
        return permute(order);
    }

    /** Elements {@code start .. start+length-1} along {@code dim}. */
    public Tensor narrow(int dim, int start, int length) {
        dim = dim < 0 ? dim + shape.length : dim;
        if (start < 0 || length < 0 || start + length > shape[dim])
            throw new IndexOutOfBoundsException("narrow(" + dim + ", " + start + ", " + length + ") of " + Arrays.toString(shape));
        int[] s = shape.clone();
        s[dim] = length;
        return new Tensor(storage, dtype, s, strides, offset + start * strides[dim]);
    }

    /** Index {@code i} along {@code dim}, dropping that dimension. */
    public Tensor select(int dim, int i) {
        dim = dim < 0 ? dim + shape.length : dim;
        Tensor n = narrow(dim, i, 1);
        int[] s = new int[shape.length - 1];
        long[] st = new long[shape.length - 1];
        for (int j = 0, k = 0; j < shape.length; j++) if (j != dim) { s[k] = shape[j]; st[k++] = strides[j]; }
        return new Tensor(storage, dtype, s, st, n.offset);
    }

    public Tensor unsqueeze(int dim) {
        dim = dim < 0 ? dim + shape.length + 1 : dim;
        int[] s = new int[shape.length + 1];
        long[] st = new long[shape.length + 1];
        for (int i = 0, j = 0; i < s.length; i++) {
            if (i == dim) { s[i] = 1; st[i] = j < shape.length ? strides[j] * shape[j] : 1; }
            else { s[i] = shape[j]; st[i] = strides[j++]; }
        }
        return new Tensor(storage, dtype, s, st, offset);
    }

    /** A copy with contiguous layout (this tensor itself when already contiguous). */
    public Tensor contiguous() {
        if (isContiguous()) return this;
        return storage.owner() == null ? HostTensors.copyContiguous(this) : storage.owner().contiguous(this);
    }

    // ---- reading (tests, tools, small host-side math) ----

    /** All elements in row-major order as F32 (converting F16/BF16/integers), downloading from a device if needed. */
    public float[] toFloatArray() {
        if (storage.owner() != null) return storage.owner().toFloatArray(this);
        return HostTensors.toFloatArray(this);
    }

    /** All elements as longs (integer tensors such as token ids). */
    public long[] toLongArray() { return HostTensors.toLongArray(this); }

    /** One element of a host tensor, converted to float. */
    public float getFloat(int... index) { return HostTensors.readFloat(this, elementIndex(index)); }

    long elementIndex(int[] index) {
        if (index.length != shape.length) throw new IllegalArgumentException("need " + shape.length + " indices");
        long e = offset;
        for (int i = 0; i < index.length; i++) {
            if (index[i] < 0 || index[i] >= shape[i]) throw new IndexOutOfBoundsException(Arrays.toString(index) + " in " + Arrays.toString(shape));
            e += index[i] * strides[i];
        }
        return e;
    }

    @Override public String toString() {
        return "Tensor" + Arrays.toString(shape) + " " + dtype + (isHost() ? "" : " on " + storage.owner().name());
    }
}
