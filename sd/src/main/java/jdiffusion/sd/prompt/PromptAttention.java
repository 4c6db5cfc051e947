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

    private static final double ROUND_MULTIPLIER = 1.1;
    private static final double SQUARE_MULTIPLIER = 1 / 1.1;

    /** The prompt as (text, weight) runs; never empty ({@code [("", 1.0)]} for an empty prompt). */
    public static List<WeightedText> parse(String prompt) {
        List<String> texts = new ArrayList<>();
        Weights weights = new Weights();
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
                weights.multiplyFrom(round.removeLast(), parseWeight(weight, prompt));
            } else if (text.equals(")") && !round.isEmpty()) {
                weights.multiplyFrom(round.removeLast(), ROUND_MULTIPLIER);
            } else if (text.equals("]") && !square.isEmpty()) {
                weights.multiplyFrom(square.removeLast(), SQUARE_MULTIPLIER);
            } else {
                List<String> parts = splitAtBreaks(text);
                for (int i = 0; i < parts.size(); i++) {
                    if (i > 0) {
                        texts.add(WeightedText.BREAK);
                        weights.add(-1.0);
                    }
                    texts.add(parts.get(i));
                    weights.add(1.0);
                }
            }
        }
        // unclosed brackets apply to everything after them, in the order they were opened
        for (int pos : round) weights.multiplyFrom(pos, ROUND_MULTIPLIER);
        for (int pos : square) weights.multiplyFrom(pos, SQUARE_MULTIPLIER);

        if (texts.isEmpty()) {
            texts.add("");
            weights.add(1.0);
        }
        List<WeightedText> out = new ArrayList<>();
        StringBuilder run = new StringBuilder(texts.getFirst());
        double w = weights.get(0);
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

    /**
     * {@code re.split(r"\s*\bBREAK\b\s*", text)}, scanning each space once (the regex retries a long run of spaces
     * from each of its positions).
     */
    static List<String> splitAtBreaks(String text) {
        List<String> parts = new ArrayList<>();
        int from = 0;
        for (int b = text.indexOf(WeightedText.BREAK); b >= 0; b = text.indexOf(WeightedText.BREAK, b + 1)) {
            if (!PromptText.wholeWordAt(text, b, WeightedText.BREAK)) continue;
            parts.add(text.substring(from, PromptText.spacesBefore(text, b, from)));
            from = PromptText.spacesAfter(text, b + WeightedText.BREAK.length());
            b = from - 1;
        }
        parts.add(text.substring(from));
        return parts;
    }

    /**
     * The weights of the texts so far. Primitive, because a closing bracket multiplies every weight since its
     * opening one, one at a time in the WebUI's order (the products must be Python's): quadratic in the nesting, so
     * a long prompt of unclosed brackets is many multiplications that must stay cheap.
     */
    private static final class Weights {
        private double[] w = new double[16];
        private int size;

        void add(double v) {
            if (size == w.length) w = java.util.Arrays.copyOf(w, size * 2);
            w[size++] = v;
        }

        double get(int i) { return w[i]; }

        int size() { return size; }

        void multiplyFrom(int start, double multiplier) {
            for (int p = start; p < size; p++) w[p] *= multiplier;
        }
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
