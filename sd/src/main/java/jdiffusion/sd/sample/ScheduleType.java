package jdiffusion.sd.sample;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The WebUI's "Schedule type" choices ({@code modules/sd_schedulers.py}, 1.10) for k-diffusion samplers.
 * {@link #AUTOMATIC} means the sampler's own default (see {@link SamplerSpec#defaultSchedule()}).
 * "Beta" uses the WebUI's default alpha = beta = 0.6. Some types do not end in 0 or
 * have a length other than steps+1, exactly as in the WebUI (KL Optimal ends at sigma_min; DDIM has
 * one entry per {@code 1000 // steps} stride).
 */
public enum ScheduleType {
    AUTOMATIC("automatic", "Automatic", -1),
    UNIFORM("uniform", "Uniform", -1),
    KARRAS("karras", "Karras", 7.0),
    EXPONENTIAL("exponential", "Exponential", -1),
    POLYEXPONENTIAL("polyexponential", "Polyexponential", 1.0),
    SGM_UNIFORM("sgm_uniform", "SGM Uniform", -1),
    KL_OPTIMAL("kl_optimal", "KL Optimal", -1),
    ALIGN_YOUR_STEPS("align_your_steps", "Align Your Steps", -1),
    SIMPLE("simple", "Simple", -1),
    NORMAL("normal", "Normal", -1),
    DDIM("ddim", "DDIM", -1),
    BETA("beta", "Beta", -1);

    private final String id;
    private final String label;
    private final double defaultRho;

    ScheduleType(String id, String label, double defaultRho) {
        this.id = id;
        this.label = label;
        this.defaultRho = defaultRho;
    }

    public String id() { return id; }
    public String label() { return label; }

    /** Case-insensitive by id or label ("karras", "Karras", "SGM Uniform", "sgm_uniform", "SGMUniform"). */
    public static ScheduleType parse(String name) {
        String key = normalise(name);
        for (ScheduleType t : values())
            if (normalise(t.id).equals(key) || normalise(t.label).equals(key)) return t;
        throw new SamplingException("unknown schedule type '" + name + "'; valid: "
                + Arrays.stream(values()).map(ScheduleType::label).collect(Collectors.joining(", ")));
    }

    /** Also the WebUI's alias "SGMUniform". */
    private static String normalise(String s) {
        return s.toLowerCase(Locale.ROOT).replace("_", "").replace(" ", "").replace("-", "");
    }

    /**
     * The sigmas for {@code steps} steps as the WebUI's {@code KDiffusionSampler.get_sigmas} builds them
     * with default options: sigma range of the model, rho override only when given ({@code rho <= 0}
     * means the schedule's default).
     */
    public float[] sigmas(KDiffusionDenoiser model, int steps, double rho) {
        double min = model.sigmaMin(), max = model.sigmaMax();
        return switch (this) {
            case AUTOMATIC, UNIFORM -> model.uniformSigmas(steps);
            case KARRAS -> SigmaSchedules.karras(steps, min, max, rho > 0 ? rho : defaultRho);
            case EXPONENTIAL -> SigmaSchedules.exponential(steps, min, max);
            case POLYEXPONENTIAL -> SigmaSchedules.polyexponential(steps, min, max, rho > 0 ? rho : defaultRho);
            case SGM_UNIFORM -> model.sgmUniformSigmas(steps);
            case KL_OPTIMAL -> SigmaSchedules.klOptimal(steps, min, max);
            case ALIGN_YOUR_STEPS -> SigmaSchedules.alignYourSteps(steps, false);
            case SIMPLE -> model.simpleSigmas(steps);
            case NORMAL -> model.normalSigmas(steps);
            case DDIM -> model.ddimSigmas(steps);
            case BETA -> SigmaSchedules.beta(steps, min, max, 0.6, 0.6);
        };
    }
}
