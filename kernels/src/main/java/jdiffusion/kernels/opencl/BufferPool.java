package jdiffusion.kernels.opencl;

import org.jocl.CL;
import org.jocl.cl_context;
import org.jocl.cl_mem;

import java.lang.ref.Cleaner;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * Device buffers reused by size class. A UNet step allocates the same activation shapes every step, so after
 * the first step nearly every allocation is a pool hit. Buffers return through {@link DeviceStorage#free} or,
 * for tensors nobody released, when the garbage collector finds them unreachable.
 */
final class BufferPool {
    private final cl_context context;
    private final Cleaner cleaner = Cleaner.create();
    private final Map<Long, ArrayDeque<cl_mem>> free = new HashMap<>();
    private boolean closed;
    private long allocatedBytes;

    BufferPool(cl_context context) { this.context = context; }

    /** Size classes: 256-byte steps up to 4 KiB, then quarter steps between powers of two (at most 25% slack). */
    static long sizeClass(long bytes) {
        if (bytes <= 4096) return Math.max(256, (bytes + 255) & ~255L);
        long step = Long.highestOneBit(bytes) / 4;
        return (bytes + step - 1) / step * step;
    }

    /** A buffer of at least {@code capacity} bytes (a size class), pooled or new; null when the device is out of memory. */
    synchronized cl_mem take(long capacity) {
        ArrayDeque<cl_mem> q = free.get(capacity);
        if (q != null && !q.isEmpty()) return q.pop();
        int[] err = new int[1];
        cl_mem m = CL.clCreateBuffer(context, CL.CL_MEM_READ_WRITE, capacity, null, err);
        if (ClStatus.isOutOfMemory(err[0])) return null;
        ClStatus.check(err[0], "clCreateBuffer(" + capacity + " bytes)");
        allocatedBytes += capacity;
        return m;
    }

    Cleaner.Cleanable register(Object holder, cl_mem mem, long capacity) {
        return cleaner.register(holder, () -> giveBack(mem, capacity));
    }

    private synchronized void giveBack(cl_mem mem, long capacity) {
        if (closed) {
            CL.clReleaseMemObject(mem);
            allocatedBytes -= capacity;
        } else free.computeIfAbsent(capacity, k -> new ArrayDeque<>()).push(mem);
    }

    /** Releases every pooled buffer (after an allocation failed, or at close). */
    synchronized void trim() {
        for (Map.Entry<Long, ArrayDeque<cl_mem>> e : free.entrySet())
            for (cl_mem m : e.getValue()) {
                CL.clReleaseMemObject(m);
                allocatedBytes -= e.getKey();
            }
        free.clear();
    }

    synchronized boolean hasFree(long capacity) {
        ArrayDeque<cl_mem> q = free.get(capacity);
        return q != null && !q.isEmpty();
    }

    /** Bytes waiting in the pool. */
    synchronized long freeBytes() {
        long n = 0;
        for (Map.Entry<Long, ArrayDeque<cl_mem>> e : free.entrySet()) n += e.getKey() * e.getValue().size();
        return n;
    }

    /** Device memory held now: buffers in use plus buffers waiting in the pool. */
    synchronized long allocatedBytes() { return allocatedBytes; }

    synchronized void close() {
        trim();
        closed = true;
    }
}
