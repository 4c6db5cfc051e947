package jdiffusion.kernels.cpu;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The vector F16/BF16 widening against the JDK's scalar conversion, bit for bit, for every 16-bit pattern. */
class HalfFloatsTest {
    @Test
    void everyF16AndBf16ValueWidensExactlyAtAnUnalignedOffset() {
        int n = 1 << 16;
        MemorySegment seg = Arena.ofAuto().allocate(2L * n + 1).asSlice(1);
        for (int i = 0; i < n; i++) seg.set(HalfFloats.I16, 2L * i, (short) i);
        float[] f16 = new float[n + 3], bf16 = new float[n + 3];
        HalfFloats.f16ToFloats(seg, 0, f16, 3, n);
        HalfFloats.bf16ToFloats(seg, 0, bf16, 3, n);
        for (int i = 0; i < n; i++) {
            int i0 = i;
            assertEquals(Float.floatToRawIntBits(Float.float16ToFloat((short) i)), Float.floatToRawIntBits(f16[i + 3]),
                    () -> "F16 bits 0x" + Integer.toHexString(i0));
            assertEquals(i << 16, Float.floatToRawIntBits(bf16[i + 3]), () -> "BF16 bits 0x" + Integer.toHexString(i0));
        }
    }
}
