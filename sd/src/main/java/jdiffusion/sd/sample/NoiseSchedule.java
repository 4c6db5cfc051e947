package jdiffusion.sd.sample;

import java.util.Arrays;

/**
 * The discrete diffusion schedule of a model: {@code alphas_cumprod[t]} for the training timesteps
 * {@code t = 0 .. T-1}, held as float32 as the model checkpoints and the reference code hold it.
 */
public final class NoiseSchedule {
    private final float[] alphasCumprod;

    private NoiseSchedule(float[] alphasCumprod) {
        if (alphasCumprod.length < 2)
            throw new SamplingException("alphas_cumprod needs at least 2 timesteps, got " + alphasCumprod.length);
        this.alphasCumprod = alphasCumprod;
    }

    /** A schedule from a checkpoint's {@code alphas_cumprod} buffer (float32). */
    public static NoiseSchedule fromAlphasCumprod(float[] alphasCumprod) {
        for (float a : alphasCumprod)
            if (!(a > 0f && a <= 1f))
                throw new SamplingException("alphas_cumprod values must lie in (0, 1], found " + a);
        return new NoiseSchedule(alphasCumprod.clone());
    }

    /** SD 1.x/2.x default: ldm's "linear" schedule from 0.00085 to 0.012 over 1000 steps. */
    public static NoiseSchedule stableDiffusion() { return ldmLinear(1000, 0.00085, 0.012); }

    /**
     * ldm's {@code make_beta_schedule("linear")}: betas = linspace(sqrt(start), sqrt(end), n)^2 in
     * float64, alphas_cumprod = cumprod(1 - betas) in float64, then stored as float32 buffers.
     */
    public static NoiseSchedule ldmLinear(int steps, double linearStart, double linearEnd) {
        double[] sqrtBetas = TorchMath.linspaceDouble(Math.sqrt(linearStart), Math.sqrt(linearEnd), steps);
        float[] ac = new float[steps];
        double prod = 1.0;
        for (int i = 0; i < steps; i++) {
            double beta = sqrtBetas[i] * sqrtBetas[i];
            prod *= 1.0 - beta;
            ac[i] = (float) prod;
        }
        return new NoiseSchedule(ac);
    }

    /**
     * diffusers' {@code beta_schedule="scaled_linear"}: betas = linspace(sqrt(start), sqrt(end), n)^2 in
     * float32, alphas = 1 - betas in float32, cumprod accumulated in double (torch CPU) and stored float32.
     */
    public static NoiseSchedule diffusersScaledLinear(int steps, double betaStart, double betaEnd) {
        float[] sqrtBetas = TorchMath.linspace((float) Math.sqrt(betaStart), (float) Math.sqrt(betaEnd), steps);
        return cumprodOfFloatBetas(square(sqrtBetas));
    }

    /** diffusers' {@code beta_schedule="linear"}: betas = linspace(start, end, n) in float32. */
    public static NoiseSchedule diffusersLinear(int steps, double betaStart, double betaEnd) {
        return cumprodOfFloatBetas(TorchMath.linspace((float) betaStart, (float) betaEnd, steps));
    }

    private static float[] square(float[] v) {
        float[] r = new float[v.length];
        for (int i = 0; i < v.length; i++) r[i] = v[i] * v[i];
        return r;
    }

    private static NoiseSchedule cumprodOfFloatBetas(float[] betas) {
        float[] ac = new float[betas.length];
        double prod = 1.0;
        for (int i = 0; i < betas.length; i++) {
            prod *= (1f - betas[i]);
            ac[i] = (float) prod;
        }
        return new NoiseSchedule(ac);
    }

    public int trainingSteps() { return alphasCumprod.length; }

    public float alphaCumprod(int t) { return alphasCumprod[t]; }

    public float[] alphasCumprod() { return alphasCumprod.clone(); }

    @Override public String toString() {
        return "NoiseSchedule[" + alphasCumprod.length + " steps, " + alphasCumprod[0] + " .. "
                + alphasCumprod[alphasCumprod.length - 1] + "]";
    }

    @Override public boolean equals(Object o) {
        return o instanceof NoiseSchedule s && Arrays.equals(s.alphasCumprod, alphasCumprod);
    }

    @Override public int hashCode() { return Arrays.hashCode(alphasCumprod); }
}
