package jdiffusion.sd.sample.diffusers;

import jdiffusion.sd.sample.NoiseSchedule;
import jdiffusion.sd.sample.Prediction;
import jdiffusion.sd.sample.SamplingException;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The fields of a diffusers {@code scheduler_config.json} the schedulers use. A missing
 * {@code timestep_spacing} falls back to the scheduler class's own default (diffusers 0.26: "leading"
 * for DDIM, PNDM and DDPM, "linspace" for the others), so it stays null here until a class resolves it.
 */
public record SchedulerConfig(int numTrainTimesteps, double betaStart, double betaEnd, String betaSchedule,
                              float[] trainedBetas, int stepsOffset, boolean setAlphaToOne, String timestepSpacing,
                              Prediction prediction, boolean useKarrasSigmas, String finalSigmasType) {

    /** Stable Diffusion 1.x's scheduler_config.json (PNDM, scaled_linear 0.00085..0.012, steps_offset 1). */
    public static SchedulerConfig stableDiffusion() {
        return new SchedulerConfig(1000, 0.00085, 0.012, "scaled_linear", null, 1, false, null,
                Prediction.EPSILON, false, "zero");
    }

    @SuppressWarnings("unchecked")
    public static SchedulerConfig fromJson(Map<String, Object> m) {
        float[] trained = null;
        if (m.get("trained_betas") instanceof List<?> l && !l.isEmpty()) {
            trained = new float[l.size()];
            for (int i = 0; i < trained.length; i++) trained[i] = ((Number) l.get(i)).floatValue();
        }
        return new SchedulerConfig(
                intOr(m, "num_train_timesteps", 1000),
                doubleOr(m, "beta_start", 0.0001),
                doubleOr(m, "beta_end", 0.02),
                stringOr(m, "beta_schedule", "linear"),
                trained,
                intOr(m, "steps_offset", 0),
                m.get("set_alpha_to_one") instanceof Boolean b ? b : true,
                m.get("timestep_spacing") instanceof String s ? s : null,
                Prediction.parse(stringOr(m, "prediction_type", "epsilon")),
                m.get("use_karras_sigmas") instanceof Boolean b && b,
                stringOr(m, "final_sigmas_type", "zero"));
    }

    public SchedulerConfig withKarrasSigmas(boolean karras) {
        return new SchedulerConfig(numTrainTimesteps, betaStart, betaEnd, betaSchedule, trainedBetas, stepsOffset,
                setAlphaToOne, timestepSpacing, prediction, karras, finalSigmasType);
    }

    public SchedulerConfig withTimestepSpacing(String spacing) {
        return new SchedulerConfig(numTrainTimesteps, betaStart, betaEnd, betaSchedule, trainedBetas, stepsOffset,
                setAlphaToOne, spacing, prediction, useKarrasSigmas, finalSigmasType);
    }

    /** {@code alphas_cumprod} as diffusers builds it (float32 betas, cumprod). */
    public NoiseSchedule schedule() {
        if (trainedBetas != null) {
            float[] ac = new float[trainedBetas.length];
            double p = 1;
            for (int i = 0; i < ac.length; i++) { p *= (1f - trainedBetas[i]); ac[i] = (float) p; }
            return NoiseSchedule.fromAlphasCumprod(ac);
        }
        return switch (betaSchedule.toLowerCase(Locale.ROOT)) {
            case "scaled_linear" -> NoiseSchedule.diffusersScaledLinear(numTrainTimesteps, betaStart, betaEnd);
            case "linear" -> NoiseSchedule.diffusersLinear(numTrainTimesteps, betaStart, betaEnd);
            default -> throw new SamplingException("unsupported beta_schedule '" + betaSchedule
                    + "' in scheduler config: expected scaled_linear or linear");
        };
    }

    String spacingOr(String classDefault) { return timestepSpacing != null ? timestepSpacing : classDefault; }

    private static int intOr(Map<String, Object> m, String k, int d) { return m.get(k) instanceof Number n ? n.intValue() : d; }
    private static double doubleOr(Map<String, Object> m, String k, double d) { return m.get(k) instanceof Number n ? n.doubleValue() : d; }
    private static String stringOr(Map<String, Object> m, String k, String d) { return m.get(k) instanceof String s ? s : d; }
}
