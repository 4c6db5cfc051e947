package jdiffusion.sd.prompt;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * Prompt editing as the WebUI does it ({@code get_learned_conditioning_prompt_schedules}, v1.10.1, new scheduling):
 * {@code [from:to:when]}, {@code [to:when]}, {@code [from::when]}, alternation {@code [a|b]}, nested freely.
 *
 * <p>{@code when} with a decimal point is a fraction of the steps, otherwise a step number. With hires steps the
 * schedule is for the hires pass: integers count from the end of the first pass ({@code when - steps}) and
 * fractions from its end ({@code (when - 1) * hiresSteps}), so {@code [a:b:0.5]} is already {@code b} there.
 */
public final class PromptSchedules {
    private PromptSchedules() {}

    /** The schedule for {@code steps} sampling steps (no hires pass). */
    public static List<ScheduledText> of(String prompt, int steps) {
        return of(prompt, steps, null, false);
    }

    /**
     * The schedule of {@code prompt}: entries in step order, the last ending at the number of steps of the pass.
     *
     * @param hiresSteps steps of the hires pass to schedule for, or null for the first pass
     * @param oldScheduling the WebUI's "use old prompt editing timelines" option: a {@code when} below 1 is a
     *                      fraction, anything else a step, and hires steps are treated like plain steps
     */
    public static List<ScheduledText> of(String prompt, int steps, Integer hiresSteps, boolean oldScheduling) {
        Timeline timeline = hiresSteps == null || oldScheduling
                ? new Timeline(steps, 0, 0, oldScheduling)
                : new Timeline(hiresSteps, steps, 1.0, false);
        PromptTree tree = PromptTreeParser.parse(prompt);
        if (tree == null) return List.of(new ScheduledText(timeline.steps, prompt));

        TreeSet<Integer> ends = new TreeSet<>();
        ends.add(timeline.steps);
        collectSteps(tree, timeline, ends);
        List<ScheduledText> out = new ArrayList<>(ends.size());
        for (int step : ends) {
            StringBuilder b = new StringBuilder();
            render(tree, step, timeline, b);
            out.add(new ScheduledText(step, b.toString()));
        }
        return out;
    }

    private record Timeline(int steps, int intOffset, double floatOffset, boolean old) {
        /** The last step at which an edit still shows its "before" text. */
        int editStep(String when) {
            double v = Double.parseDouble(when);
            if (old) v = v < 1 ? v * steps : v;
            else if (when.contains(".")) v = (v - floatOffset) * steps;
            else v = v - intOffset;
            // Python's int() truncates toward zero; the cast does too and saturates where Python would overflow
            long truncated = (long) v;
            return (int) Math.min(steps, truncated);
        }
    }

    // both walks keep their own stack: a prompt may nest brackets deeper than the thread's stack allows
    private static void collectSteps(PromptTree root, Timeline timeline, TreeSet<Integer> ends) {
        ArrayDeque<PromptTree> todo = new ArrayDeque<>();
        todo.push(root);
        boolean everyStep = false;
        while (!todo.isEmpty()) {
            switch (todo.pop()) {
                case PromptTree.Text ignored -> {}
                case PromptTree.Sequence s -> s.parts().forEach(todo::push);
                case PromptTree.Edit e -> {
                    int when = timeline.editStep(e.when());
                    if (when >= 1) ends.add(when);
                    if (e.before() != null) todo.push(e.before());
                    todo.push(e.after());
                }
                case PromptTree.Alternation a -> {
                    everyStep = true;
                    for (PromptTree o : a.options()) if (o != null) todo.push(o);
                }
            }
        }
        if (everyStep) for (int i = 1; i <= timeline.steps; i++) ends.add(i);
    }

    private static void render(PromptTree root, int step, Timeline timeline, StringBuilder out) {
        ArrayDeque<PromptTree> todo = new ArrayDeque<>();
        todo.push(root);
        while (!todo.isEmpty()) {
            switch (todo.pop()) {
                case PromptTree.Text x -> out.append(x.text());
                case PromptTree.Sequence s -> {
                    for (int i = s.parts().size() - 1; i >= 0; i--) todo.push(s.parts().get(i));
                }
                case PromptTree.Edit e -> {
                    PromptTree shown = step <= timeline.editStep(e.when()) ? e.before() : e.after();
                    if (shown != null) todo.push(shown);
                }
                case PromptTree.Alternation a -> {
                    PromptTree o = a.options().get(Math.floorMod(step - 1, a.options().size()));
                    if (o != null) todo.push(o);
                }
            }
        }
    }
}
