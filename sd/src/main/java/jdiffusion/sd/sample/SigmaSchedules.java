package jdiffusion.sd.sample;

/**
 * k-diffusion's sigma schedules ({@code get_sigmas_karras}, {@code get_sigmas_exponential},
 * {@code get_sigmas_polyexponential}), computed in float32 like the reference's CPU tensors. Every
 * schedule returns {@code n + 1} sigmas, descending, ending with 0.
 */
public final class SigmaSchedules {
    private SigmaSchedules() {}

    public static final double KARRAS_RHO = 7.0;

    /** Karras et al. (2022): sigma_i = (max^(1/rho) + i/(n-1) * (min^(1/rho) - max^(1/rho)))^rho. */
    public static float[] karras(int n, double sigmaMin, double sigmaMax, double rho) {
        KDiffusionDenoiser.requireSteps(n);
        checkRange(sigmaMin, sigmaMax);
        float[] ramp = TorchMath.linspace(0f, 1f, n);
        double minInvRho = Math.pow(sigmaMin, 1.0 / rho);
        double maxInvRho = Math.pow(sigmaMax, 1.0 / rho);
        float span = (float) (minInvRho - maxInvRho);
        float base = (float) maxInvRho;
        float exponent = (float) rho;
        float[] out = new float[n + 1];
        for (int i = 0; i < n; i++) out[i] = (float) Math.pow(base + ramp[i] * span, exponent);
        return out;
    }

    /** Evenly spaced in log-sigma from sigma_max down to sigma_min. */
    public static float[] exponential(int n, double sigmaMin, double sigmaMax) {
        KDiffusionDenoiser.requireSteps(n);
        checkRange(sigmaMin, sigmaMax);
        float[] logs = TorchMath.linspace((float) Math.log(sigmaMax), (float) Math.log(sigmaMin), n);
        float[] out = new float[n + 1];
        for (int i = 0; i < n; i++) out[i] = TorchMath.exp(logs[i]);
        return out;
    }

    /** Polynomial in log-sigma: exp(ramp^rho * (log max - log min) + log min), ramp from 1 to 0. */
    public static float[] polyexponential(int n, double sigmaMin, double sigmaMax, double rho) {
        KDiffusionDenoiser.requireSteps(n);
        checkRange(sigmaMin, sigmaMax);
        float[] ramp = TorchMath.linspace(1f, 0f, n);
        float span = (float) (Math.log(sigmaMax) - Math.log(sigmaMin));
        float logMin = (float) Math.log(sigmaMin);
        float[] out = new float[n + 1];
        for (int i = 0; i < n; i++) {
            float r = rho == 1.0 ? ramp[i] : (float) Math.pow(ramp[i], (float) rho);
            out[i] = TorchMath.exp(r * span + logMin);
        }
        return out;
    }

    /** The WebUI's "discard penultimate sigma": drop {@code sigmas[n-1]}, keeping the final 0. */
    public static float[] discardPenultimate(float[] sigmas) {
        if (sigmas.length < 3) return sigmas.clone();
        float[] out = new float[sigmas.length - 1];
        System.arraycopy(sigmas, 0, out, 0, sigmas.length - 2);
        out[out.length - 1] = sigmas[sigmas.length - 1];
        return out;
    }

    /** The WebUI's "KL Optimal": tan of evenly spaced angles from atan(sigma_max) to atan(sigma_min); ends at sigma_min, no 0. */
    public static float[] klOptimal(int n, double sigmaMin, double sigmaMax) {
        KDiffusionDenoiser.requireSteps(n);
        checkRange(sigmaMin, sigmaMax);
        float aMin = (float) Math.atan((float) sigmaMin), aMax = (float) Math.atan((float) sigmaMax);
        float[] out = new float[n + 1];
        for (int i = 0; i <= n; i++) {
            float f = (float) i / (float) n;
            out[i] = (float) Math.tan(f * aMin + (1f - f) * aMax);
        }
        return out;
    }

    private static final double[] AYS_SD15 = {14.615, 6.475, 3.861, 2.697, 1.886, 1.396, 0.963, 0.652, 0.399, 0.152, 0.029};
    private static final double[] AYS_SDXL = {14.615, 6.315, 3.771, 2.181, 1.342, 0.862, 0.555, 0.380, 0.234, 0.113, 0.029};

    /** NVIDIA's "Align Your Steps" 10-step schedules (SD 1.5 or SDXL), log-linearly resampled to n steps, then 0. */
    public static float[] alignYourSteps(int n, boolean sdxl) {
        KDiffusionDenoiser.requireSteps(n);
        double[] base = sdxl ? AYS_SDXL : AYS_SD15;
        float[] out = new float[n + 1];
        if (n == base.length) {
            for (int i = 0; i < n; i++) out[i] = (float) base[i];
            return out;
        }
        int k = base.length;
        double[] xs = new double[k], ys = new double[k];
        for (int i = 0; i < k; i++) {
            xs[i] = k == 1 ? 0 : (double) i / (k - 1);
            ys[i] = Math.log(base[k - 1 - i]);
        }
        for (int i = 0; i < n; i++) {
            double x = n == 1 ? 0 : (double) i / (n - 1);
            if (i == n - 1) x = 1;
            int j = Math.min((int) Math.floor(x * (k - 1)), k - 2);
            double y = x == xs[j] ? ys[j] : ys[j] + (ys[j + 1] - ys[j]) / (xs[j + 1] - xs[j]) * (x - xs[j]);
            out[n - 1 - i] = (float) Math.exp(y);
        }
        return out;
    }

    /**
     * The WebUI's "Beta" schedule ("Beta Sampling is All You Need"): n points at the Beta(alpha, beta)
     * quantiles of 1 - linspace(0, 1, n), mapped linearly onto [sigma_min, sigma_max], then 0. The WebUI's
     * defaults are alpha = beta = 0.6.
     */
    public static float[] beta(int n, double sigmaMin, double sigmaMax, double alpha, double beta) {
        KDiffusionDenoiser.requireSteps(n);
        checkRange(sigmaMin, sigmaMax);
        float[] out = new float[n + 1];
        for (int i = 0; i < n; i++) {
            double u = n == 1 ? 0 : (double) i / (n - 1);
            if (i == n - 1) u = 1;
            double q = BetaDistribution.ppf(1 - u, alpha, beta);
            out[i] = (float) (sigmaMin + q * (sigmaMax - sigmaMin));
        }
        return out;
    }

    private static void checkRange(double sigmaMin, double sigmaMax) {
        if (!(sigmaMin > 0 && sigmaMax >= sigmaMin))
            throw new SamplingException("sigma range must satisfy 0 < sigma_min <= sigma_max, got "
                    + sigmaMin + " .. " + sigmaMax);
    }
}
