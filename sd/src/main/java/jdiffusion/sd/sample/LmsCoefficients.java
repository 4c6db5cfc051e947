package jdiffusion.sd.sample;

/**
 * Linear multistep coefficients as k-diffusion and diffusers compute them: the integral over
 * [t_i, t_(i+1)] of the Lagrange basis polynomial for node t_(i-j) among t_i .. t_(i-order+1). The
 * references integrate numerically with scipy's adaptive quadrature; the integrand is a polynomial of
 * degree below the order, which 5-point Gauss-Legendre integrates exactly, giving the same values to
 * double precision.
 */
public final class LmsCoefficients {
    private LmsCoefficients() {}

    public static double coefficient(int order, double[] t, int i, int j) {
        if (order - 1 > i) throw new SamplingException("LMS order " + order + " too high for step " + i);
        double a = t[i], b = t[i + 1];
        double half = (b - a) / 2, mid = (a + b) / 2;
        double sum = 0;
        for (int q = 0; q < GAUSS_NODES.length; q++) {
            double tau = mid + half * GAUSS_NODES[q];
            double prod = 1.0;
            for (int k = 0; k < order; k++) {
                if (k == j) continue;
                prod *= (tau - t[i - k]) / (t[i - j] - t[i - k]);
            }
            sum += GAUSS_WEIGHTS[q] * prod;
        }
        return sum * half;
    }

    // 5-point Gauss-Legendre: exact for polynomials up to degree 9 (LMS order up to 8 needs degree 7)
    private static final double[] GAUSS_NODES = {
            0.0,
            -0.5384693101056831, 0.5384693101056831,
            -0.9061798459386640, 0.9061798459386640};
    private static final double[] GAUSS_WEIGHTS = {
            0.5688888888888889,
            0.4786286704993665, 0.4786286704993665,
            0.2369268850561891, 0.2369268850561891};
}
