package jdiffusion.sd.sample;

/**
 * {@code torch.Generator().manual_seed(seed)} followed by {@code torch.randn(shape, generator=g)} on
 * the CPU (AUTOMATIC1111's "CPU" noise source), bit for bit as PyTorch 1.13 computes it on an AVX2
 * machine:
 * <ul>
 *   <li>Engine: MT19937 seeded with the low 32 bits of the seed.</li>
 *   <li>Fewer than 16 elements: double-precision Box-Muller per element, each uniform from 53 bits of two
 *       engine outputs; the second value of every pair is cached in the generator and returned by the
 *       next scalar draw.</li>
 *   <li>16 or more: all uniforms first (24 bits of one output each), then blocks of 16 where element
 *       {@code j} and {@code j + 8} form a float Box-Muller pair computed with the Cephes polynomials; a
 *       ragged tail re-draws 16 fresh uniforms for the last 16 positions and transforms them again.</li>
 * </ul>
 */
public final class TorchCpuRandom implements NoiseGenerator {
    private static final float TWO_PI_F = (float) (2.0 * Math.PI);

    private final long seed;
    private final Mt19937 engine;
    private boolean hasCachedNormal;
    private double cachedNormal;

    public TorchCpuRandom(long seed) {
        this.seed = seed;
        this.engine = new Mt19937(seed);
    }

    public long seed() { return seed; }

    @Override
    public float[] randn(int... shape) {
        int n = NoiseGenerator.numel(shape);
        float[] out = new float[n];
        if (n >= 16) fillVectorised(out);
        else for (int i = 0; i < n; i++) out[i] = (float) nextDoubleNormal();
        return out;
    }

    private void fillVectorised(float[] data) {
        int n = data.length;
        for (int i = 0; i < n; i++) data[i] = nextFloatUniform();
        for (int i = 0; i + 16 <= n; i += 16) boxMuller16(data, i);
        if (n % 16 != 0) {
            int tail = n - 16;
            for (int i = 0; i < 16; i++) data[tail + i] = nextFloatUniform();
            boxMuller16(data, tail);
        }
    }

    private static void boxMuller16(float[] d, int at) {
        float[] sc = new float[2];
        for (int j = 0; j < 8; j++) {
            float u1 = 1f - d[at + j];
            float u2 = d[at + j + 8];
            float radius = (float) Math.sqrt(-2f * CephesAvxMath.log(u1));
            float theta = TWO_PI_F * u2;
            CephesAvxMath.sincos(theta, sc);
            d[at + j] = radius * sc[1];
            d[at + j + 8] = radius * sc[0];
        }
    }

    private float nextFloatUniform() {
        return (engine.nextInt() & 0xFFFFFF) * 0x1.0p-24f;
    }

    private double nextDoubleUniform() {
        long hi = engine.nextInt() & 0xFFFFFFFFL;
        long lo = engine.nextInt() & 0xFFFFFFFFL;
        long v = (hi << 32) | lo;
        return (v & ((1L << 53) - 1)) * 0x1.0p-53;
    }

    private double nextDoubleNormal() {
        if (hasCachedNormal) {
            hasCachedNormal = false;
            return cachedNormal;
        }
        double u1 = nextDoubleUniform();
        double u2 = nextDoubleUniform();
        double r = Math.sqrt(-2.0 * Math.log(1.0 - u2));
        double theta = 2.0 * Math.PI * u1;
        cachedNormal = r * Math.sin(theta);
        hasCachedNormal = true;
        return r * Math.cos(theta);
    }
}
