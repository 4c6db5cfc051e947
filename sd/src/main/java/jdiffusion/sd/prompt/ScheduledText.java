package jdiffusion.sd.prompt;

/** One entry of a prompt schedule: use {@code text} for sampling steps up to and including {@code endStep} (1-based). */
public record ScheduledText(int endStep, String text) {}
