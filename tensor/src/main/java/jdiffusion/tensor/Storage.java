package jdiffusion.tensor;

/**
 * The memory behind a tensor. Host memory ({@link HostStorage}) is read directly by the CPU backend;
 * a device backend (OpenCL) has its own storage type and copies host tensors in explicitly.
 */
public interface Storage {
    /** The backend that owns this memory, or null for plain host memory any backend may read. */
    Backend owner();

    long byteSize();
}
