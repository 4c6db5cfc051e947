package jdiffusion.sd.sample;

/** The "churn" of Karras et al. Algorithm 2 shared by Euler, Heun and DPM2: temporarily raise sigma. */
final class Churn {
    private Churn() {}

    private static final float MAX_GAMMA = (float) (Math.sqrt(2.0) - 1.0);

    static float sigmaHat(float sChurn, float sTmin, float sTmax, float[] sigmas, int i) {
        float s = sigmas[i];
        float gamma = (sTmin <= s && s <= sTmax) ? Math.min(sChurn / (sigmas.length - 1), MAX_GAMMA) : 0f;
        return gamma > 0f ? s * (gamma + 1f) : s;
    }

    static float[] apply(float[] x, float sigma, float sigmaHat, float sNoise, NoiseSampler noise, float sigmaNext) {
        if (!(sigmaHat > sigma)) return x;
        float[] eps = noise.sample(sigma, sigmaNext);
        LatentOps.check(x, eps);
        float scale = TorchMath.sqrt(sigmaHat * sigmaHat - sigma * sigma);
        float[] r = new float[x.length];
        for (int i = 0; i < x.length; i++) r[i] = x[i] + eps[i] * sNoise * scale;
        return r;
    }
}
