package jdiffusion.kernels.opencl;

import org.jocl.CL;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_device_id;
import org.jocl.cl_platform_id;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Enumerates the OpenCL platforms and devices of this machine. */
public final class OpenClDevices {
    private OpenClDevices() {}

    /**
     * Every device of every platform, numbered as {@code opencl:N}.
     *
     * @throws OpenClUnavailableException when the OpenCL library does not load or no platform is installed
     */
    public static List<OpenClDevice> list() {
        int[] count = new int[1];
        int status;
        try {
            status = CL.clGetPlatformIDs(0, null, count);
        } catch (LinkageError e) {
            throw new OpenClUnavailableException("no OpenCL: the OpenCL library could not be loaded (" + firstLine(e) + "); "
                    + OpenClUnavailableException.HOW_TO_GET_ONE);
        }
        if (status != CL.CL_SUCCESS || count[0] == 0)
            throw new OpenClUnavailableException("no OpenCL platform is installed; " + OpenClUnavailableException.HOW_TO_GET_ONE);
        cl_platform_id[] platforms = new cl_platform_id[count[0]];
        ClStatus.check(CL.clGetPlatformIDs(platforms.length, platforms, null), "clGetPlatformIDs");
        List<OpenClDevice> devices = new ArrayList<>();
        for (cl_platform_id p : platforms) {
            String platformName = platformString(p, CL.CL_PLATFORM_NAME);
            int[] n = new int[1];
            if (CL.clGetDeviceIDs(p, CL.CL_DEVICE_TYPE_ALL, 0, null, n) != CL.CL_SUCCESS || n[0] == 0) continue;
            cl_device_id[] ids = new cl_device_id[n[0]];
            ClStatus.check(CL.clGetDeviceIDs(p, CL.CL_DEVICE_TYPE_ALL, ids.length, ids, null), "clGetDeviceIDs");
            for (cl_device_id d : ids) devices.add(describe(devices.size(), platformName, p, d));
        }
        if (devices.isEmpty())
            throw new OpenClUnavailableException("OpenCL platforms exist but offer no device; " + OpenClUnavailableException.HOW_TO_GET_ONE);
        return List.copyOf(devices);
    }

    /** Device {@code index} of {@link #list()}, or an exception naming the devices there are. */
    public static OpenClDevice get(int index) {
        List<OpenClDevice> all = list();
        if (index < 0 || index >= all.size())
            throw new OpenClUnavailableException("no OpenCL device " + index + ": there are " + all.size()
                    + " (opencl:0 .. opencl:" + (all.size() - 1) + "; see jsd devices)");
        return all.get(index);
    }

    /** The first GPU if there is one, else the first device. */
    public static OpenClDevice preferred() {
        List<OpenClDevice> all = list();
        for (OpenClDevice d : all) if (d.gpu()) return d;
        return all.getFirst();
    }

    private static OpenClDevice describe(int index, String platform, cl_platform_id p, cl_device_id d) {
        long type = deviceLong(d, CL.CL_DEVICE_TYPE);
        return new OpenClDevice(index, platform, deviceString(d, CL.CL_DEVICE_NAME), deviceString(d, CL.CL_DEVICE_VENDOR),
                deviceString(d, CL.CL_DEVICE_VERSION), deviceString(d, CL.CL_DRIVER_VERSION),
                (type & CL.CL_DEVICE_TYPE_GPU) != 0, deviceLong(d, CL.CL_DEVICE_GLOBAL_MEM_SIZE),
                deviceLong(d, CL.CL_DEVICE_LOCAL_MEM_SIZE), deviceLong(d, CL.CL_DEVICE_MAX_MEM_ALLOC_SIZE),
                deviceInt(d, CL.CL_DEVICE_MAX_COMPUTE_UNITS), (int) deviceSizeT(d, CL.CL_DEVICE_MAX_WORK_GROUP_SIZE),
                deviceInt(d, CL.CL_DEVICE_PREFERRED_VECTOR_WIDTH_FLOAT), p, d);
    }

    private static String platformString(cl_platform_id p, int param) {
        long[] size = new long[1];
        ClStatus.check(CL.clGetPlatformInfo(p, param, 0, null, size), "clGetPlatformInfo");
        byte[] bytes = new byte[(int) size[0]];
        ClStatus.check(CL.clGetPlatformInfo(p, param, bytes.length, Pointer.to(bytes), null), "clGetPlatformInfo");
        return cString(bytes);
    }

    private static String deviceString(cl_device_id d, int param) {
        long[] size = new long[1];
        ClStatus.check(CL.clGetDeviceInfo(d, param, 0, null, size), "clGetDeviceInfo");
        byte[] bytes = new byte[(int) size[0]];
        ClStatus.check(CL.clGetDeviceInfo(d, param, bytes.length, Pointer.to(bytes), null), "clGetDeviceInfo");
        return cString(bytes);
    }

    private static long deviceLong(cl_device_id d, int param) {
        long[] v = new long[1];
        ClStatus.check(CL.clGetDeviceInfo(d, param, Sizeof.cl_ulong, Pointer.to(v), null), "clGetDeviceInfo");
        return v[0];
    }

    private static int deviceInt(cl_device_id d, int param) {
        int[] v = new int[1];
        ClStatus.check(CL.clGetDeviceInfo(d, param, Sizeof.cl_uint, Pointer.to(v), null), "clGetDeviceInfo");
        return v[0];
    }

    private static long deviceSizeT(cl_device_id d, int param) {
        long[] v = new long[1];
        ClStatus.check(CL.clGetDeviceInfo(d, param, Sizeof.size_t, Pointer.to(v), null), "clGetDeviceInfo");
        return v[0];
    }

    private static String cString(byte[] bytes) {
        int n = 0;
        while (n < bytes.length && bytes[n] != 0) n++;
        return new String(bytes, 0, n, StandardCharsets.UTF_8).strip();
    }

    private static String firstLine(Throwable e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }
}
