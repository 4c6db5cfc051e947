package jdiffusion.sd.sample;

/**
 * k-diffusion's {@code CompVisDenoiser} / {@code CompVisVDenoiser} (quantize off, as the WebUI runs it):
 * sigmas {@code sqrt((1 - a)/a)} of the model's {@code alphas_cumprod}, continuous timesteps by
 * interpolating log-sigma, and the c_skip/c_out/c_in scalings that turn an eps or v network into an x0
 * denoiser. All scalar math is float32, like the reference's buffers. {@link LcmDenoiser} is the WebUI's
 * LCM variant.
 */
public class KDiffusionDenoiser {
    private final NoiseSchedule schedule;
    private final Prediction prediction;
    private final float[] sigmas;
    private final float[] logSigmas;

    public KDiffusionDenoiser(NoiseSchedule schedule, Prediction prediction) {
        this.schedule = schedule;
        this.prediction = prediction;
        int n = schedule.trainingSteps();
        sigmas = new float[n];
        logSigmas = new float[n];
        for (int i = 0; i < n; i++) {
            float a = schedule.alphaCumprod(i);
            sigmas[i] = TorchMath.sqrt((1f - a) / a);
            logSigmas[i] = TorchMath.log(sigmas[i]);
        }
    }

    public NoiseSchedule schedule() { return schedule; }
    public Prediction prediction() { return prediction; }

    /** The model's sigma for every training timestep, ascending. */
    public float[] sigmas() { return sigmas.clone(); }
    public float sigmaMin() { return sigmas[0]; }
    public float sigmaMax() { return sigmas[sigmas.length - 1]; }

    /** Fractional timestep for {@code sigma}: linear interpolation of log-sigma between neighbours, clamped. */
    public float sigmaToT(float sigma) {
        float logSigma = TorchMath.log(sigma);
        // index of the last log-sigma not above log(sigma) (0 when none), at most T-2
        int low = 0;
        for (int i = 0; i < logSigmas.length; i++) if (logSigma - logSigmas[i] >= 0f) low = i;
        low = Math.min(low, logSigmas.length - 2);
        int high = low + 1;
        float lo = logSigmas[low], hi = logSigmas[high];
        float w = (lo - logSigma) / (lo - hi);
        w = Math.max(0f, Math.min(1f, w));
        return (1f - w) * (float) low + w * (float) high;
    }

    public float tToSigma(float t) {
        int low = (int) Math.floor(t), high = (int) Math.ceil(t);
        float w = t - (float) Math.floor(t);
        float logSigma = (1f - w) * logSigmas[low] + w * logSigmas[high];
        return TorchMath.exp(logSigma);
    }

    /** k-diffusion {@code get_sigmas(n)}: t = linspace(T-1, 0, n), their sigmas, then a final 0. */
    public float[] uniformSigmas(int n) {
        requireSteps(n);
        float[] t = TorchMath.linspace((float) (sigmas.length - 1), 0f, n);
        float[] out = new float[n + 1];
        for (int i = 0; i < n; i++) out[i] = tToSigma(t[i]);
        return out;
    }

    /** The WebUI's "SGM Uniform": n timesteps evenly between sigma_max and sigma_min, excluding the end. */
    public float[] sgmUniformSigmas(int n) {
        requireSteps(n);
        float start = sigmaToT(sigmaMax()), end = sigmaToT(sigmaMin());
        float[] t = TorchMath.linspace(start, end, n + 1);
        float[] out = new float[n + 1];
        for (int i = 0; i < n; i++) out[i] = tToSigma(t[i]);
        return out;
    }

    /** The WebUI's "Simple": every (T/n)-th model sigma from the top, then 0. */
    public float[] simpleSigmas(int n) {
        requireSteps(n);
        double ss = sigmas.length / (double) n;
        float[] out = new float[n + 1];
        for (int x = 0; x < n; x++) out[x] = sigmas[sigmas.length - 1 - (int) (x * ss)];
        return out;
    }

    /** The WebUI's "Normal": n timesteps evenly from t(sigma_max) to t(sigma_min) inclusive, then 0. */
    public float[] normalSigmas(int n) {
        requireSteps(n);
        float[] t = TorchMath.linspace(sigmaToT(sigmaMax()), sigmaToT(sigmaMin()), n);
        float[] out = new float[n + 1];
        for (int i = 0; i < n; i++) out[i] = tToSigma(t[i]);
        return out;
    }

    /** The WebUI's "DDIM" schedule: model sigmas at 1, 1 + T//n, ... (reversed), then 0; its length follows the stride. */
    public float[] ddimSigmas(int n) {
        requireSteps(n);
        int ss = Math.max(sigmas.length / n, 1);
        java.util.List<Float> sigs = new java.util.ArrayList<>();
        for (int x = 1; x < sigmas.length; x += ss) sigs.add(sigmas[x]);
        float[] out = new float[sigs.size() + 1];
        for (int i = 0; i < sigs.size(); i++) out[i] = sigs.get(sigs.size() - 1 - i);
        return out;
    }

    static void requireSteps(int n) {
        if (n < 1) throw new SamplingException("the number of sampling steps must be at least 1, got " + n);
    }

    /** The input scaling {@code c_in = 1/sqrt(sigma^2 + 1)} the network sees. */
    public static float cIn(float sigma) { return 1f / TorchMath.sqrt(sigma * sigma + 1f); }

    /** One denoiser evaluation: {@code x0 = c_skip*x + c_out*F(c_in*x, t(sigma))}. */
    public float[] denoise(float[] x, float sigma, ModelFunction model) {
        float cIn = cIn(sigma);
        float[] input = new float[x.length];
        for (int i = 0; i < x.length; i++) input[i] = x[i] * cIn;
        float[] out = model.predict(input, sigmaToT(sigma));
        if (out.length != x.length)
            throw new SamplingException("model returned " + out.length + " values for " + x.length + " latents");
        float[] denoised = new float[x.length];
        if (prediction == Prediction.EPSILON) {
            float cOut = -sigma;
            for (int i = 0; i < x.length; i++) denoised[i] = x[i] + out[i] * cOut;
        } else {
            float s2 = sigma * sigma + 1f;
            float cSkip = 1f / s2;
            float cOut = -sigma / TorchMath.sqrt(s2);
            for (int i = 0; i < x.length; i++) denoised[i] = out[i] * cOut + x[i] * cSkip;
        }
        return denoised;
    }

    /** This denoiser bound to a network. */
    public Denoiser over(ModelFunction model) {
        return (x, sigma) -> denoise(x, sigma, model);
    }
}
