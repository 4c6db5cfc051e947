package jdiffusion.kernels.opencl;

import jdiffusion.tensor.Backend;
import jdiffusion.tensor.Storage;
import org.jocl.cl_mem;

import java.lang.ref.Cleaner;

/**
 * Device memory behind a tensor of an {@link OpenClBackend}. The buffer goes back to the backend's pool when
 * {@link Backend#release} says so or when the tensor becomes unreachable; weights uploaded from files are
 * {@code resident} and stay until the backend closes or their file is closed.
 */
public final class DeviceStorage implements Storage {
    private final OpenClBackend owner;
    private final cl_mem mem;
    private final long byteSize;
    private final boolean resident;
    private final Cleaner.Cleanable giveBack;

    DeviceStorage(OpenClBackend owner, BufferPool pool, cl_mem mem, long byteSize, long capacity, boolean resident) {
        this.owner = owner;
        this.mem = mem;
        this.byteSize = byteSize;
        this.resident = resident;
        this.giveBack = pool.register(this, mem, capacity);
    }

    @Override public Backend owner() { return owner; }

    @Override public long byteSize() { return byteSize; }

    cl_mem mem() { return mem; }

    boolean resident() { return resident; }

    /** Hands the buffer back to the pool now; later calls do nothing. */
    void free() { giveBack.clean(); }
}
