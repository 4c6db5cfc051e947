package jdiffusion.sd.sample;

import java.util.List;
import java.util.function.Function;

/**
 * One of the WebUI's timestep samplers ({@code samplers_timesteps}: DDIM, DDIM CFG++, PLMS, UniPC).
 *
 * @param guidanceScaleFactor multiply the CFG scale by this before guiding (CFG++: 1/12.5)
 */
public record TimestepSamplerSpec(String label, List<String> aliases, Function<NoiseSchedule, TimestepSampler> factory,
                                  float guidanceScaleFactor) implements WebUiSampler {

    public TimestepSamplerSpec(String label, List<String> aliases, Function<NoiseSchedule, TimestepSampler> factory) {
        this(label, aliases, factory, 1f);
    }

    public TimestepSampler create(NoiseSchedule schedule) { return factory.apply(schedule); }

    /** The WebUI's timestep list for {@code steps} ({@link WebUiTimesteps#timesteps}). */
    public int[] timesteps(NoiseSchedule schedule, int steps) { return WebUiTimesteps.timesteps(steps, schedule.trainingSteps()); }
}
