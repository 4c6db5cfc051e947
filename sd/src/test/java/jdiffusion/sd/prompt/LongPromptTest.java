package jdiffusion.sd.prompt;

import jdiffusion.sd.clip.ClipTokenizer;
import jdiffusion.tensor.testing.Golden;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Prompts of 100,000 characters in every shape go through the whole prompt language (editing, emphasis, AND,
 * extra-network tags, chunking) without exhausting the stack: a prompt is user text of any length.
 */
class LongPromptTest {
    static final int LENGTH = 100_000;
    private static ClipTokenizer tokenizer;

    @BeforeAll
    static void load() {
        tokenizer = ClipTokenizer.load(Golden.model("clip-tokenizer-sd1"));
    }

    /** {@code unit} repeated to {@link #LENGTH} characters. */
    static String fill(String unit) {
        return unit.repeat(LENGTH / unit.length() + 1).substring(0, LENGTH);
    }

    static String nest(String open, String middle, String close) {
        int k = (LENGTH - middle.length()) / (open.length() + close.length());
        return open.repeat(k) + middle + close.repeat(k);
    }

    /** Named prompts of every shape: plain, nested, escaped, unbalanced. */
    static Map<String, String> shapes() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("plain words", fill("a photo of a cat, "));
        m.put("one long word", fill("a"));
        m.put("spaces", "a" + " ".repeat(LENGTH - 2) + "b");
        m.put("newlines", fill("cat\n"));
        m.put("nested round", nest("(", "cat", ")"));
        m.put("nested weighted", nest("(", "cat", ":1.1)"));
        m.put("nested square", nest("[", "cat", "]"));
        m.put("nested edits", nest("[a:", "b", ":0.5]"));
        m.put("nested alternations", nest("[a|", "b", "]"));
        m.put("sequential edits", fill("[cat:dog:3] "));
        m.put("sequential alternations", fill("[cat|dog] "));
        m.put("escaped brackets", fill("\\(\\[\\)\\]"));
        m.put("escaped backslashes", fill("\\\\"));
        m.put("unbalanced open round", fill("("));
        m.put("unbalanced open square", fill("["));
        m.put("unbalanced close", fill(")]"));
        m.put("unclosed edits", fill("[a:"));
        m.put("colons", fill(":"));
        m.put("pipes", fill("|"));
        m.put("escaped then open", fill("[\\[\\[(a)"));
        m.put("weights", fill("(cat:1.2) "));
        m.put("AND", fill("cat AND dog :0.5 "));
        m.put("unclosed tag", fill("<lora:"));
        m.put("emoji", fill("\uD83D\uDE00 \u00e9t\u00e9 "));
        return m;
    }

    static Stream<String> shapeNames() { return shapes().keySet().stream(); }

    @ParameterizedTest
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    @MethodSource("shapeNames")
    void everyStepOfThePromptLanguageTakesIt(String shape) {
        String prompt = shapes().get(shape);
        long t0 = System.nanoTime();
        assertTrue(prompt.length() >= LENGTH - 10, shape);
        List<ScheduledText> schedule = PromptSchedules.of(prompt, 20);
        assertEquals(20, schedule.getLast().endStep(), shape);
        PromptChunker chunker = new PromptChunker(tokenizer);
        for (ScheduledText t : schedule.size() > 3 ? schedule.subList(0, 3) : schedule) {
            ExtraNetworks.Parsed parsed = ExtraNetworks.parse(t.text());
            for (CompositePrompt.WeightedPrompt sub : CompositePrompt.split(parsed.prompt())) {
                PromptAttention.parse(sub.text());
                chunker.chunk(sub.text());
            }
        }
        System.err.printf("100k-char prompt, %s: %d ms%n", shape, (System.nanoTime() - t0) / 1_000_000);
    }

    @Test
    void deepNestingKeepsItsMeaning() {
        int k = 30_000;
        String edits = "[a:".repeat(k) + "b" + ":0.5]".repeat(k);
        List<ScheduledText> s = PromptSchedules.of(edits, 20);
        // the outer [a:X:0.5] shows "a" first; every inner edit has switched to its "after" by then: b
        assertEquals(List.of(new ScheduledText(10, "a"), new ScheduledText(20, "b")), s);
        String round = "(".repeat(k) + "cat" + ")".repeat(k);
        assertTrue(List.of(new ScheduledText(20, round)).equals(PromptSchedules.of(round, 20)), "emphasis is kept verbatim");
        List<ScheduledText> alt = PromptSchedules.of("[a|".repeat(k) + "b" + "]".repeat(k), 2);
        assertEquals("a", alt.get(0).text());
        assertEquals("b".repeat(1), alt.get(1).text().substring(alt.get(1).text().length() - 1));
    }
}
