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

    private static void checkRange(double sigmaMin, double sigmaMax) {
        if (!(sigmaMin > 0 && sigmaMax >= sigmaMin))
            throw new SamplingException("sigma range must satisfy 0 < sigma_min <= sigma_max, got "
                    + sigmaMin + " .. " + sigmaMax);
    }
}
