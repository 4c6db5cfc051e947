package jdiffusion.tools.randommodel;

import java.util.List;

/**
 * The DDPM buffers an ldm checkpoint carries, computed as ldm's {@code register_schedule} does for SD
 * ("linear" in √β from 0.00085 to 0.012 over 1000 steps, in float64; stored as float32).
 */
public final class DdpmSchedule {
    private static final int T = 1000;
    private static final double START = 0.00085, END = 0.012;

    /** The buffers in the order ldm registers them. */
    public static final List<String> NAMES = List.of("betas", "alphas_cumprod", "alphas_cumprod_prev", "sqrt_alphas_cumprod",
            "sqrt_one_minus_alphas_cumprod", "log_one_minus_alphas_cumprod", "sqrt_recip_alphas_cumprod",
            "sqrt_recipm1_alphas_cumprod", "posterior_variance", "posterior_log_variance_clipped",
            "posterior_mean_coef1", "posterior_mean_coef2");

    private DdpmSchedule() {}

    static double[] buffer(String name) { return buffer(name, T, START, END); }

    /** Buffer {@code name} of ldm's "linear" schedule (diffusers' scaled_linear) from {@code start} to {@code end} over {@code t} steps. */
    public static double[] buffer(String name, int t, double start, double end) {
        double[] betas = new double[t], ac = new double[t], prev = new double[t];
        double s0 = Math.sqrt(start), s1 = Math.sqrt(end), acc = 1;
        for (int i = 0; i < t; i++) {
            double s = s0 + (s1 - s0) * i / (t - 1);
            betas[i] = s * s;
            prev[i] = acc;
            acc *= 1 - betas[i];
            ac[i] = acc;
        }
        double[] out = new double[t];
        for (int i = 0; i < t; i++) {
            double postVar = betas[i] * (1 - prev[i]) / (1 - ac[i]);
            out[i] = switch (name) {
                case "betas" -> betas[i];
                case "alphas_cumprod" -> ac[i];
                case "alphas_cumprod_prev" -> prev[i];
                case "sqrt_alphas_cumprod" -> Math.sqrt(ac[i]);
                case "sqrt_one_minus_alphas_cumprod" -> Math.sqrt(1 - ac[i]);
                case "log_one_minus_alphas_cumprod" -> Math.log(1 - ac[i]);
                case "sqrt_recip_alphas_cumprod" -> Math.sqrt(1 / ac[i]);
                case "sqrt_recipm1_alphas_cumprod" -> Math.sqrt(1 / ac[i] - 1);
                case "posterior_variance" -> postVar;
                case "posterior_log_variance_clipped" -> Math.log(Math.max(postVar, 1e-20));
                case "posterior_mean_coef1" -> betas[i] * Math.sqrt(prev[i]) / (1 - ac[i]);
                case "posterior_mean_coef2" -> (1 - prev[i]) * Math.sqrt(1 - betas[i]) / (1 - ac[i]);
                default -> throw new IllegalArgumentException("unknown DDPM buffer " + name);
            };
        }
        return out;
    }
}
