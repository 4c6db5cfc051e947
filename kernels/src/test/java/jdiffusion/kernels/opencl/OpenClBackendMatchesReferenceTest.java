package jdiffusion.kernels.opencl;

import jdiffusion.kernels.reference.ReferenceBackend;
import jdiffusion.tensor.DType;
import jdiffusion.tensor.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;

import static jdiffusion.tensor.testing.TensorAssert.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The OpenCL kernels against {@link ReferenceBackend} where tiles do not divide the sizes, inputs are views,
 * weights are F16/BF16, attention has several heads or a causal mask, and shapes broadcast.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OpenClBackendMatchesReferenceTest {
    private static final double ATOL = 2e-5, RTOL = 1e-4;
    private final ReferenceBackend ref = new ReferenceBackend();
    private final Arena arena = Arena.ofShared();
    private final Random random = new Random(7);
    private OpenClBackend cl;

    @BeforeAll void start() { cl = OpenClTestDevice.backend(); }

    @AfterAll void stop() {
        if (cl != null) cl.close();
        arena.close();
    }

    private Tensor randn(int... shape) {
        float[] a = new float[Math.toIntExact(Tensor.numel(shape))];
        for (int i = 0; i < a.length; i++) a[i] = (float) random.nextGaussian();
        return Tensor.of(a, shape);
    }

    /** A host tensor in native memory of the given dtype, as a weight memory-mapped from a file would be. */
    private Tensor nativeTensor(DType dtype, int... shape) {
        float[] v = randn(shape).toFloatArray();
        MemorySegment seg = arena.allocate(v.length * (long) dtype.byteSize(), 8);
        for (int i = 0; i < v.length; i++)
            switch (dtype) {
                case F32 -> seg.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i, v[i]);
                case F16 -> seg.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i, Float.floatToFloat16(v[i]));
                case BF16 -> seg.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i, DType.floatToBf16(v[i]));
                default -> throw new IllegalArgumentException(dtype.toString());
            }
        return Tensor.wrap(seg, dtype, shape);
    }

    private static void same(Tensor expected, Tensor actual, String what) { assertClose(expected, actual, ATOL, RTOL, what); }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "F16", "BF16"})
    void linearMatchesReferenceOnOddSizesInEveryWeightDtype(DType dtype) {
        Tensor x = randn(3, 37, 70), w = nativeTensor(dtype, 45, 70), b = nativeTensor(dtype, 45);
        same(ref.linear(x, w, b), cl.linear(x, w, b), "linear " + dtype);
        same(ref.linear(x, w, null), cl.linear(cl.upload(x), w, null), "linear no bias " + dtype);
    }

    @Test
    void linearReadsTransposedAndSlicedViewsInPlace() {
        Tensor x = randn(70, 33), wt = randn(70, 29);
        Tensor xView = x.transpose(0, 1);                       // [33, 70]: rows are strided
        Tensor wView = cl.upload(wt).transpose(0, 1);           // device [29, 70] view read through its strides
        same(ref.linear(xView, wt.transpose(0, 1), null), cl.linear(xView, wView, null), "transposed views");
        Tensor fused = randn(9, 60), w = randn(11, 20);
        same(ref.linear(fused.narrow(1, 20, 20), w, null), cl.linear(cl.upload(fused).narrow(1, 20, 20), w, null), "narrowed input");
    }

    @Test
    void matmulMatchesReferenceWithBatchesAndTransposedOperands() {
        Tensor a = randn(2, 3, 19, 33), b = randn(2, 3, 41, 33);
        Tensor bt = b.transpose(-1, -2);
        same(ref.matmul(a, bt), cl.matmul(cl.upload(a), cl.upload(b).transpose(-1, -2)), "b transposed on device");
        Tensor p = randn(2, 19, 3, 33);
        same(ref.matmul(p.permute(0, 2, 1, 3), bt), cl.matmul(cl.upload(p).permute(0, 2, 1, 3), cl.upload(bt)), "a permuted");
        Tensor x15 = randn(1, 5), y57 = randn(5, 7);
        same(ref.matmul(x15, y57), cl.matmul(x15, y57), "one row");
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "F16", "BF16"})
    void conv2dMatchesReferenceOnOddSizesStridesAndWeightDtypes(DType dtype) {
        Tensor x = randn(2, 5, 13, 11), w3 = nativeTensor(dtype, 7, 5, 3, 3), b = nativeTensor(dtype, 7), w1 = nativeTensor(dtype, 67, 5, 1, 1);
        same(ref.conv2d(x, w3, b, 1, 1), cl.conv2d(x, w3, b, 1, 1), "3x3 s1 " + dtype);
        same(ref.conv2d(x, w3, b, 2, 1), cl.conv2d(x, w3, b, 2, 1), "3x3 s2 " + dtype);
        same(ref.conv2d(x, w3, null, 1, 0), cl.conv2d(x, w3, null, 1, 0), "3x3 valid " + dtype);
        same(ref.conv2d(x, w1, null, 1, 0), cl.conv2d(x, w1, null, 1, 0), "1x1 " + dtype);
        Tensor b1 = nativeTensor(dtype, 67);
        same(ref.conv2d(x, w1, b1, 1, 0), cl.conv2d(x, w1, b1, 1, 0), "1x1 with bias " + dtype);
        same(ref.conv2d(x, w1, b1, 2, 0), cl.conv2d(x, w1, b1, 2, 0), "1x1 stride 2 " + dtype);
    }

    @Test
    void gpuKernelLayoutMatchesReferenceToo() {
        // CI has only a CPU driver, which gets the vector-column GEMM; this runs the GPU layout (16x16 items,
        // interleaved columns) on the same driver so both variants of gemm.cl stay tested.
        OpenClDevice d = cl.device();
        DeviceTuning gpu = new DeviceTuning(64, 64, 16, 4, 4, 256, 64, d.localMemoryBytes(), false);
        try (OpenClBackend g = new OpenClBackend(d, gpu, ProgramBuilder.defaultCacheDir())) {
            Tensor x = randn(2, 45, 70), w = nativeTensor(DType.F16, 67, 70), b = randn(67);
            same(ref.linear(x, w, b), g.linear(x, w, b), "linear");
            Tensor a = randn(3, 19, 33), m = randn(3, 33, 70);
            same(ref.matmul(a, m), g.matmul(a, m), "matmul");
            Tensor img = randn(2, 5, 13, 11), w3 = nativeTensor(DType.BF16, 7, 5, 3, 3), w1 = randn(9, 5, 1, 1), b1 = randn(9);
            same(ref.conv2d(img, w3, null, 2, 1), g.conv2d(img, w3, null, 2, 1), "conv 3x3");
            same(ref.conv2d(img, w1, b1, 1, 0), g.conv2d(img, w1, b1, 1, 0), "conv 1x1");
        }
    }

    @Test
    void conv2dCopiesANonContiguousInputFirst() {
        Tensor nhwc = randn(2, 9, 10, 6), w = randn(4, 6, 3, 3);
        Tensor nchw = nhwc.permute(0, 3, 1, 2);
        same(ref.conv2d(nchw, w, null, 1, 1), cl.conv2d(cl.upload(nhwc).permute(0, 3, 1, 2), w, null, 1, 1), "permuted input");
    }

    @Test
    void attentionMatchesReferenceWithHeadsCausalMaskAndTileRemainders() {
        Tensor q = randn(2, 150, 3 * 40), k = randn(2, 150, 3 * 40), v = randn(2, 150, 3 * 40);
        same(ref.attention(q, k, v, 3, false), cl.attention(q, k, v, 3, false), "self 3 heads");
        same(ref.attention(q, k, v, 3, true), cl.attention(q, k, v, 3, true), "causal 3 heads");
        Tensor cq = randn(1, 70, 2 * 24), ck = randn(1, 77, 2 * 24), cv = randn(1, 77, 2 * 16);
        same(ref.attention(cq, ck, cv, 2, false), cl.attention(cq, ck, cv, 2, false), "cross, value size differs");
        same(ref.attention(cq, ck, cv, 2, true), cl.attention(cq, ck, cv, 2, true), "causal cross");
        Tensor big = randn(1, 5, 160);
        same(ref.attention(big, big, big, 1, false), cl.attention(big, big, big, 1, false), "head size 160");
    }

    @Test
    void attentionReadsQueryKeyValueSlicesOfAFusedProjection() {
        Tensor qkv = randn(2, 33, 3 * 64);
        Tensor q = qkv.narrow(2, 0, 64), k = qkv.narrow(2, 64, 64), v = qkv.narrow(2, 128, 64);
        Tensor d = cl.upload(qkv);
        same(ref.attention(q, k, v, 4, true), cl.attention(d.narrow(2, 0, 64), d.narrow(2, 64, 64), d.narrow(2, 128, 64), 4, true), "fused qkv");
    }

    @Test
    void normsAndSoftmaxMatchReferenceOnOddRowLengths() {
        Tensor x = randn(2, 12, 7, 5), g = nativeTensor(DType.F16, 12), b = nativeTensor(DType.BF16, 12);
        same(ref.groupNorm(x, 4, g, b, 1e-5f, false), cl.groupNorm(x, 4, g, b, 1e-5f, false), "group norm");
        same(ref.groupNorm(x, 3, g, b, 1e-6f, true), cl.groupNorm(x, 3, g, b, 1e-6f, true), "group norm silu");
        Tensor rows = randn(3, 5, 1000), lg = randn(1000), lb = randn(1000);
        same(ref.layerNorm(rows, lg, lb, 1e-5f), cl.layerNorm(rows, lg, lb, 1e-5f), "layer norm 1000");
        Tensor small = randn(4, 5);
        Tensor g5 = randn(5), b5 = randn(5);
        same(ref.layerNorm(small, g5, b5, 1e-5f), cl.layerNorm(small, g5, b5, 1e-5f), "layer norm 5");
        same(ref.softmax(rows), cl.softmax(rows), "softmax 1000");
        same(ref.softmax(small.transpose(0, 1)), cl.softmax(cl.upload(small).transpose(0, 1)), "softmax of a view");
    }

    @Test
    void activationsMatchReferenceIncludingF16Inputs() {
        Tensor x = randn(3, 7, 22);
        Tensor h = nativeTensor(DType.F16, 5, 9);
        same(ref.gelu(x), cl.gelu(x), "gelu");
        same(ref.geluTanh(x), cl.geluTanh(x), "gelu tanh");
        same(ref.quickGelu(x), cl.quickGelu(x), "quick gelu");
        same(ref.silu(h), cl.silu(h), "silu of F16");
        same(ref.geglu(x), cl.geglu(x), "geglu");
        same(ref.scale(x.transpose(1, 2), 0.18215f), cl.scale(cl.upload(x).transpose(1, 2), 0.18215f), "scale of a view");
        same(ref.leakyRelu(x, 0.2f), cl.leakyRelu(x, 0.2f), "leaky relu");
    }

    @Test
    void preluSlopesEachChannel() {
        Tensor x = randn(2, 7, 5, 9), slope = randn(1, 7, 1, 1);
        same(ref.prelu(x, slope), cl.prelu(x, slope), "prelu per channel");
        same(ref.prelu(x, x), cl.prelu(cl.upload(x), x), "prelu same shape");
    }

    @Test
    void elementwiseBroadcastsAnyShapesAndStrides() {
        Tensor a = randn(2, 3, 5, 7), b = randn(3, 1, 7);
        same(ref.add(a, b), cl.add(a, b), "add broadcast");
        Tensor col = randn(5, 1), row = randn(1, 6), one = randn(1);
        same(ref.mul(col, row), cl.mul(col, row), "outer product");
        Tensor at = a.transpose(1, 3);
        same(ref.sub(at, one), cl.sub(cl.upload(a).transpose(1, 3), one), "view minus scalar");
        same(ref.add(a, a), cl.add(cl.upload(a), a), "same shape, one on the device");
    }

    @Test
    void upsampleConcatAndGatherMatchReference() {
        Tensor x = randn(2, 3, 5, 7);
        assertArrayEquals(ref.upsampleNearest(x, 10, 14).toFloatArray(), cl.upsampleNearest(x, 10, 14).toFloatArray(), "2x");
        assertArrayEquals(ref.upsampleNearest(x, 12, 9).toFloatArray(), cl.upsampleNearest(x, 12, 9).toFloatArray(), "to size");
        assertArrayEquals(ref.upsampleNearest(x, 3, 4).toFloatArray(), cl.upsampleNearest(x, 3, 4).toFloatArray(), "down");
        Tensor y = randn(2, 5, 4, 7).permute(0, 2, 1, 3), h = nativeTensor(DType.F16, 2, 1, 5, 7);
        same(ref.concat(1, x, y, h), cl.concat(1, x, cl.upload(y.permute(0, 2, 1, 3)).permute(0, 2, 1, 3), h), "concat channels with a view and F16");
        same(ref.concat(-1, x, x), cl.concat(-1, cl.upload(x), x), "concat last dim");
        Tensor table = nativeTensor(DType.F16, 50, 12);
        int[] ids = {49, 0, 7, 7, 3};
        assertArrayEquals(ref.gatherRows(table, ids).toFloatArray(), cl.gatherRows(table, ids).toFloatArray(), "gather F16 rows");
    }

    @Test
    void contiguousKeepsTheDtypeOfADeviceView() {
        Tensor h = nativeTensor(DType.F16, 6, 10);
        Tensor view = cl.upload(h).transpose(0, 1);
        Tensor c = cl.contiguous(view);
        assertEquals(DType.F16, c.dtype());
        assertTrue(c.isContiguous());
        assertArrayEquals(h.transpose(0, 1).toFloatArray(), c.toFloatArray());
    }

    @Test
    void sameWeightUploadedTwiceIsOneDeviceBuffer() {
        Tensor w = nativeTensor(DType.F16, 64, 32);
        int before = cl.residentWeights();
        Tensor first = cl.upload(w), second = cl.upload(w);
        assertSame(first.storage(), second.storage());
        assertSame(first.storage(), cl.upload(Tensor.wrap(w.host().segment(), DType.F16, 64, 32)).storage(), "same memory, new handle");
        assertEquals(before + 1, cl.residentWeights());
        cl.linear(randn(3, 32), w, null);
        assertEquals(before + 1, cl.residentWeights(), "an op reading the weight reuses the upload");
        assertNotSame(first.storage(), cl.upload(w.narrow(0, 1, 10)).storage(), "a different view is a different upload");
        Tensor heap = randn(4, 4);
        assertNotSame(cl.upload(heap).storage(), cl.upload(heap).storage(), "heap arrays may be refilled, so they are never cached");
    }

    @Test
    void closedFileDropsItsWeightsSoNewMemoryAtTheSameAddressIsUploadedAfresh() {
        Tensor firstValues, secondValues;
        try (Arena file = Arena.ofConfined()) {
            MemorySegment s = file.allocate(16 * 4, 8);
            for (int i = 0; i < 16; i++) s.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i, i);
            firstValues = Tensor.of(cl.upload(Tensor.wrap(s, DType.F32, 4, 4)).toFloatArray(), 4, 4);
        }
        try (Arena file = Arena.ofConfined()) {
            MemorySegment s = file.allocate(16 * 4, 8);
            for (int i = 0; i < 16; i++) s.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i, -i);
            secondValues = Tensor.of(cl.upload(Tensor.wrap(s, DType.F32, 4, 4)).toFloatArray(), 4, 4);
        }
        assertEquals(15f, firstValues.toFloatArray()[15]);
        assertEquals(-15f, secondValues.toFloatArray()[15]);
    }

    @Test
    void releasedActivationBufferIsReusedByTheNextResultOfItsSize() {
        Tensor a = cl.fromFloats(new float[1000], 10, 100);
        var mem = ((DeviceStorage) a.storage()).mem();
        cl.release(a);
        cl.release(a); // twice is harmless
        long held = cl.deviceMemoryBytes();
        Tensor b = cl.zeros(10, 100);
        assertSame(mem, ((DeviceStorage) b.storage()).mem());
        assertEquals(held, cl.deviceMemoryBytes(), "a pool hit allocates nothing new");
        assertArrayEquals(new float[1000], b.toFloatArray());
    }
}
