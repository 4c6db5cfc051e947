package jdiffusion.sd.sample;

/**
 * AUTOMATIC1111's "NV" noise source ({@code modules/rng_philox.py}): reproduces CUDA's
 * {@code torch.randn} on any device. Philox4x32-10 keyed by the 64-bit seed (low word, high word);
 * element {@code i} of a call uses the counter {@code [offset, 0, i, 0]} and every call advances
 * {@code offset} by one, whatever its size. Only outputs 0 and 1 feed one Box-Muller sample.
 *
 * <p>The reference does the Box-Muller in numpy, where {@code uint32 * float32-array} promotes to
 * float64: the constants are float32 values, the arithmetic is double, the result is rounded to float.
 */
public final class PhiloxRandom implements NoiseGenerator {
    private static final int M0 = 0xD2511F53, M1 = 0xCD9E8D57;
    private static final int W0 = 0x9E3779B9, W1 = 0xBB67AE85;
    private static final double TWO_POW32_INV = (float) 2.3283064e-10;
    private static final double TWO_POW32_INV_2PI = (float) (2.3283064e-10 * 6.2831855);

    private final long seed;
    private long offset;

    public PhiloxRandom(long seed) { this.seed = seed; }

    public long seed() { return seed; }
    public long offset() { return offset; }

    @Override
    public float[] randn(int... shape) {
        int n = NoiseGenerator.numel(shape);
        float[] out = new float[n];
        int c0 = (int) offset;
        offset++;
        int k0 = (int) seed, k1 = (int) (seed >>> 32);
        for (int i = 0; i < n; i++) {
            long g = philox(c0, i, k0, k1);
            out[i] = boxMuller((int) g, (int) (g >>> 32));
        }
        return out;
    }

    /** Outputs 0 (low half) and 1 (high half) of Philox4x32-10 for counter {@code [c0, 0, c2, 0]}. */
    static long philox(int c0, int c2, int k0, int k1) {
        int c1 = 0, c3 = 0;
        for (int round = 0; round < 10; round++) {
            long p0 = (c0 & 0xFFFFFFFFL) * (M0 & 0xFFFFFFFFL);
            long p1 = (c2 & 0xFFFFFFFFL) * (M1 & 0xFFFFFFFFL);
            int n0 = (int) (p1 >>> 32) ^ c1 ^ k0;
            int n1 = (int) p1;
            int n2 = (int) (p0 >>> 32) ^ c3 ^ k1;
            int n3 = (int) p0;
            c0 = n0; c1 = n1; c2 = n2; c3 = n3;
            k0 += W0;
            k1 += W1;
        }
        return (c0 & 0xFFFFFFFFL) | ((long) c1 << 32);
    }

    private static float boxMuller(int x, int y) {
        double u = (x & 0xFFFFFFFFL) * TWO_POW32_INV + TWO_POW32_INV / 2;
        double v = (y & 0xFFFFFFFFL) * TWO_POW32_INV_2PI + TWO_POW32_INV_2PI / 2;
        double s = Math.sqrt(-2.0 * Math.log(u));
        return (float) (s * Math.sin(v));
    }
}
