package jdiffusion.sd.sample.diffusers;

import jdiffusion.sd.sample.NoiseSchedule;
import jdiffusion.sd.sample.SamplingException;

import java.util.Locale;

/**
 * The numpy side of diffusers' {@code set_timesteps}: timestep spacings, model sigmas, {@code np.interp},
 * Karras sigmas and sigma-to-timestep, with numpy's float64 arithmetic and round-half-to-even.
 */
final class Tables {
    private Tables() {}

    /** {@code np.linspace(start, stop, n)} in float64: i*step + start, the last value exactly stop. */
    static double[] npLinspace(double start, double stop, int n) {
        double[] y = new double[n];
        if (n == 1) { y[0] = start; return y; }
        double step = (stop - start) / (n - 1);
        for (int i = 0; i < n; i++) y[i] = i * step + start;
        y[n - 1] = stop;
        return y;
    }

    static void requireSteps(int n, int trainSteps) {
        if (n < 1 || n > trainSteps)
            throw new SamplingException("number of inference steps must be between 1 and " + trainSteps + ", got " + n);
    }

    static String spacing(String s) {
        String v = s.toLowerCase(Locale.ROOT);
        if (!v.equals("leading") && !v.equals("linspace") && !v.equals("trailing"))
            throw new SamplingException("unknown timestep_spacing '" + s + "': expected leading, linspace or trailing");
        return v;
    }

    /** DDIM/DDPM/PNDM-style integer timesteps, descending. */
    static int[] discreteTimesteps(String spacing, int trainSteps, int n, int stepsOffset) {
        requireSteps(n, trainSteps);
        int[] t = new int[n];
        switch (spacing(spacing)) {
            case "leading" -> {
                int ratio = trainSteps / n;
                for (int i = 0; i < n; i++) t[n - 1 - i] = i * ratio + stepsOffset;
            }
            case "linspace" -> {
                double[] y = npLinspace(0, trainSteps - 1, n);
                for (int i = 0; i < n; i++) t[n - 1 - i] = (int) Math.rint(y[i]);
            }
            default -> {
                double ratio = trainSteps / (double) n;
                for (int i = 0; i < n; i++) t[i] = (int) Math.rint(trainSteps - i * ratio) - 1;
            }
        }
        return t;
    }

    /** Euler/LMS/Heun-style float32 timesteps, descending. */
    static double[] floatTimesteps(String spacing, int trainSteps, int n, int stepsOffset) {
        requireSteps(n, trainSteps);
        double[] t = new double[n];
        switch (spacing(spacing)) {
            case "linspace" -> {
                double[] y = npLinspace(0, trainSteps - 1, n);
                for (int i = 0; i < n; i++) t[n - 1 - i] = (float) y[i];
            }
            case "leading" -> {
                int ratio = trainSteps / n;
                for (int i = 0; i < n; i++) t[n - 1 - i] = (float) (i * ratio) + (float) stepsOffset;
            }
            default -> {
                double ratio = trainSteps / (double) n;
                for (int i = 0; i < n; i++) t[i] = (float) (Math.rint(trainSteps - i * ratio) - 1);
            }
        }
        return t;
    }

    /** DPM-Solver/UniPC-style integer timesteps: n of n+1 evenly spaced, the last (0) dropped. */
    static int[] multistepTimesteps(String spacing, int trainSteps, int n, int stepsOffset) {
        requireSteps(n, trainSteps);
        int[] t = new int[n];
        switch (spacing(spacing)) {
            case "linspace" -> {
                double[] y = npLinspace(0, trainSteps - 1, n + 1);
                for (int i = 0; i < n; i++) t[i] = (int) Math.rint(y[n - i]);
            }
            case "leading" -> {
                int ratio = trainSteps / (n + 1);
                for (int i = 0; i < n; i++) t[i] = (n - i) * ratio + stepsOffset;
            }
            default -> {
                double ratio = trainSteps / (double) n;
                for (int i = 0; i < n; i++) t[i] = (int) Math.rint(trainSteps - i * ratio) - 1;
            }
        }
        return t;
    }

    /** sqrt((1 - a)/a) in float32, ascending with t. */
    static float[] modelSigmas(NoiseSchedule s) {
        float[] sig = new float[s.trainingSteps()];
        for (int i = 0; i < sig.length; i++) {
            float a = s.alphaCumprod(i);
            sig[i] = (float) Math.sqrt((1f - a) / a);
        }
        return sig;
    }

    static float[] logOf(float[] v) {
        float[] r = new float[v.length];
        for (int i = 0; i < v.length; i++) r[i] = (float) Math.log(v[i]);
        return r;
    }

    /** {@code np.interp(x, arange(len(fp)), fp)} in float64. */
    static double interp(double x, float[] fp) {
        if (x <= 0) return fp[0];
        if (x >= fp.length - 1) return fp[fp.length - 1];
        int j = (int) Math.floor(x);
        if (j == x) return fp[j];
        double slope = ((double) fp[j + 1] - fp[j]) / 1.0;
        return slope * (x - j) + fp[j];
    }

    /** diffusers {@code _convert_to_karras} (numpy float64, rho 7). */
    static double[] karras(double sigmaMin, double sigmaMax, int n) {
        double rho = 7.0;
        double[] ramp = npLinspace(0, 1, n);
        double minInv = Math.pow(sigmaMin, 1 / rho), maxInv = Math.pow(sigmaMax, 1 / rho);
        double[] s = new double[n];
        for (int i = 0; i < n; i++) s[i] = Math.pow(maxInv + ramp[i] * (minInv - maxInv), rho);
        return s;
    }

    /** diffusers {@code _sigma_to_t}: log-sigma interpolation in float64 against float32 log sigmas. */
    static double sigmaToT(double sigma, float[] logSigmas) {
        double logSigma = Math.log(Math.max(sigma, 1e-10));
        int low = 0;
        for (int i = 0; i < logSigmas.length; i++) if (logSigma - logSigmas[i] >= 0) low = i;
        low = Math.min(low, logSigmas.length - 2);
        double lo = logSigmas[low], hi = logSigmas[low + 1];
        double w = (lo - logSigma) / (lo - hi);
        w = Math.max(0, Math.min(1, w));
        return (1 - w) * low + w * (low + 1);
    }

    static float[] toFloat(int[] v) {
        float[] r = new float[v.length];
        for (int i = 0; i < v.length; i++) r[i] = v[i];
        return r;
    }
}
