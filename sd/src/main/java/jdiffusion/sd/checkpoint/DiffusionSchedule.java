package jdiffusion.sd.checkpoint;

/**
 * How a model's training noise schedule was defined, for samplers that need {@code alphas_cumprod} when the
 * file carries no buffer (diffusers folders, pruned single files).
 *
 * @param timesteps    training timesteps ({@code 1000})
 * @param betaStart    ldm {@code linear_start} / diffusers {@code beta_start} ({@code 0.00085})
 * @param betaEnd      ldm {@code linear_end} / diffusers {@code beta_end} ({@code 0.012})
 * @param betaSchedule diffusers name: {@code scaled_linear} (= ldm's "linear": linspace of square roots, squared) or {@code linear}
 * @param ldmPrecision true when defined by an ldm config (betas computed in float64 as ldm does), false for
 *                     diffusers' float32 computation
 */
public record DiffusionSchedule(int timesteps, double betaStart, double betaEnd, String betaSchedule, boolean ldmPrecision) {
    /** SD1.x/SD2.x: ldm "linear" from 0.00085 to 0.012 over 1000 steps. */
    public static DiffusionSchedule sd() { return new DiffusionSchedule(1000, 0.00085, 0.012, "scaled_linear", true); }
}
