package jdiffusion.sd.prompt;

/**
 * A run of prompt text with its emphasis multiplier, as the WebUI's {@code parse_prompt_attention} returns it.
 * A {@code BREAK} is the text {@code "BREAK"} with weight -1 (times any enclosing explicit weight, as in the WebUI).
 */
public record WeightedText(String text, double weight) {
    public static final String BREAK = "BREAK";

    /** True for the marker the chunker turns into a chunk boundary (the WebUI tests exactly "BREAK" and -1). */
    public boolean isBreak() { return text.equals(BREAK) && weight == -1; }
}
