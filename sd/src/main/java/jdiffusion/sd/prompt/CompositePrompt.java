package jdiffusion.sd.prompt;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Composable diffusion's {@code AND} ({@code get_multicond_prompt_list}, WebUI v1.10.1): a prompt splits at each
 * whole-word {@code AND} into sub-prompts, each optionally ending in {@code :weight}; equal sub-prompt texts across a
 * batch share one entry of the flat list, so each is encoded once.
 */
public final class CompositePrompt {
    private CompositePrompt() {}

    /** A sub-prompt of one prompt: its index in the flat list and its weight. */
    public record Part(int index, double weight) {}

    /** For each prompt its parts, and the distinct sub-prompt texts in first-seen order. */
    public record Batch(List<List<Part>> parts, List<String> texts) {}

    /** A sub-prompt text with its weight. */
    public record WeightedPrompt(String text, double weight) {}

    /** {@code \bAND\b} with Python's word characters (letters, numbers of any kind, '_'). */
    private static final Pattern AND = Pattern.compile("(?<![\\p{L}\\p{N}_])AND(?![\\p{L}\\p{N}_])");
    private static final Pattern WEIGHT = Pattern.compile(
            "^(.*?)(?:\\s*:\\s*([-+]?(?:\\d+\\.?|\\d*\\.\\d+)))?\\s*$",
            Pattern.UNICODE_CHARACTER_CLASS | Pattern.DOTALL | Pattern.UNIX_LINES);

    /** The sub-prompts of one prompt, in order (duplicates kept). */
    public static List<WeightedPrompt> split(String prompt) {
        List<WeightedPrompt> out = new ArrayList<>();
        for (String sub : AND.split(prompt, -1)) {
            Matcher m = WEIGHT.matcher(sub);
            if (!m.find()) {
                out.add(new WeightedPrompt(sub, 1.0));
                continue;
            }
            String w = m.group(2);
            out.add(new WeightedPrompt(m.group(1), w == null ? 1.0 : PromptAttention.parseWeight(w, prompt)));
        }
        return out;
    }

    /** {@code get_multicond_prompt_list} over a batch of prompts. */
    public static Batch of(List<String> prompts) {
        List<List<Part>> parts = new ArrayList<>();
        List<String> texts = new ArrayList<>();
        Map<String, Integer> index = new HashMap<>();
        for (String prompt : prompts) {
            List<Part> ps = new ArrayList<>();
            for (WeightedPrompt wp : split(prompt)) {
                Integer i = index.get(wp.text());
                if (i == null) {
                    i = texts.size();
                    texts.add(wp.text());
                    index.put(wp.text(), i);
                }
                ps.add(new Part(i, wp.weight()));
            }
            parts.add(List.copyOf(ps));
        }
        return new Batch(List.copyOf(parts), List.copyOf(texts));
    }
}
