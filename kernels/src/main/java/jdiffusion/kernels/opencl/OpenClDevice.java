package jdiffusion.kernels.opencl;

import org.jocl.cl_device_id;
import org.jocl.cl_platform_id;

/**
 * One OpenCL device as {@code jsd devices} lists it and {@code --device opencl:N} picks it: {@code index} counts
 * devices over all platforms in the order the ICD loader reports them.
 */
public record OpenClDevice(int index, String platform, String name, String vendor, String version, String driver,
                           boolean gpu, long globalMemoryBytes, long localMemoryBytes, long maxAllocationBytes,
                           int computeUnits, int maxWorkGroupSize, int preferredFloatVectorWidth,
                           cl_platform_id platformId, cl_device_id deviceId) {

    /** A stable identity for compiled-program caches: a driver update must not reuse old binaries. */
    String cacheIdentity() { return platform + "|" + name + "|" + vendor + "|" + version + "|" + driver; }

    public String describe() {
        return "opencl:" + index + " " + name + " (" + platform + ", " + (gpu ? "GPU" : "CPU/other") + ", "
                + globalMemoryBytes / (1 << 20) + " MiB, " + computeUnits + " compute units)";
    }
}
