package jdiffusion.kernels;

/** Scalar special functions the activations need and {@link Math} lacks, accurate to double precision. */
public final class MathFunctions {
    private MathFunctions() {}

    private static final double TWO_OVER_SQRT_PI = 1.1283791670955126;

    /** The error function, to ~1e-15 absolute: Taylor series near 0, a continued fraction for erfc in the tails. */
    public static double erf(double x) {
        double ax = Math.abs(x);
        if (ax < 2.5) {
            double x2 = x * x, term = x, sum = x;
            for (int n = 1; n < 60; n++) {
                term *= -x2 / n;
                double add = term / (2 * n + 1);
                sum += add;
                if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
            }
            return TWO_OVER_SQRT_PI * sum;
        }
        if (ax > 6.5) return Math.copySign(1.0, x);
        return Math.copySign(1.0 - erfcTail(ax), x);
    }

    /** erfc(x) for x >= 2.5 by the continued fraction exp(-x²)/√π · 1/(x + 1/2/(x + 1/(x + 3/2/(x + ...)))) evaluated backwards. */
    private static double erfcTail(double x) {
        double f = x;
        for (int n = 60; n >= 1; n--) f = x + (n / 2.0) / f;
        return Math.exp(-x * x) / (Math.sqrt(Math.PI) * f);
    }

    public static float gelu(float x) { return (float) (0.5 * x * (1.0 + erf(x / Math.sqrt(2.0)))); }

    public static float geluTanh(float x) {
        double c = Math.sqrt(2.0 / Math.PI);
        return (float) (0.5 * x * (1.0 + Math.tanh(c * (x + 0.044715 * x * x * x))));
    }

    public static float sigmoid(float x) { return (float) (1.0 / (1.0 + Math.exp(-x))); }

    public static float silu(float x) { return x * sigmoid(x); }

    public static float quickGelu(float x) { return x * sigmoid(1.702f * x); }
}
