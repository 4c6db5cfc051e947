package jdiffusion.tensor.ckpt;

import jdiffusion.tensor.HostStorage;
import jdiffusion.tensor.Tensor;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * A torch storage named by a persistent id: its key, element type and, once located, its bytes in
 * the layout of {@code type.dtype}. Tensors built on one storage share its segment (no copies).
 */
final class StorageRef {
    /** Stands in for tensors while a legacy file's storages are not yet located (first pass). */
    static final Object UNRESOLVED = new Object() {
        @Override public String toString() { return "<tensor>"; }
    };

    final String key;
    final StorageType type;
    private final MemorySegment segment;
    private final HostStorage storage;

    StorageRef(String key, StorageType type, MemorySegment segment) {
        this.key = key;
        this.type = type;
        this.segment = segment;
        this.storage = segment == null ? null : HostStorage.of(segment);
    }

    long numel() { return segment.byteSize() / type.dtype.byteSize(); }

    MemorySegment segment() { return segment; }

    /** The view {@code _rebuild_tensor_v2} describes, checked to lie within this storage. */
    Object tensor(String source, long offset, int[] shape, long[] strides) {
        if (segment == null) return UNRESOLVED;
        long last = offset;
        boolean empty = false;
        try {
            Tensor.numel(shape); // a view must be countable in a long, even one broadcast with stride 0
            for (int i = 0; i < shape.length; i++) {
                if (shape[i] == 0) empty = true;
                else last = Math.addExact(last, Math.multiplyExact((long) shape[i] - 1, strides[i]));
            }
        } catch (ArithmeticException e) {
            throw new CheckpointException(source + ": tensor of shape " + Arrays.toString(shape) + " overflows its storage " + key);
        }
        if (!empty && last >= numel())
            throw new CheckpointException(source + ": tensor of shape " + Arrays.toString(shape) + ", strides " + Arrays.toString(strides)
                    + " at offset " + offset + " reaches element " + last + " of storage " + key + ", which holds " + numel() + " (truncated or corrupt)");
        return new Tensor(storage, type.dtype, shape, strides, offset);
    }
}
