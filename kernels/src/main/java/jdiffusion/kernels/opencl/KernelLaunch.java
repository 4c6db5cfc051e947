package jdiffusion.kernels.opencl;

import jdiffusion.tensor.Tensor;
import org.jocl.CL;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_command_queue;
import org.jocl.cl_kernel;
import org.jocl.cl_mem;

import java.util.Arrays;

/**
 * One kernel call: arguments set in the order the {@code .cl} signature lists them, then queued. Tensors go in as
 * the (buffer, element offset, dtype) triple every kernel takes, dtype codes as in {@code common.cl}.
 */
final class KernelLaunch {
    private static final int DT_F32 = 0, DT_F16 = 1, DT_BF16 = 2;

    private final cl_command_queue queue;
    private final cl_kernel kernel;
    private final String name;
    private int index;

    KernelLaunch(cl_command_queue queue, cl_kernel kernel, String name) {
        this.queue = queue;
        this.kernel = kernel;
        this.name = name;
    }

    static cl_mem mem(Tensor t) { return ((DeviceStorage) t.storage()).mem(); }

    static int dtypeCode(Tensor t) {
        return switch (t.dtype()) {
            case F32 -> DT_F32;
            case F16 -> DT_F16;
            case BF16 -> DT_BF16;
            default -> throw new OpenClException("the OpenCL kernels read F32, F16 and BF16 tensors, not " + t.dtype());
        };
    }

    private KernelLaunch arg(long size, Pointer p) {
        ClStatus.check(CL.clSetKernelArg(kernel, index, size, p), "clSetKernelArg(" + name + ", " + index + ")");
        index++;
        return this;
    }

    KernelLaunch mem(cl_mem m) { return arg(Sizeof.cl_mem, Pointer.to(m)); }

    KernelLaunch tensor(Tensor t) { return mem(mem(t)).i64(t.offset()).i32(dtypeCode(t)); }

    /** Bias triple plus its presence flag (1: per column); a missing bias passes {@code fallback}'s buffer, never read. */
    KernelLaunch bias(Tensor bias, Tensor fallback) {
        if (bias == null) return mem(mem(fallback)).i64(0).i32(DT_F32).i32(0);
        return tensor(bias).i32(1);
    }

    KernelLaunch i32(int v) { return arg(Sizeof.cl_int, Pointer.to(new int[]{v})); }

    KernelLaunch i64(long v) { return arg(Sizeof.cl_long, Pointer.to(new long[]{v})); }

    KernelLaunch f32(float v) { return arg(Sizeof.cl_float, Pointer.to(new float[]{v})); }

    /** An {@code int8} vector argument (shapes of up to 8 dimensions). */
    KernelLaunch int8(int[] v) { return arg(Sizeof.cl_int * 8L, Pointer.to(v)); }

    /** A {@code long8} vector argument (strides of up to 8 dimensions). */
    KernelLaunch long8(long[] v) { return arg(Sizeof.cl_long * 8L, Pointer.to(v)); }

    void run1(long n) { run(new long[]{n}, null); }

    void run(long[] global, long[] local) {
        ClStatus.check(CL.clEnqueueNDRangeKernel(queue, kernel, global.length, null, global, local, 0, null, null),
                "running kernel " + name + " " + Arrays.toString(global));
    }
}
