package jdiffusion.sd.sample;

/**
 * The quantile function of the Beta(a, b) distribution ({@code scipy.stats.beta.ppf}) for the WebUI's
 * "Beta" schedule: the regularized incomplete beta function by its continued fraction, inverted by
 * bisection to double precision.
 */
final class BetaDistribution {
    private BetaDistribution() {}

    static double ppf(double p, double a, double b) {
        if (!(a > 0 && b > 0)) throw new SamplingException("beta distribution needs a, b > 0, got " + a + ", " + b);
        if (p <= 0) return 0;
        if (p >= 1) return 1;
        double lo = 0, hi = 1;
        for (int i = 0; i < 200 && hi - lo > 0; i++) {
            double mid = 0.5 * (lo + hi);
            if (mid == lo || mid == hi) break;
            if (cdf(mid, a, b) < p) lo = mid;
            else hi = mid;
        }
        return 0.5 * (lo + hi);
    }

    /** I_x(a, b). */
    static double cdf(double x, double a, double b) {
        if (x <= 0) return 0;
        if (x >= 1) return 1;
        double lnFront = lgamma(a + b) - lgamma(a) - lgamma(b) + a * Math.log(x) + b * Math.log1p(-x);
        if (x < (a + 1) / (a + b + 2)) return Math.exp(lnFront) * continuedFraction(x, a, b) / a;
        return 1 - Math.exp(lnFront) * continuedFraction(1 - x, b, a) / b;
    }

    /** Lentz's evaluation of the incomplete beta continued fraction. */
    private static double continuedFraction(double x, double a, double b) {
        double tiny = 1e-300;
        double c = 1, d = 1 - (a + b) * x / (a + 1);
        if (Math.abs(d) < tiny) d = tiny;
        d = 1 / d;
        double f = d;
        for (int m = 1; m <= 10_000; m++) {
            int m2 = 2 * m;
            double num = m * (b - m) * x / ((a + m2 - 1) * (a + m2));
            d = 1 + num * d;
            if (Math.abs(d) < tiny) d = tiny;
            c = 1 + num / c;
            if (Math.abs(c) < tiny) c = tiny;
            d = 1 / d;
            f *= d * c;
            num = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1));
            d = 1 + num * d;
            if (Math.abs(d) < tiny) d = tiny;
            c = 1 + num / c;
            if (Math.abs(c) < tiny) c = tiny;
            d = 1 / d;
            double delta = d * c;
            f *= delta;
            if (Math.abs(delta - 1) < 1e-16) break;
        }
        return f;
    }

    private static final double[] LANCZOS = {
            0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
            -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
            1.5056327351493116e-7};

    /** log Gamma(x) for x > 0 (Lanczos, g = 7). */
    static double lgamma(double x) {
        if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - lgamma(1 - x);
        x -= 1;
        double s = LANCZOS[0];
        for (int i = 1; i < LANCZOS.length; i++) s += LANCZOS[i] / (x + i);
        double t = x + 7.5;
        return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(s);
    }
}
