package jdiffusion.sd.pipeline;

/** One {@code AND} part of a prompt (composable diffusion): its conditioning schedule and its weight ({@code text :1.2}). */
public record WeightedSchedule(ConditioningSchedule schedule, double weight) {}
