package jdiffusion.sd.sample;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * k-diffusion {@code sample_lms}: linear multistep over the last {@code order} derivatives, with
 * coefficients that integrate the Lagrange basis polynomials over each step (k-diffusion uses scipy's
 * adaptive quadrature; the integrands are polynomials of degree below {@code order}, which Gauss-Legendre
 * quadrature with enough nodes integrates exactly, so the same numbers come out to double precision).
 */
public record Lms(int order) implements KSampler {
    public Lms() { this(4); }

    public Lms {
        if (order < 1 || order > 8) throw new SamplingException("LMS order must be between 1 and 8, got " + order);
    }

    @Override
    public float[] sample(Denoiser model, float[] x, float[] sigmas, NoiseSampler noise, StepListener listener) {
        double[] t = new double[sigmas.length];
        for (int i = 0; i < t.length; i++) t[i] = sigmas[i];
        Deque<float[]> ds = new ArrayDeque<>();
        for (int i = 0; i < sigmas.length - 1; i++) {
            float[] denoised = model.denoise(x, sigmas[i]);
            ds.addLast(LatentOps.toD(x, denoised, sigmas[i]));
            if (ds.size() > order) ds.removeFirst();
            listener.onStep(i, x, sigmas[i], sigmas[i], denoised);
            int curOrder = Math.min(i + 1, order);
            List<float[]> newestFirst = new ArrayList<>(ds.reversed());
            float[] sum = null;
            for (int j = 0; j < curOrder; j++) {
                float c = (float) coefficient(curOrder, t, i, j);
                float[] d = newestFirst.get(j);
                if (sum == null) {
                    sum = new float[x.length];
                    for (int k = 0; k < x.length; k++) sum[k] = c * d[k];
                } else {
                    for (int k = 0; k < x.length; k++) sum[k] = sum[k] + c * d[k];
                }
            }
            float[] next = new float[x.length];
            for (int k = 0; k < x.length; k++) next[k] = x[k] + sum[k];
            x = next;
        }
        return x;
    }

    /** Integral over [t_i, t_{i+1}] of the Lagrange basis polynomial for node t_{i-j} among t_i .. t_{i-order+1}. */
    static double coefficient(int order, double[] t, int i, int j) {
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
