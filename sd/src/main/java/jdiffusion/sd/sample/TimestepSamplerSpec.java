package jdiffusion.sd.sample;

import java.util.List;
import java.util.function.Function;

/** One of the WebUI's timestep samplers ({@code samplers_timesteps}: DDIM, PLMS, UniPC). */
public record TimestepSamplerSpec(String label, List<String> aliases, Function<NoiseSchedule, TimestepSampler> factory)
        implements WebUiSampler {

    public TimestepSampler create(NoiseSchedule schedule) { return factory.apply(schedule); }

    /** The WebUI's timestep list for {@code steps} ({@link WebUiTimesteps#timesteps}). */
    public int[] timesteps(NoiseSchedule schedule, int steps) { return WebUiTimesteps.timesteps(steps, schedule.trainingSteps()); }
}
