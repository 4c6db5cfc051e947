package jdiffusion.sd.prompt;

import java.util.List;

/** The parse of a prompt's editing syntax: what {@link PromptSchedules} evaluates at each step. */
sealed interface PromptTree {
    /** Text that reads the same at every step (plain text, and brackets kept as written). */
    record Text(String text) implements PromptTree {}

    record Sequence(List<PromptTree> parts) implements PromptTree {}

    /** {@code [before:after:when]}; {@code before} is null for {@code [after:when]}. {@code when} is the number as written. */
    record Edit(PromptTree before, PromptTree after, String when) implements PromptTree {}

    /** {@code [a|b|c]}: option {@code (step - 1) % n} at each step; an empty option is null. */
    record Alternation(List<PromptTree> options) implements PromptTree {}
}
