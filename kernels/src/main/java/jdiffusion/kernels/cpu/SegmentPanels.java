package jdiffusion.kernels.cpu;

import jdiffusion.tensor.DType;

import java.lang.foreign.MemorySegment;

/**
 * A GEMM operand in a {@link MemorySegment} (memory-mapped weights) of F32, F16 or BF16:
 * {@code X(i, k)} is element {@code base + i*si + k*sk}. Values become F32 here, while packing, so the
 * weights stay half-size in memory and the micro-kernel only ever sees F32. Rows that run along k (the
 * usual {@code [N, K]} weight) convert a vector at a time.
 */
record SegmentPanels(MemorySegment segment, DType dtype, long base, int outer, int inner, long si, long sk)
        implements PanelSource {

    SegmentPanels {
        if (dtype != DType.F32 && dtype != DType.F16 && dtype != DType.BF16)
            throw new IllegalArgumentException("GEMM operand must be F32, F16 or BF16, not " + dtype);
    }

    @Override
    public void packRows(float[] dst, int dstOff, int i0, int width, int k0, int kc, int R) {
        for (int r = 0; r < width; r++) row(i0 + r, k0, kc, dst, dstOff + r * kc);
        PanelSource.zeroRows(dst, dstOff, width, kc, R);
    }

    @Override
    public void packInterleaved(float[] dst, int dstOff, int i0, int width, int k0, int kc, int R) {
        if (sk == 1) {
            float[] rows = new float[width * kc];
            int[] starts = new int[width];
            for (int r = 0; r < width; r++) {
                starts[r] = r * kc;
                row(i0 + r, k0, kc, rows, r * kc);
            }
            Interleave.rows(rows, starts, width, kc, dst, dstOff, R);
            return;
        }
        for (int k = 0; k < kc; k++) {
            long e = base + i0 * si + (k0 + k) * sk;
            int d = dstOff + k * R;
            for (int r = 0; r < width; r++) dst[d + r] = read(e + r * si);
        }
        if (width < R) ArrayPanels.zeroPad(dst, dstOff, width, kc, R);
    }

    /** {@code dst[d .. d+kc) = X(i, k0 .. k0+kc)}. */
    private void row(int i, int k0, int kc, float[] dst, int d) {
        if (sk != 1) {
            long e = base + i * si + k0 * sk;
            for (int k = 0; k < kc; k++) dst[d + k] = read(e + k * sk);
            return;
        }
        long byteOff = (base + i * si + k0) * dtype.byteSize();
        switch (dtype) {
            case F16 -> HalfFloats.f16ToFloats(segment, byteOff, dst, d, kc);
            case BF16 -> HalfFloats.bf16ToFloats(segment, byteOff, dst, d, kc);
            default -> HalfFloats.f32ToFloats(segment, byteOff, dst, d, kc);
        }
    }

    private float read(long element) {
        return switch (dtype) {
            case F16 -> Float.float16ToFloat(segment.get(HalfFloats.I16, element * 2));
            case BF16 -> Float.intBitsToFloat((segment.get(HalfFloats.I16, element * 2) & 0xffff) << 16);
            default -> segment.get(HalfFloats.F32, element * 4);
        };
    }
}
