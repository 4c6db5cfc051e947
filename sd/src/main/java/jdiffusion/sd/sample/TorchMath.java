package jdiffusion.sd.sample;

/**
 * Float32 helpers that follow PyTorch's CPU results where the last bit matters for matching reference
 * schedules and sampler coefficients ({@code torch.linspace}, exp/log/expm1 on an AVX2 build).
 */
public final class TorchMath {
    private TorchMath() {}

    /** AVX2 float lanes: torch's CPU kernels process 2 vectors (16 floats) per inner-loop iteration. */
    private static final int FLOAT_LANES = 8;
    private static final int DOUBLE_LANES = 4;

    /**
     * {@code torch.linspace(start, end, n)} in float32 as the CPU kernel computes it: the first half
     * counts up from {@code start}, the second half down from {@code end}; whole 2-vector chunks are
     * produced by {@code Vectorized::arange(base, step)} (base + k*step), the remainder by the scalar rule.
     * The reference build contracted the scalar {@code start + step*i} into a fused multiply-add but not
     * the lane offsets of {@code arange}; this does the same (verified bit for bit against diffusers' float32
     * betas and k-diffusion's Karras ramp).
     */
    public static float[] linspace(float start, float end, int n) {
        float[] out = new float[n];
        if (n == 0) return out;
        if (n == 1) { out[0] = start; return out; }
        float step = (end - start) / (float) (n - 1);
        int half = n / 2;
        int full = (n / (2 * FLOAT_LANES)) * (2 * FLOAT_LANES);
        for (int i = 0; i < full; i += FLOAT_LANES) {
            float base = i < half ? Math.fma(step, (float) i, start) : Math.fma(-step, (float) (n - i - 1), end);
            for (int k = 0; k < FLOAT_LANES; k++) out[i + k] = base + (float) k * step;
        }
        for (int i = full; i < n; i++) out[i] = i < half ? Math.fma(step, (float) i, start) : Math.fma(-step, (float) (n - i - 1), end);
        return out;
    }

    /** {@code torch.linspace(start, end, n, dtype=float64)} with the same chunking in 4-lane vectors. */
    static double[] linspaceDouble(double start, double end, int n) {
        double[] out = new double[n];
        if (n == 0) return out;
        if (n == 1) { out[0] = start; return out; }
        double step = (end - start) / (n - 1);
        int half = n / 2;
        int chunk = 2 * DOUBLE_LANES;
        int full = (n / chunk) * chunk;
        for (int i = 0; i < full; i += DOUBLE_LANES) {
            double base = i < half ? Math.fma(step, i, start) : Math.fma(-step, n - i - 1, end);
            for (int k = 0; k < DOUBLE_LANES; k++) out[i + k] = base + k * step;
        }
        for (int i = full; i < n; i++) out[i] = i < half ? Math.fma(step, i, start) : Math.fma(-step, n - i - 1, end);
        return out;
    }

    /** torch.exp/log/expm1 on float tensors (all sizes, 0-dim included) go through SLEEF on the CPU. */
    public static float exp(float x) { return SleefMath.exp(x); }
    public static float log(float x) { return SleefMath.log(x); }
    public static float expm1(float x) { return SleefMath.expm1(x); }
    public static float sqrt(float x) { return (float) Math.sqrt(x); }
}
