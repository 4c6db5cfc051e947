package jdiffusion.sd.prompt;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
    /** The weight after a sub-prompt's colon: {@code [-+]?(?:\d+\.?|\d*\.\d+)}. */
    private static final Pattern NUMBER = Pattern.compile("[-+]?(?:\\d+\\.?|\\d*\\.\\d+)", Pattern.UNICODE_CHARACTER_CLASS);

    /** The sub-prompts of one prompt, in order (duplicates kept). */
    public static List<WeightedPrompt> split(String prompt) {
        List<WeightedPrompt> out = new ArrayList<>();
        for (String sub : AND.split(prompt, -1)) out.add(weighted(sub, prompt));
        return out;
    }

    /**
     * The WebUI's {@code re_weight}, {@code ^((?:\s|.)*?)(?:\s*:\s*(NUMBER))?\s*$}: the text before an optional
     * {@code : weight} at the very end, trailing spaces dropped. The weight can only be the last run of non-spaces
     * (or its part after its last colon), so that is where this looks; the regex retries every position.
     */
    private static WeightedPrompt weighted(String sub, String prompt) {
        int end = PromptText.spacesBefore(sub, sub.length(), 0);
        int runStart = end;
        while (runStart > 0) {
            int cp = sub.codePointBefore(runStart);
            if (PromptText.isSpace(cp)) break;
            runStart -= Character.charCount(cp);
        }
        int colon = sub.lastIndexOf(':', end - 1);
        int numberStart;
        if (colon >= runStart) {
            numberStart = colon + 1;
        } else {
            int spaces = PromptText.spacesBefore(sub, runStart, 0);
            colon = spaces - 1;
            numberStart = runStart;
            if (spaces == runStart || colon < 0 || sub.charAt(colon) != ':') colon = -1;
        }
        String number = sub.substring(numberStart, end);
        if (colon < 0 || !NUMBER.matcher(number).matches()) return new WeightedPrompt(sub.substring(0, end), 1.0);
        return new WeightedPrompt(sub.substring(0, PromptText.spacesBefore(sub, colon, 0)), PromptAttention.parseWeight(number, prompt));
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
