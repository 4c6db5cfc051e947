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
                          boolean brownianNoise, boolean usesEnsd) implements WebUiSampler {

    public KSampler create() { return factory.get(); }

    /** The denoiser the WebUI wraps the model in for this sampler (LCM has its own). */
    public KDiffusionDenoiser denoiser(NoiseSchedule schedule, Prediction prediction) {
        return kdiffusionId.equals("lcm") ? new LcmDenoiser(schedule) : new KDiffusionDenoiser(schedule, prediction);
    }

    /** DPM fast/adaptive take only a sigma range (and for fast a step count) instead of a schedule. */
    public boolean usesModelSigmaRange() { return kdiffusionId.equals("dpm_fast") || kdiffusionId.equals("dpm_adaptive"); }

    /**
     * The sigmas the WebUI samples with for {@code steps} steps and the chosen schedule type
     * ({@code KDiffusionSampler.get_sigmas} with default options). {@code rho <= 0}: schedule's default.
     */
    public float[] sigmas(KDiffusionDenoiser model, int steps, ScheduleType type, double rho) {
        KDiffusionDenoiser.requireSteps(steps);
        int n = discardPenultimate ? steps + 1 : steps;
        ScheduleType effective = type == ScheduleType.AUTOMATIC ? defaultSchedule : type;
        float[] sigmas = effective.sigmas(model, n, rho);
        if (usesModelSigmaRange()) {
            if (n < 2) throw new SamplingException(label + " needs at least 2 steps here, got " + n);
            // the WebUI gives DPM fast/adaptive the model's own sigma range whatever the schedule type
            sigmas = model.uniformSigmas(n);
            sigmas[0] = model.sigmaMax();
            sigmas[n - 1] = model.sigmaMin();
        }
        return discardPenultimate ? SigmaSchedules.discardPenultimate(sigmas) : sigmas;
    }

    public float[] sigmas(KDiffusionDenoiser model, int steps, ScheduleType type) { return sigmas(model, steps, type, 0); }

    /**
     * The noise sampler the WebUI hands this sampler: a Brownian tree over {@code sigmas} seeded per
     * image for the {@code brownian_noise} samplers, otherwise the images' own generators (draw the
     * initial noise from {@code imageNoise} first).
     *
     * @param treeDevice where the WebUI's Brownian tree draws (GPU = CUDA Philox, the usual case)
     */
    public NoiseSampler noiseSampler(ImageNoise imageNoise, RngSource treeDevice, int channels, int height, int width,
                                     long[] seeds, float[] sigmas) {
        if (!brownianNoise) return imageNoise;
        return BrownianTreeNoiseSampler.forSigmas(treeDevice, channels, height, width, seeds, sigmas);
    }
}
