package jdiffusion.kernels.opencl;

import jdiffusion.kernels.Shapes;
import jdiffusion.tensor.Backend;
import jdiffusion.tensor.DType;
import jdiffusion.tensor.HostStorage;
import jdiffusion.tensor.Tensor;
import org.jocl.CL;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_command_queue;
import org.jocl.cl_context;
import org.jocl.cl_context_properties;
import org.jocl.cl_device_id;
import org.jocl.cl_kernel;
import org.jocl.cl_mem;
import org.jocl.cl_program;

import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@link Backend} contract on an OpenCL device through JOCL: the same model code runs here as on the CPU.
 *
 * <pre>
 *   Backend backend = new OpenClBackend();                        // first GPU, else first device
 *   Backend backend = new OpenClBackend(OpenClDevices.get(1));    // opencl:1
 * </pre>
 *
 * <p>Kernels are the {@code .cl} resources beside this class, compiled once per device with the sizes of
 * {@link DeviceTuning} (binaries cached on disk). Tensors stay on the device between calls; host tensors passed to
 * an op are uploaded first, and those in native memory (memory-mapped weights) are uploaded once and kept
 * ({@link WeightCache}), in their file dtype: F16 and BF16 weights are widened inside the kernels. Results are
 * new F32 device tensors whose buffers come from a {@link BufferPool}; {@link #release} returns one early.
 * Work is queued in order and runs asynchronously; only {@link #toFloatArray} waits for it.
 *
 * <p>One thread at a time: calls are serialised because kernel arguments are set on shared kernel objects.
 */
public final class OpenClBackend implements Backend {
    private static final int OP_GELU = 0, OP_GELU_TANH = 1, OP_QUICK_GELU = 2, OP_SILU = 3, OP_SCALE = 4, OP_LEAKY_RELU = 5;
    private static final int OP_ADD = 0, OP_SUB = 1, OP_MUL = 2, OP_PRELU = 3;
    private static final int MAX_RANK = 8;

    private final OpenClDevice device;
    private DeviceTuning tuning; // set once in the constructor, possibly shrunk to what the compiled kernels allow
    private final cl_context context;
    private final cl_command_queue queue;
    private final BufferPool pool;
    private final WeightCache weights = new WeightCache();
    private final ProgramBuilder builder;
    private final List<cl_program> programs = new ArrayList<>();
    private final Map<String, cl_kernel> kernels = new HashMap<>();
    private final Map<List<Integer>, cl_kernel> attentionKernels = new HashMap<>();
    private boolean closed;

    /** The first GPU, or the first OpenCL device when there is no GPU. */
    public OpenClBackend() { this(OpenClDevices.preferred()); }

    public OpenClBackend(OpenClDevice device) { this(device, ProgramBuilder.defaultCacheDir()); }

    /** {@code programCache} keeps compiled kernels between runs; null compiles every time. */
    public OpenClBackend(OpenClDevice device, Path programCache) { this(device, DeviceTuning.of(device), programCache); }

    /** With explicit sizes instead of {@link DeviceTuning#of}: tests run the GPU kernel layout on a CPU driver. */
    public OpenClBackend(OpenClDevice device, DeviceTuning tuning, Path programCache) {
        this.device = device;
        this.tuning = tuning;
        int[] err = new int[1];
        cl_context_properties props = new cl_context_properties();
        props.addProperty(CL.CL_CONTEXT_PLATFORM, device.platformId());
        this.context = CL.clCreateContext(props, 1, new cl_device_id[]{device.deviceId()}, null, null, err);
        ClStatus.check(err[0], "clCreateContext on " + device.name());
        @SuppressWarnings("deprecation") // clCreateCommandQueueWithProperties needs OpenCL 2.0; this works on 1.2 too
        cl_command_queue q = CL.clCreateCommandQueue(context, device.deviceId(), 0, err);
        ClStatus.check(err[0], "clCreateCommandQueue on " + device.name());
        this.queue = q;
        this.pool = new BufferPool(context);
        this.builder = new ProgramBuilder(context, device, programCache);
        try {
            buildMainProgram();
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /**
     * Compiles the main kernels. A driver may allow a kernel fewer work-items than the device maximum (registers,
     * local memory); then the work-groups are halved and the program rebuilt rather than failing at the first call.
     */
    private void buildMainProgram() {
        for (int attempt = 0; ; attempt++) {
            cl_program main = builder.build(buildOptions() + tuning.mainDefines(), "layout.cl", "elementwise.cl", "norm.cl", "gemm.cl");
            programs.add(main);
            for (String k : List.of("gather_f32", "copy_strided32", "copy_strided16", "upsample_nearest", "gather_rows", "unary",
                    "geglu", "binary", "binary_flat", "group_norm", "layer_norm", "softmax_rows", "gemm", "conv2d"))
                kernels.put(k, createKernel(main, k));
            long gemmItems = (long) tuning.gemmItemsN() * tuning.gemmItemsM();
            boolean fits = workGroupLimit("gemm") >= gemmItems && workGroupLimit("conv2d") >= gemmItems
                    && workGroupLimit("group_norm") >= tuning.reduceGroup() && workGroupLimit("layer_norm") >= tuning.reduceGroup()
                    && workGroupLimit("softmax_rows") >= tuning.reduceGroup();
            DeviceTuning smaller = tuning.halved();
            if (fits || attempt == 4 || smaller.equals(tuning)) return;
            for (cl_kernel k : kernels.values()) CL.clReleaseKernel(k);
            kernels.clear();
            CL.clReleaseProgram(main);
            programs.remove(main);
            tuning = smaller;
        }
    }

    private long workGroupLimit(String kernel) {
        long[] size = new long[1];
        ClStatus.check(CL.clGetKernelWorkGroupInfo(kernels.get(kernel), device.deviceId(), CL.CL_KERNEL_WORK_GROUP_SIZE,
                Sizeof.size_t, Pointer.to(size), null), "clGetKernelWorkGroupInfo(" + kernel + ")");
        return size[0];
    }

    private static String buildOptions() { return "-cl-std=CL1.2"; }

    private static cl_kernel createKernel(cl_program p, String name) {
        int[] err = new int[1];
        cl_kernel k = CL.clCreateKernel(p, name, err);
        ClStatus.check(err[0], "clCreateKernel(" + name + ")");
        return k;
    }

    public OpenClDevice device() { return device; }

    public DeviceTuning tuning() { return tuning; }

    /** Device memory this backend holds: weights, live activations and pooled buffers (for reports such as s/it + memory). */
    public long deviceMemoryBytes() { return pool.allocatedBytes(); }

    /** How many host tensors are resident as uploaded weights (tests check that repeated uploads share one buffer). */
    public synchronized int residentWeights() { return weights.size(); }

    @Override public String name() { return "opencl:" + device.index() + " (" + device.name() + ")"; }

    /** Waits until every queued kernel has finished (benchmarks; results are complete before any download anyway). */
    public synchronized void finish() { ClStatus.check(CL.clFinish(queue), "clFinish"); }

    // ---- memory ----

    private Tensor allocate(DType dtype, boolean resident, int... shape) {
        if (closed) throw new OpenClException("the OpenCL backend on " + device.name() + " is closed");
        long bytes = Tensor.numel(shape) * dtype.byteSize();
        long capacity = BufferPool.sizeClass(bytes);
        // Some drivers (NVIDIA) accept any clCreateBuffer and fail only when a kernel runs, so stay under a budget.
        long budget = device.globalMemoryBytes() / 10 * 9;
        if (!pool.hasFree(capacity) && pool.allocatedBytes() + capacity > budget) {
            reclaimUnreachable();
            if (!pool.hasFree(capacity)) pool.trim();
        }
        cl_mem mem = pool.take(capacity);
        if (mem == null) {
            reclaimUnreachable();
            pool.trim();
            mem = pool.take(capacity);
        }
        if (mem == null)
            throw new OpenClException("out of memory on " + device.name() + " allocating " + (bytes >> 20) + " MiB ("
                    + (device.globalMemoryBytes() >> 20) + " MiB on the device); use a smaller image or batch, or --device cpu");
        return new Tensor(new DeviceStorage(this, pool, mem, bytes, capacity, resident), dtype, shape, 0);
    }

    /** Allocation level at which a collection last returned nothing; collecting again below it would only stall. */
    private long fruitlessCollectionAt = -1;

    /**
     * Tensors nobody released return their buffers only when collected (through the pool's Cleaner). The Java heap
     * does not feel device memory, so collect explicitly and give the Cleaner a moment.
     */
    private void reclaimUnreachable() {
        long held = pool.allocatedBytes();
        if (fruitlessCollectionAt >= 0 && held < fruitlessCollectionAt + device.globalMemoryBytes() / 20) return;
        long before = pool.freeBytes();
        System.gc();
        for (int i = 0; i < 20 && pool.freeBytes() == before; i++) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        fruitlessCollectionAt = pool.freeBytes() == before ? held : -1;
    }

    private Tensor allocate(int... shape) { return allocate(DType.F32, false, shape); }

    @Override
    public synchronized Tensor fromFloats(float[] data, int... shape) {
        if (Tensor.numel(shape) != data.length)
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " needs " + Tensor.numel(shape) + " values, got " + data.length);
        Tensor t = allocate(shape);
        if (data.length > 0) write(t, Pointer.to(data), (long) data.length * Float.BYTES);
        return t;
    }

    @Override
    public synchronized Tensor zeros(int... shape) {
        Tensor t = allocate(shape);
        long bytes = t.numel() * Float.BYTES;
        if (bytes > 0)
            ClStatus.check(CL.clEnqueueFillBuffer(queue, mem(t), Pointer.to(new float[]{0}), Float.BYTES, 0, bytes, 0, null, null), "clEnqueueFillBuffer");
        return t;
    }

    private void write(Tensor t, Pointer src, long bytes) {
        ClStatus.check(CL.clEnqueueWriteBuffer(queue, mem(t), CL.CL_TRUE, 0, bytes, src, 0, null, null), "clEnqueueWriteBuffer");
    }

    @Override
    public synchronized Tensor upload(Tensor t) {
        if (t.storage().owner() == this) return t;
        if (t.storage().owner() != null)
            throw new OpenClException("tensor " + Arrays.toString(t.shape()) + " lives on " + t.storage().owner().name()
                    + "; download it before uploading it to " + name());
        if (t.dtype().isFloating() && WeightCache.cacheable(t)) return weights.get(t, () -> copyToDevice(t, true));
        return copyToDevice(t, false);
    }

    private Tensor copyToDevice(Tensor t, boolean resident) {
        if (!t.dtype().isFloating()) {
            float[] f = t.toFloatArray();
            Tensor d = allocate(DType.F32, resident, t.shape());
            if (f.length > 0) write(d, Pointer.to(f), (long) f.length * Float.BYTES);
            return d;
        }
        Tensor h = t.contiguous();
        DType dt = h.dtype();
        long bytes = h.numel() * dt.byteSize(), at = h.offset() * dt.byteSize();
        Tensor d = allocate(dt, resident, h.shape());
        if (bytes == 0) return d;
        HostStorage hs = h.host();
        if (hs.floats() != null) {
            write(d, Pointer.to(hs.floats()).withByteOffset(at), bytes);
        } else if (hs.segment().isNative()) {
            // ByteBuffers stop at 2 GiB, so big tensors go over in slices.
            long chunk = 1L << 30;
            for (long done = 0; done < bytes; done += chunk) {
                long n = Math.min(chunk, bytes - done);
                ClStatus.check(CL.clEnqueueWriteBuffer(queue, mem(d), CL.CL_TRUE, done, n,
                        Pointer.to(hs.segment().asSlice(at + done, n).asByteBuffer()), 0, null, null), "clEnqueueWriteBuffer");
            }
        } else {
            write(d, Pointer.to(hs.segment().asSlice(at, bytes).toArray(ValueLayout.JAVA_BYTE)), bytes);
        }
        return d;
    }

    @Override
    public synchronized float[] toFloatArray(Tensor t) {
        if (t.storage().owner() != this) {
            if (t.isHost()) return t.toFloatArray();
            throw new OpenClException("tensor lives on " + t.storage().owner().name() + ", not on " + name());
        }
        float[] out = new float[Math.toIntExact(t.numel())];
        if (out.length == 0) return out;
        Tensor f = t.dtype() == DType.F32 && t.isContiguous() ? t : toF32(t);
        ClStatus.check(CL.clEnqueueReadBuffer(queue, mem(f), CL.CL_TRUE, f.offset() * Float.BYTES, (long) out.length * Float.BYTES,
                Pointer.to(out), 0, null, null), "clEnqueueReadBuffer");
        if (f != t) release(f);
        return out;
    }

    @Override
    public synchronized Tensor contiguous(Tensor t) {
        Tensor d = onDevice(t, null);
        if (d.isContiguous()) return d;
        if (d.rank() > MAX_RANK) throw tooManyDims(d);
        Tensor out = allocate(d.dtype(), false, d.shape());
        if (out.numel() == 0) return out;
        launch(d.dtype().byteSize() == 4 ? "copy_strided32" : "copy_strided16")
                .mem(mem(d)).i64(d.offset()).i32(d.rank()).int8(padShape(d.shape())).long8(padStrides(d.strides()))
                .mem(mem(out)).i64(out.numel()).run1(out.numel());
        return out;
    }

    /** An F32 contiguous copy of any float view. */
    private Tensor toF32(Tensor t) {
        if (t.rank() > MAX_RANK) throw tooManyDims(t);
        Tensor out = allocate(t.shape());
        if (out.numel() > 0) gatherInto(t, out, 0);
        return out;
    }

    /** Writes view {@code src} (any float dtype) into {@code dst} starting at element {@code dstOffset}, with dst's strides. */
    private void gatherInto(Tensor src, Tensor dst, long dstOffset) {
        long[] dstStrides = new long[src.rank()];
        long[] ds = dst.strides();
        System.arraycopy(ds, 0, dstStrides, 0, src.rank());
        launch("gather_f32").tensor(src).i32(src.rank()).int8(padShape(src.shape())).long8(padStrides(src.strides()))
                .mem(mem(dst)).i64(dstOffset).long8(padStrides(dstStrides)).i64(src.numel()).run1(src.numel());
    }

    @Override
    public synchronized void release(Tensor t) {
        if (t.storage() instanceof DeviceStorage ds && ds.owner() == this && !ds.resident()) ds.free();
    }

    // ---- operands ----

    /** {@code t} as a tensor of this backend (uploaded if it is on the host); uploads that are not kept go to {@code temps}. */
    private Tensor onDevice(Tensor t, List<Tensor> temps) {
        if (t.storage().owner() == this) return t;
        Tensor d = upload(t);
        if (temps != null && !((DeviceStorage) d.storage()).resident()) temps.add(d);
        return d;
    }

    /** {@code t} on this device with contiguous layout (a device-side strided copy when it is a view). */
    private Tensor dense(Tensor t, List<Tensor> temps) {
        Tensor d = onDevice(t, temps);
        if (d.isContiguous()) return d;
        Tensor c = contiguous(d);
        temps.add(c);
        return c;
    }

    /** Temporaries can go back to the pool as soon as the kernels that read them are queued: the queue is in order. */
    private void releaseAll(List<Tensor> temps) { for (Tensor t : temps) release(t); }

    private static cl_mem mem(Tensor t) { return KernelLaunch.mem(t); }

    private KernelLaunch launch(String kernel) {
        if (closed) throw new OpenClException("the OpenCL backend on " + device.name() + " is closed");
        return new KernelLaunch(queue, kernels.get(kernel), kernel);
    }

    private static OpenClException tooManyDims(Tensor t) {
        return new OpenClException("tensors of rank " + t.rank() + " are beyond the OpenCL kernels' " + MAX_RANK + " dimensions");
    }

    private static int[] padShape(int[] shape) {
        int[] s = new int[MAX_RANK];
        Arrays.fill(s, 1);
        System.arraycopy(shape, 0, s, 0, shape.length);
        return s;
    }

    private static long[] padStrides(long[] strides) {
        long[] s = new long[MAX_RANK];
        System.arraycopy(strides, 0, s, 0, strides.length);
        return s;
    }

    // ---- linear algebra ----

    @Override
    public synchronized Tensor linear(Tensor x, Tensor weight, Tensor bias) {
        List<Tensor> temps = new ArrayList<>();
        Tensor xd = dense(x, temps), w = onDevice(weight, temps), b = bias == null ? null : dense(bias, temps);
        int k = xd.size(-1), n = w.size(0), m = Shapes.rows(xd);
        if (w.rank() != 2 || w.size(1) != k)
            throw new IllegalArgumentException("linear: input has " + k + " features, weight " + Arrays.toString(w.shape()));
        Tensor out = allocate(Shapes.withLast(xd.shape(), n));
        gemm(xd, k, 1, 0, w, w.stride(1), w.stride(0), 0, b, out, m, n, k, 1);
        releaseAll(temps);
        return out;
    }

    @Override
    public synchronized Tensor matmul(Tensor a, Tensor b) {
        List<Tensor> temps = new ArrayList<>();
        Tensor ad = batchable(onDevice(a, temps), temps), bd = batchable(onDevice(b, temps), temps);
        int m = ad.size(-2), k = ad.size(-1), n = bd.size(-1);
        if (bd.size(-2) != k) throw new IllegalArgumentException("matmul: inner dimensions " + k + " and " + bd.size(-2));
        if (ad.rank() != bd.rank() || !Arrays.equals(Arrays.copyOf(ad.shape(), ad.rank() - 2), Arrays.copyOf(bd.shape(), bd.rank() - 2)))
            throw new IllegalArgumentException("matmul: batch dimensions of " + Arrays.toString(ad.shape()) + " and " + Arrays.toString(bd.shape()) + " differ");
        int batch = Math.toIntExact(ad.numel() / Math.max(1, (long) m * k));
        if (m * k == 0) batch = Math.toIntExact(Tensor.numel(Arrays.copyOf(ad.shape(), ad.rank() - 2)));
        int[] shape = ad.shape();
        shape[shape.length - 1] = n;
        Tensor out = allocate(shape);
        gemm(ad, ad.stride(-2), ad.stride(-1), batchStride(ad), bd, bd.stride(-2), bd.stride(-1), batchStride(bd), null, out, m, n, k, batch);
        releaseAll(temps);
        return out;
    }

    /** {@code t} itself when its batch dimensions flatten to one stride (any layout of the last two), else a contiguous copy. */
    private Tensor batchable(Tensor t, List<Tensor> temps) {
        for (int d = 0; d < t.rank() - 3; d++)
            if (t.size(d) > 1 && t.stride(d) != t.stride(d + 1) * t.size(d + 1)) {
                Tensor c = contiguous(t);
                temps.add(c);
                return c;
            }
        return t;
    }

    private static long batchStride(Tensor t) { return t.rank() > 2 ? t.stride(t.rank() - 3) : 0; }

    /** C[batch, m, n] = A(m, k) · B(k, n) (+ bias[n]) with A and B addressed through the given strides. */
    private void gemm(Tensor a, long aSm, long aSk, long aBatch, Tensor b, long bSk, long bSn, long bBatch, Tensor bias,
                      Tensor c, int m, int n, int k, int batch) {
        if ((long) m * n * batch == 0) return;
        if (k == 0) { fillZero(c, bias, n); return; }
        KernelLaunch l = launch("gemm").tensor(a).i64(aSm).i64(aSk).i64(aBatch).tensor(b).i64(bSk).i64(bSn).i64(bBatch);
        l.bias(bias, c).mem(mem(c)).i32(m).i32(n).i32(k);
        l.run(new long[]{ceil(n, tuning.tileN()) * tuning.gemmItemsN(), ceil(m, tuning.tileM()) * tuning.gemmItemsM(), batch},
                new long[]{tuning.gemmItemsN(), tuning.gemmItemsM(), 1});
    }

    /** The K = 0 product: just the bias (or zeros). */
    private void fillZero(Tensor c, Tensor bias, int n) {
        ClStatus.check(CL.clEnqueueFillBuffer(queue, mem(c), Pointer.to(new float[]{0}), Float.BYTES, 0, c.numel() * Float.BYTES, 0, null, null), "clEnqueueFillBuffer");
        if (bias != null) {
            Tensor sum = add(c, bias);
            ClStatus.check(CL.clEnqueueCopyBuffer(queue, mem(sum), mem(c), 0, 0, c.numel() * Float.BYTES, 0, null, null), "clEnqueueCopyBuffer");
            release(sum);
        }
    }

    private static long ceil(long a, long b) { return (a + b - 1) / b; }

    @Override
    public synchronized Tensor conv2d(Tensor x, Tensor weight, Tensor bias, int stride, int padding) {
        List<Tensor> temps = new ArrayList<>();
        Tensor xd = dense(x, temps), w = dense(weight, temps), b = bias == null ? null : dense(bias, temps);
        int bsz = xd.size(0), c = xd.size(1), h = xd.size(2), wd = xd.size(3);
        int o = w.size(0), kh = w.size(2), kw = w.size(3);
        if (w.size(1) != c) throw new IllegalArgumentException("conv2d: input has " + c + " channels, weight " + Arrays.toString(w.shape()));
        int oh = Shapes.convOut(h, kh, stride, padding), ow = Shapes.convOut(wd, kw, stride, padding);
        Tensor out = allocate(bsz, o, oh, ow);
        if (out.numel() > 0 && kh == 1 && kw == 1 && stride == 1 && padding == 0) {
            // A 1x1 convolution is a plain product per image: W [O, C] x X [C, H*W], without im2col index arithmetic.
            long hw = (long) h * wd;
            KernelLaunch l = launch("gemm").tensor(w).i64(c).i64(1).i64(0).tensor(xd).i64(hw).i64(1).i64(c * hw);
            (b == null ? l.bias(null, out) : l.tensor(b).i32(2)).mem(mem(out)).i32(o).i32(Math.toIntExact(hw)).i32(c)
                    .run(new long[]{ceil(hw, tuning.tileN()) * tuning.gemmItemsN(), ceil(o, tuning.tileM()) * tuning.gemmItemsM(), bsz},
                            new long[]{tuning.gemmItemsN(), tuning.gemmItemsM(), 1});
        } else if (out.numel() > 0) {
            KernelLaunch l = launch("conv2d").tensor(xd).tensor(w).bias(b, out).mem(mem(out))
                    .i32(c).i32(h).i32(wd).i32(o).i32(kh).i32(kw).i32(oh).i32(ow).i32(stride).i32(padding);
            l.run(new long[]{ceil((long) oh * ow, tuning.tileN()) * tuning.gemmItemsN(), ceil(o, tuning.tileM()) * tuning.gemmItemsM(), bsz},
                    new long[]{tuning.gemmItemsN(), tuning.gemmItemsM(), 1});
        }
        releaseAll(temps);
        return out;
    }

    @Override
    public synchronized Tensor attention(Tensor q, Tensor k, Tensor v, int heads, boolean causal) {
        List<Tensor> temps = new ArrayList<>();
        Tensor qd = dense(q, temps), kd = dense(k, temps), vd = dense(v, temps);
        int b = qd.size(0), lq = qd.size(1), lk = kd.size(1);
        if (qd.size(2) % heads != 0 || vd.size(2) % heads != 0 || kd.size(2) != qd.size(2) || vd.size(1) != lk)
            throw new IllegalArgumentException("attention: q " + Arrays.toString(qd.shape()) + ", k " + Arrays.toString(kd.shape())
                    + ", v " + Arrays.toString(vd.shape()) + " do not fit " + heads + " heads");
        int d = qd.size(2) / heads, dv = vd.size(2) / heads;
        if (d == 0) throw new IllegalArgumentException("attention: heads of size 0 in q " + Arrays.toString(qd.shape()));
        Tensor out = allocate(b, lq, heads * dv);
        if (out.numel() > 0) {
            cl_kernel kernel = attentionKernels.computeIfAbsent(List.of(d, dv), key -> {
                cl_program p = builder.build(buildOptions() + tuning.attentionDefines(d, dv), "attention.cl");
                programs.add(p);
                return createKernel(p, "attention");
            });
            int bq = tuning.attentionQueries();
            new KernelLaunch(queue, kernel, "attention").tensor(qd).tensor(kd).tensor(vd).mem(mem(out)).i32(lq).i32(lk).i32(heads)
                    .f32((float) (1.0 / Math.sqrt(d))).i32(causal ? 1 : 0)
                    .run(new long[]{ceil(lq, bq) * bq, heads, b}, new long[]{bq, 1, 1});
        }
        releaseAll(temps);
        return out;
    }

    // ---- normalisation ----

    @Override
    public synchronized Tensor groupNorm(Tensor x, int groups, Tensor gamma, Tensor beta, float eps, boolean silu) {
        List<Tensor> temps = new ArrayList<>();
        Tensor xd = dense(x, temps), g = dense(gamma, temps), be = dense(beta, temps);
        int b = xd.size(0), c = xd.size(1);
        if (c % groups != 0) throw new IllegalArgumentException("groupNorm: " + c + " channels do not split into " + groups + " groups");
        long spatial = xd.numel() / Math.max(1, (long) b * c);
        Tensor out = allocate(xd.shape());
        if (out.numel() > 0) {
            int wg = tuning.reduceGroup();
            launch("group_norm").tensor(xd).tensor(g).tensor(be).mem(mem(out)).i32(c).i32(groups).i64(spatial).f32(eps).i32(silu ? 1 : 0)
                    .run(new long[]{(long) groups * wg, b}, new long[]{wg, 1});
        }
        releaseAll(temps);
        return out;
    }

    @Override
    public synchronized Tensor layerNorm(Tensor x, Tensor gamma, Tensor beta, float eps) {
        List<Tensor> temps = new ArrayList<>();
        Tensor xd = dense(x, temps), g = dense(gamma, temps), be = dense(beta, temps);
        Tensor out = allocate(xd.shape());
        if (out.numel() > 0) {
            int wg = tuning.reduceGroup();
            launch("layer_norm").tensor(xd).tensor(g).tensor(be).mem(mem(out)).i32(xd.size(-1)).f32(eps)
                    .run(new long[]{(long) Shapes.rows(xd) * wg}, new long[]{wg});
        }
        releaseAll(temps);
        return out;
    }

    @Override
    public synchronized Tensor softmax(Tensor x) {
        List<Tensor> temps = new ArrayList<>();
        Tensor xd = dense(x, temps);
        Tensor out = allocate(xd.shape());
        if (out.numel() > 0) {
            int wg = tuning.reduceGroup();
            launch("softmax_rows").tensor(xd).mem(mem(out)).i32(xd.size(-1)).run(new long[]{(long) Shapes.rows(xd) * wg}, new long[]{wg});
        }
        releaseAll(temps);
        return out;
    }

    // ---- activations ----

    private Tensor unary(Tensor x, int op, float s) {
        List<Tensor> temps = new ArrayList<>();
        Tensor xd = dense(x, temps);
        Tensor out = allocate(xd.shape());
        if (out.numel() > 0) launch("unary").tensor(xd).mem(mem(out)).i64(out.numel()).i32(op).f32(s).run1(out.numel());
        releaseAll(temps);
        return out;
    }

    @Override public synchronized Tensor gelu(Tensor x) { return unary(x, OP_GELU, 0); }

    @Override public synchronized Tensor geluTanh(Tensor x) { return unary(x, OP_GELU_TANH, 0); }

    @Override public synchronized Tensor quickGelu(Tensor x) { return unary(x, OP_QUICK_GELU, 0); }

    @Override public synchronized Tensor silu(Tensor x) { return unary(x, OP_SILU, 0); }

    @Override public synchronized Tensor scale(Tensor a, float s) { return unary(a, OP_SCALE, s); }

    @Override public synchronized Tensor leakyRelu(Tensor x, float slope) { return unary(x, OP_LEAKY_RELU, slope); }

    @Override
    public synchronized Tensor geglu(Tensor x) {
        List<Tensor> temps = new ArrayList<>();
        Tensor xd = dense(x, temps);
        int c = xd.size(-1) / 2;
        long rows = Shapes.rows(xd);
        Tensor out = allocate(Shapes.withLast(xd.shape(), c));
        if (out.numel() > 0) launch("geglu").tensor(xd).mem(mem(out)).i64(rows).i32(c).run1(out.numel());
        releaseAll(temps);
        return out;
    }

    // ---- elementwise ----

    private Tensor binary(Tensor a, Tensor b, int op) {
        List<Tensor> temps = new ArrayList<>();
        Tensor ad = onDevice(a, temps), bd = onDevice(b, temps);
        int[] shape = Shapes.broadcast(ad.shape(), bd.shape());
        if (shape.length > MAX_RANK) throw tooManyDims(ad.rank() > bd.rank() ? ad : bd);
        Tensor out = allocate(shape);
        long n = out.numel();
        if (n > 0) {
            if (Arrays.equals(ad.shape(), bd.shape()) && ad.isContiguous() && bd.isContiguous()) {
                launch("binary_flat").tensor(ad).tensor(bd).mem(mem(out)).i64(n).i32(op).run1(n);
            } else {
                launch("binary").tensor(ad).long8(padStrides(broadcastStrides(ad, shape))).tensor(bd).long8(padStrides(broadcastStrides(bd, shape)))
                        .mem(mem(out)).i32(shape.length).int8(padShape(shape)).i64(n).i32(op).run1(n);
            }
        }
        releaseAll(temps);
        return out;
    }

    /** The strides of view {@code t} over the broadcast {@code shape}: its own strides, 0 on broadcast axes. */
    private static long[] broadcastStrides(Tensor t, int[] shape) {
        long[] s = new long[shape.length];
        int lead = shape.length - t.rank();
        for (int i = lead; i < shape.length; i++) s[i] = t.size(i - lead) == 1 ? 0 : t.stride(i - lead);
        return s;
    }

    @Override public synchronized Tensor add(Tensor a, Tensor b) { return binary(a, b, OP_ADD); }

    @Override public synchronized Tensor sub(Tensor a, Tensor b) { return binary(a, b, OP_SUB); }

    @Override public synchronized Tensor mul(Tensor a, Tensor b) { return binary(a, b, OP_MUL); }

    @Override public synchronized Tensor prelu(Tensor x, Tensor slope) { return binary(x, slope, OP_PRELU); }

    // ---- shape ----

    @Override
    public synchronized Tensor upsampleNearest(Tensor x, int outH, int outW) {
        List<Tensor> temps = new ArrayList<>();
        Tensor xd = dense(x, temps);
        int b = xd.size(0), c = xd.size(1), h = xd.size(2), w = xd.size(3);
        Tensor out = allocate(b, c, outH, outW);
        if (out.numel() > 0)
            launch("upsample_nearest").tensor(xd).mem(mem(out)).i32(b * c).i32(h).i32(w).i32(outH).i32(outW)
                    .f32((float) h / outH).f32((float) w / outW).run1(out.numel());
        releaseAll(temps);
        return out;
    }

    @Override
    public synchronized Tensor concat(int dim, Tensor... xs) {
        List<Tensor> temps = new ArrayList<>();
        Tensor[] ds = new Tensor[xs.length];
        for (int i = 0; i < xs.length; i++) ds[i] = onDevice(xs[i], temps);
        int[] shape = ds[0].shape();
        dim = dim < 0 ? dim + shape.length : dim;
        int total = 0;
        for (Tensor t : ds) {
            if (t.rank() != shape.length) throw new IllegalArgumentException("concat: ranks differ");
            for (int d = 0; d < shape.length; d++)
                if (d != dim && t.size(d) != shape[d])
                    throw new IllegalArgumentException("concat: shapes " + Arrays.toString(shape) + " and " + Arrays.toString(t.shape()) + " differ outside dim " + dim);
            total += t.size(dim);
        }
        if (shape.length > MAX_RANK) throw tooManyDims(ds[0]);
        shape[dim] = total;
        Tensor out = allocate(shape);
        long at = 0;
        for (Tensor t : ds) {
            if (t.numel() > 0) gatherInto(t, out, at * out.stride(dim));
            at += t.size(dim);
        }
        releaseAll(temps);
        return out;
    }

    @Override
    public synchronized Tensor gatherRows(Tensor table, int[] ids) {
        List<Tensor> temps = new ArrayList<>();
        Tensor td = dense(table, temps);
        int v = td.size(0), d = td.size(1);
        for (int id : ids)
            if (id < 0 || id >= v) throw new IndexOutOfBoundsException("token id " + id + " outside the embedding table of " + v);
        Tensor out = allocate(ids.length, d);
        if (out.numel() > 0) {
            Tensor idBuf = allocate(DType.I32, false, ids.length);
            write(idBuf, Pointer.to(ids), (long) ids.length * Integer.BYTES);
            launch("gather_rows").tensor(td).mem(mem(idBuf)).mem(mem(out)).i32(d).i32(ids.length)
                    .run(new long[]{d, ids.length}, null);
            temps.add(idBuf);
        }
        releaseAll(temps);
        return out;
    }

    @Override
    public synchronized void close() {
        if (closed) return;
        CL.clFinish(queue);
        weights.clear();
        for (cl_kernel k : kernels.values()) CL.clReleaseKernel(k);
        for (cl_kernel k : attentionKernels.values()) CL.clReleaseKernel(k);
        for (cl_program p : programs) CL.clReleaseProgram(p);
        pool.close();
        CL.clReleaseCommandQueue(queue);
        CL.clReleaseContext(context);
        closed = true;
    }

    @Override public String toString() { return name(); }
}
