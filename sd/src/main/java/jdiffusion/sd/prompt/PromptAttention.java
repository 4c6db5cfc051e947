package jdiffusion.sd.prompt;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The WebUI's emphasis syntax ({@code modules/prompt_parser.py parse_prompt_attention}, v1.10.1):
 * {@code (x)} multiplies by 1.1, {@code [x]} by 1/1.1, {@code (x:1.3)} by 1.3; {@code \( \) \[ \] \\} are literal;
 * an unmatched {@code )} or {@code ]} is literal text, an unclosed {@code (} or {@code [} still applies to the rest;
 * {@code BREAK} (a whole word, upper case) becomes a {@link WeightedText#isBreak() break marker}; neighbours of equal
 * weight merge. Weights are float64 products formed in the WebUI's order, so they equal Python's bit for bit.
 */
public final class PromptAttention {
    private PromptAttention() {}

    private static final Pattern TOKEN = Pattern.compile(
            "\\\\\\(|\\\\\\)|\\\\\\[|\\\\]|\\\\\\\\|\\\\|\\(|\\[|:\\s*([+-]?[.\\d]+)\\s*\\)|\\)|]|[^\\\\()\\[\\]:]+|:",
            Pattern.UNICODE_CHARACTER_CLASS);
    /** {@code \s*\bBREAK\b\s*} with Python's word characters (letters, numbers of any kind, '_'). */
    private static final Pattern BREAK = Pattern.compile("\\s*(?<![\\p{L}\\p{N}_])BREAK(?![\\p{L}\\p{N}_])\\s*",
            Pattern.UNICODE_CHARACTER_CLASS | Pattern.DOTALL);

    private static final double ROUND_MULTIPLIER = 1.1;
    private static final double SQUARE_MULTIPLIER = 1 / 1.1;

    /** The prompt as (text, weight) runs; never empty ({@code [("", 1.0)]} for an empty prompt). */
    public static List<WeightedText> parse(String prompt) {
        List<String> texts = new ArrayList<>();
        List<Double> weights = new ArrayList<>();
        List<Integer> round = new ArrayList<>();
        List<Integer> square = new ArrayList<>();

        Matcher m = TOKEN.matcher(prompt);
        while (m.find()) {
            String text = m.group();
            String weight = m.group(1);
            if (text.startsWith("\\")) {
                texts.add(text.substring(1));
                weights.add(1.0);
            } else if (text.equals("(")) {
                round.add(texts.size());
            } else if (text.equals("[")) {
                square.add(texts.size());
            } else if (weight != null && !round.isEmpty()) {
                multiplyFrom(weights, round.removeLast(), parseWeight(weight, prompt));
            } else if (text.equals(")") && !round.isEmpty()) {
                multiplyFrom(weights, round.removeLast(), ROUND_MULTIPLIER);
            } else if (text.equals("]") && !square.isEmpty()) {
                multiplyFrom(weights, square.removeLast(), SQUARE_MULTIPLIER);
            } else {
                String[] parts = BREAK.split(text, -1);
                for (int i = 0; i < parts.length; i++) {
                    if (i > 0) {
                        texts.add(WeightedText.BREAK);
                        weights.add(-1.0);
                    }
                    texts.add(parts[i]);
                    weights.add(1.0);
                }
            }
        }
        // unclosed brackets apply to everything after them, in the order they were opened
        for (int pos : round) multiplyFrom(weights, pos, ROUND_MULTIPLIER);
        for (int pos : square) multiplyFrom(weights, pos, SQUARE_MULTIPLIER);

        if (texts.isEmpty()) {
            texts.add("");
            weights.add(1.0);
        }
        List<WeightedText> out = new ArrayList<>();
        StringBuilder run = new StringBuilder(texts.getFirst());
        double w = weights.getFirst();
        for (int i = 1; i < texts.size(); i++) {
            if (weights.get(i) == w) {
                run.append(texts.get(i));
            } else {
                out.add(new WeightedText(run.toString(), w));
                run.setLength(0);
                run.append(texts.get(i));
                w = weights.get(i);
            }
        }
        out.add(new WeightedText(run.toString(), w));
        return out;
    }

    private static void multiplyFrom(List<Double> weights, int start, double multiplier) {
        for (int p = start; p < weights.size(); p++) weights.set(p, weights.get(p) * multiplier);
    }

    /** Python's {@code float()} of {@code [+-]?[.\d]+}; Unicode decimal digits count, as they do in Python. */
    static double parseWeight(String s, String prompt) {
        StringBuilder ascii = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            ascii.append(Character.isDigit(c) ? (char) ('0' + Character.digit(c, 10)) : c);
        }
        // on [+-]?[.0-9]+ Java and Python agree: "1." and ".5" parse, "." and "1.2.3" do not
        try {
            return Double.parseDouble(ascii.toString());
        } catch (NumberFormatException e) {
            throw new PromptSyntaxException("emphasis weight \"" + s + "\" in prompt \"" + prompt + "\" is not a number; write it like (word:1.2)");
        }
    }
}
