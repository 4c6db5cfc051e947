package jdiffusion.sd.sample;

import java.util.List;
import java.util.function.Supplier;

/**
 * One entry of the WebUI's k-diffusion sampler list ({@code samplers_k_diffusion} in A1111 1.10): its
 * label, k-diffusion function id, aliases and options.
 *
 * @param defaultSchedule       what "Automatic" means for it (A1111 option {@code scheduler}; UNIFORM = none)
 * @param discardPenultimate    {@code discard_next_to_last_sigma}: sample steps+1 sigmas, drop the one before 0
 * @param secondOrder           {@code second_order}: two model calls per step (hires/progress accounting)
 * @param brownianNoise         {@code brownian_noise}: the WebUI feeds a Brownian-tree noise sampler
 * @param usesEnsd              {@code uses_ensd}: infotext records "ENSD" for it
 */
public record SamplerSpec(String label, String kdiffusionId, List<String> aliases, Supplier<KSampler> factory,
                          ScheduleType defaultSchedule, boolean discardPenultimate, boolean secondOrder,
                          boolean brownianNoise, boolean usesEnsd) {

    public KSampler create() { return factory.get(); }

    /**
     * The sigmas the WebUI samples with for {@code steps} steps and the chosen schedule type
     * ({@code KDiffusionSampler.get_sigmas} with default options). {@code rho <= 0}: schedule's default.
     */
    public float[] sigmas(KDiffusionDenoiser model, int steps, ScheduleType type, double rho) {
        KDiffusionDenoiser.requireSteps(steps);
        int n = discardPenultimate ? steps + 1 : steps;
        ScheduleType effective = type == ScheduleType.AUTOMATIC ? defaultSchedule : type;
        float[] sigmas = effective.sigmas(model, n, rho);
        return discardPenultimate ? SigmaSchedules.discardPenultimate(sigmas) : sigmas;
    }

    public float[] sigmas(KDiffusionDenoiser model, int steps, ScheduleType type) { return sigmas(model, steps, type, 0); }
}
