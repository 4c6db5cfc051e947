package jdiffusion.sd.sample;

/**
 * The float32 log and sin/cos polynomials (Cephes, via Pommier's {@code sse_mathfun}) that PyTorch's
 * AVX2 {@code normal_fill} uses on CPU. They are not correctly rounded, so torch's CPU {@code randn}
 * can only be reproduced bit for bit by evaluating the same operations in the same float order,
 * which is what this class does. Every intermediate is a {@code float}; where GCC contracted a multiply
 * and the add/subtract that consumes it into one FMA when it compiled the AVX2 kernel (it does so for
 * the intrinsics, which are plain vector arithmetic to it), {@link Math#fma} is used at the same place.
 */
final class CephesAvxMath {
    private CephesAvxMath() {}

    private static final float SQRTHF = (float) 0.707106781186547524;
    private static final float LOG_P0 = (float) 7.0376836292E-2, LOG_P1 = (float) -1.1514610310E-1,
            LOG_P2 = (float) 1.1676998740E-1, LOG_P3 = (float) -1.2420140846E-1, LOG_P4 = (float) 1.4249322787E-1,
            LOG_P5 = (float) -1.6668057665E-1, LOG_P6 = (float) 2.0000714765E-1, LOG_P7 = (float) -2.4999993993E-1,
            LOG_P8 = (float) 3.3333331174E-1, LOG_Q1 = (float) -2.12194440e-4, LOG_Q2 = (float) 0.693359375;

    private static final float DP1 = (float) -0.78515625, DP2 = (float) -2.4187564849853515625e-4,
            DP3 = (float) -3.77489497744594108e-8;
    private static final float SIN_P0 = (float) -1.9515295891E-4, SIN_P1 = (float) 8.3321608736E-3,
            SIN_P2 = (float) -1.6666654611E-1;
    private static final float COS_P0 = (float) 2.443315711809948E-005, COS_P1 = (float) -1.388731625493765E-003,
            COS_P2 = (float) 4.166664568298827E-002;
    private static final float FOPI = (float) 1.27323954473516;

    /** Natural log for positive normal inputs (the only ones torch feeds it: {@code 1 - u} with u in [0,1)). */
    static float log(float x) {
        if (x <= 0f) return Float.NaN;
        x = Math.max(x, Float.MIN_NORMAL);
        int bits = Float.floatToRawIntBits(x);
        int exponent = (bits >>> 23) - 0x7f;
        x = Float.intBitsToFloat((bits & ~0x7f800000) | Float.floatToRawIntBits(0.5f));
        float e = (float) exponent;
        e = e + 1f;
        float tmp = x < SQRTHF ? x : 0f;
        x = x - 1f;
        if (tmp != 0f) e = e - 1f;
        x = x + tmp;
        float z = x * x;
        float y = LOG_P0;
        y = Math.fma(y, x, LOG_P1);
        y = Math.fma(y, x, LOG_P2);
        y = Math.fma(y, x, LOG_P3);
        y = Math.fma(y, x, LOG_P4);
        y = Math.fma(y, x, LOG_P5);
        y = Math.fma(y, x, LOG_P6);
        y = Math.fma(y, x, LOG_P7);
        y = Math.fma(y, x, LOG_P8);
        y = y * x;
        y = Math.fma(y, z, e * LOG_Q1);
        y = Math.fma(-z, 0.5f, y);
        x = x + y;
        x = Math.fma(e, LOG_Q2, x);
        return x;
    }

    /** {@code sincos256_ps}: returns {sin, cos} of {@code x} (accurate for |x| below 8192). */
    static void sincos(float x, float[] sinCos) {
        int signSin = Float.floatToRawIntBits(x) & 0x80000000;
        x = Math.abs(x);
        float y = x * FOPI;
        int j = (int) y;          // cvttps: truncation
        j = (j + 1) & ~1;
        y = (float) j;
        int swapSin = (j & 4) << 29;
        boolean firstPoly = (j & 2) == 0; // poly_mask
        x = Math.fma(y, DP1, x);
        x = Math.fma(y, DP2, x);
        x = Math.fma(y, DP3, x);
        int signCos = (~(j - 2) & 4) << 29;
        signSin ^= swapSin;

        float z = x * x;
        float c = COS_P0;
        c = Math.fma(c, z, COS_P1);
        c = Math.fma(c, z, COS_P2);
        c = c * z;
        c = Math.fma(c, z, -(z * 0.5f));
        c = c + 1f;

        float s = SIN_P0;
        s = Math.fma(s, z, SIN_P1);
        s = Math.fma(s, z, SIN_P2);
        s = s * z;
        s = Math.fma(s, x, x);

        float sinV = firstPoly ? s : c;
        float cosV = firstPoly ? c : s;
        sinCos[0] = Float.intBitsToFloat(Float.floatToRawIntBits(sinV) ^ signSin);
        sinCos[1] = Float.intBitsToFloat(Float.floatToRawIntBits(cosV) ^ signCos);
    }
}
