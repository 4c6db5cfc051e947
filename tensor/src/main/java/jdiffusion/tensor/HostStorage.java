package jdiffusion.tensor;

import java.lang.foreign.MemorySegment;

/**
 * Host memory as a {@link MemorySegment}: a memory-mapped file region, off-heap memory, or a heap
 * {@code float[]} (the common case for F32 activations, which kernels then read as an array).
 */
public final class HostStorage implements Storage {
    private final MemorySegment segment;
    private final float[] floats;

    private HostStorage(MemorySegment segment, float[] floats) {
        this.segment = segment;
        this.floats = floats;
    }

    public static HostStorage of(MemorySegment segment) { return new HostStorage(segment, null); }

    public static HostStorage of(float[] floats) { return new HostStorage(MemorySegment.ofArray(floats), floats); }

    public MemorySegment segment() { return segment; }

    /** The backing array when this storage is a heap float[], else null. */
    public float[] floats() { return floats; }

    @Override public Backend owner() { return null; }

    @Override public long byteSize() { return segment.byteSize(); }
}
