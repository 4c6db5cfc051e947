package jdiffusion.sd.sample;

/**
 * The WebUI's {@code LCMCompVisDenoiser} for its "LCM" sampler: the model's schedule thinned to the 50
 * timesteps LCM was distilled on ({@code 19, 39, ..., 999}); sigma maps to the nearest of them (an
 * integer timestep); and the eps model's x0 is blended with the input by LCM's boundary condition
 * ({@code sigma_data = 0.5}, timestep scaled by 10). Like the WebUI it treats the network as an eps model.
 */
public final class LcmDenoiser extends KDiffusionDenoiser {
    private static final int ORIGINAL_STEPS = 50;
    private final int skip;

    public LcmDenoiser(NoiseSchedule schedule) {
        super(thinned(schedule), Prediction.EPSILON);
        this.skip = schedule.trainingSteps() / ORIGINAL_STEPS;
    }

    private static NoiseSchedule thinned(NoiseSchedule s) {
        int t = s.trainingSteps(), skip = t / ORIGINAL_STEPS;
        float[] valid = new float[ORIGINAL_STEPS];
        for (int x = 0; x < ORIGINAL_STEPS; x++) valid[ORIGINAL_STEPS - 1 - x] = s.alphaCumprod(t - 1 - x * skip);
        return NoiseSchedule.fromAlphasCumprod(valid);
    }

    /** The nearest thinned timestep, as a training timestep: {@code index * skip + skip - 1}. */
    @Override
    public float sigmaToT(float sigma) {
        float logSigma = TorchMath.log(sigma);
        float[] sig = sigmas();
        int best = 0;
        float bestD = Float.POSITIVE_INFINITY;
        for (int i = 0; i < sig.length; i++) {
            float d = Math.abs(logSigma - TorchMath.log(sig[i]));
            if (d < bestD) { bestD = d; best = i; }
        }
        return (float) (best * skip + (skip - 1));
    }

    @Override
    public float tToSigma(float timestep) {
        float t = (timestep - (float) (skip - 1)) / (float) skip;
        t = Math.max(0f, Math.min(t, ORIGINAL_STEPS - 1));
        return super.tToSigma(t);
    }

    /** LCM's {@code get_sigmas(n)}: n timesteps evenly from t(sigma_max) to t(sigma_min), then 0. */
    @Override
    public float[] uniformSigmas(int n) {
        requireSteps(n);
        float[] t = TorchMath.linspace(sigmaToT(sigmaMax()), sigmaToT(sigmaMin()), n);
        float[] out = new float[n + 1];
        for (int i = 0; i < n; i++) out[i] = tToSigma(t[i]);
        return out;
    }

    @Override
    public float[] denoise(float[] x, float sigma, ModelFunction model) {
        float cIn = cIn(sigma);
        float[] input = new float[x.length];
        for (int i = 0; i < x.length; i++) input[i] = x[i] * cIn;
        float t = sigmaToT(sigma);
        float[] eps = model.predict(input, t);
        if (eps.length != x.length)
            throw new SamplingException("model returned " + eps.length + " values for " + x.length + " latents");
        float st = t * 10f;
        float sd2 = 0.25f;
        float cSkip = sd2 / (st * st + sd2);
        float cOut = st / TorchMath.sqrt(st * st + sd2);
        float[] out = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            float x0 = x[i] + eps[i] * -sigma;
            out[i] = cOut * x0 + cSkip * x[i];
        }
        return out;
    }
}
