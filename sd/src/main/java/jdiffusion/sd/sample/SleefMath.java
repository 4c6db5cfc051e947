package jdiffusion.sd.sample;

/**
 * The float32 exp, log and expm1 that PyTorch's CPU kernels use on an AVX2 build: SLEEF's
 * {@code expf8_u10}, {@code logf8_u10} and {@code expm1f8_u10} (1-ulp algorithms with double-float
 * steps, FMA enabled). torch applies them to every float tensor, 0-dim scalars included, so the
 * reference's sigma tables and sampler coefficients are reproduced bit for bit only with these, not
 * with correctly rounded functions. Every operation below is one float instruction of the reference.
 */
final class SleefMath {
    private SleefMath() {}

    private static final float R_LN2F = 1.442695040888963407359924681001892137426645954152985934135449406931f;
    private static final float L2UF = 0.693145751953125f;
    private static final float L2LF = 1.428606765330187045e-06f;

    /** A double-float value hi + lo. */
    private record F2(float x, float y) {}

    private static float pow2i(int q) { return Float.intBitsToFloat((q + 0x7f) << 23); }
    private static float ldexp2(float d, int e) { return d * pow2i(e >> 1) * pow2i(e - (e >> 1)); }
    private static float ldexp3(float d, int q) { return Float.intBitsToFloat(Float.floatToRawIntBits(d) + (q << 23)); }
    private static int ilogb2k(float d) { return ((Float.floatToRawIntBits(d) >>> 23) & 0xff) - 0x7f; }
    private static int rint(float x) { return (int) Math.rint(x); }

    // double-float arithmetic (SLEEF df.h, FMA variants)
    private static F2 add2(float x, float y) {
        float rx = x + y, v = rx - x;
        return new F2(rx, (x - (rx - v)) + (y - v));
    }
    private static F2 add2(F2 x, float y) {
        float rx = x.x + y, v = rx - x.x;
        float ry = (x.x - (rx - v)) + (y - v);
        return new F2(rx, ry + x.y);
    }
    private static F2 add2(F2 x, F2 y) {
        float rx = x.x + y.x, v = rx - x.x;
        float ry = (x.x - (rx - v)) + (y.x - v);
        return new F2(rx, ry + (x.y + y.y));
    }
    private static F2 add(F2 x, F2 y) {
        float rx = x.x + y.x;
        return new F2(rx, (((x.x - rx) + y.x) + x.y) + y.y);
    }
    private static F2 add(F2 x, float y) {
        float rx = x.x + y;
        return new F2(rx, ((x.x - rx) + y) + x.y);
    }
    private static F2 add(float x, F2 y) {
        float rx = x + y.x;
        return new F2(rx, ((x - rx) + y.x) + y.y);
    }
    private static F2 mul(F2 x, float y) {
        float rx = x.x * y;
        return new F2(rx, Math.fma(x.y, y, Math.fma(x.x, y, -rx)));
    }
    private static F2 mul(F2 x, F2 y) {
        float rx = x.x * y.x;
        return new F2(rx, Math.fma(x.x, y.y, Math.fma(x.y, y.x, Math.fma(x.x, y.x, -rx))));
    }
    private static F2 squ(F2 x) {
        float rx = x.x * x.x;
        return new F2(rx, Math.fma(x.x + x.x, x.y, Math.fma(x.x, x.x, -rx)));
    }
    private static F2 div(F2 n, F2 d) {
        float t = 1.0f / d.x;
        float qx = n.x * t;
        float u = Math.fma(t, n.x, -qx);
        float qy = Math.fma(-d.y, t, Math.fma(-d.x, t, 1f));
        qy = Math.fma(qx, qy, Math.fma(n.y, t, u));
        return new F2(qx, qy);
    }

    /** {@code Sleef_expf8_u10}. */
    static float exp(float d) {
        int q = rint(d * R_LN2F);
        float s = Math.fma((float) q, -L2UF, d);
        s = Math.fma((float) q, -L2LF, s);
        float u = 0.000198527617612853646278381f;
        u = Math.fma(u, s, 0.00139304355252534151077271f);
        u = Math.fma(u, s, 0.00833336077630519866943359f);
        u = Math.fma(u, s, 0.0416664853692054748535156f);
        u = Math.fma(u, s, 0.166666671633720397949219f);
        u = Math.fma(u, s, 0.5f);
        u = 1.0f + Math.fma(s * s, u, s);
        u = ldexp2(u, q);
        if (d < -104f) u = 0f;
        if (d > 100f) u = Float.POSITIVE_INFINITY;
        if (Float.isNaN(d)) u = Float.NaN;
        return u;
    }

    /** {@code Sleef_logf8_u10}. */
    static float log(float d) {
        if (Float.isNaN(d) || d < 0f) return Float.NaN;
        if (d == 0f) return Float.NEGATIVE_INFINITY;
        if (d == Float.POSITIVE_INFINITY) return Float.POSITIVE_INFINITY;
        boolean o = d < Float.MIN_NORMAL;
        if (o) d = d * ((float) (1L << 32) * (float) (1L << 32));
        int e = ilogb2k(d * (1.0f / 0.75f));
        float m = ldexp3(d, -e);
        if (o) e -= 64;
        F2 s = mul(new F2(0.69314718246459960938f, -1.904654323148236017e-09f), (float) e);
        F2 x = div(add2(-1f, m), add2(1f, m));
        float x2 = x.x * x.x;
        float t = 0.3027294874f;
        t = Math.fma(t, x2, 0.3996108174f);
        t = Math.fma(t, x2, 0.6666694880f);
        s = add(s, new F2(x.x * 2f, x.y * 2f));
        s = add(s, (x2 * x.x) * t);
        return s.x + s.y;
    }

    private static F2 expk2(F2 d) {
        float u = (d.x + d.y) * R_LN2F;
        int q = rint(u);
        F2 s = add2(d, (float) q * -L2UF);
        s = add2(s, (float) q * -L2LF);
        u = 0.1980960224e-3f;
        u = Math.fma(u, s.x, 0.1394256484e-2f);
        u = Math.fma(u, s.x, 0.8333456703e-2f);
        u = Math.fma(u, s.x, 0.4166637361e-1f);
        F2 t = add2(mul(s, u), 0.166666659414234244790680580464e+0f);
        t = add2(mul(s, t), 0.5f);
        t = add2(s, mul(squ(s), t));
        t = add(1f, t);
        float tx = ldexp2(t.x, q), ty = ldexp2(t.y, q);
        if (d.x < -104f) { tx = 0f; ty = 0f; }
        return new F2(tx, ty);
    }

    /** {@code Sleef_expm1f8_u10}. */
    static float expm1(float a) {
        if (Float.isNaN(a)) return Float.NaN;
        F2 d = add2(expk2(new F2(a, 0f)), -1.0f);
        float x = d.x + d.y;
        if (a > 88.72283172607421875f) x = Float.POSITIVE_INFINITY;
        if (a < -16.635532333438687426013570f) x = -1f;
        if (a == 0f && Float.floatToRawIntBits(a) != 0) x = -0.0f;
        return x;
    }
}
