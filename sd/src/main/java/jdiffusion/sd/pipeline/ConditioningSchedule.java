package jdiffusion.sd.pipeline;

import java.util.List;

/**
 * A prompt's conditioning over the sampling run (the WebUI's {@code ScheduledPromptConditioning} list): entry i holds
 * up to and including denoiser call {@code endAtStep}. {@link #at} picks the first entry whose end is not before the
 * call index, as the WebUI's {@code reconstruct_cond_batch} does.
 */
public record ConditioningSchedule(List<Entry> entries) {
    public record Entry(int endAtStep, TextConditioning conditioning) {}

    public ConditioningSchedule {
        entries = List.copyOf(entries);
        if (entries.isEmpty()) throw new IllegalArgumentException("a conditioning schedule needs at least one entry");
    }

    public static ConditioningSchedule constant(TextConditioning c) { return new ConditioningSchedule(List.of(new Entry(Integer.MAX_VALUE, c))); }

    /** The conditioning for denoiser call {@code step} (0-based). */
    public TextConditioning at(int step) {
        for (Entry e : entries) if (step <= e.endAtStep()) return e.conditioning();
        return entries.getLast().conditioning();
    }
}
