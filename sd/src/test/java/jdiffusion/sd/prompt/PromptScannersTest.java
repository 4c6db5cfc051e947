package jdiffusion.sd.prompt;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The hand-written scanners that replaced regexes with quadratic backtracking give what those regexes (the WebUI's,
 * in Java) give, on many random short texts built from the characters that matter to them.
 */
class PromptScannersTest {
    private static final Pattern BREAK = Pattern.compile("\\s*(?<![\\p{L}\\p{N}_])BREAK(?![\\p{L}\\p{N}_])\\s*",
            Pattern.UNICODE_CHARACTER_CLASS | Pattern.DOTALL);
    private static final Pattern TAG = Pattern.compile("<([\\p{L}\\p{N}_]+):([^>]+)>");
    private static final Pattern WEIGHT = Pattern.compile("^(.*?)(?:\\s*:\\s*([-+]?(?:\\d+\\.?|\\d*\\.\\d+)))?\\s*$",
            Pattern.UNICODE_CHARACTER_CLASS | Pattern.DOTALL | Pattern.UNIX_LINES);
    private static final Pattern SPACE = Pattern.compile("\\s", Pattern.UNICODE_CHARACTER_CLASS);
    private static final Pattern WORD = Pattern.compile("[\\p{L}\\p{N}_]");

    private static final String[] PIECES = {"a", "B", "BREAK", "AND", "lora", "_", "é", "\u0663", "\u00bd", " ", "  ", "\t",
            "\n", "\u00a0", "\u2003", "\u3000", ":", "<", ">", "1", "0.5", ".", "-", "+", "(", ")", "\uD83D\uDE00", "x7"};

    private static String random(Random r) {
        StringBuilder b = new StringBuilder();
        int n = r.nextInt(12);
        for (int i = 0; i < n; i++) b.append(PIECES[r.nextInt(PIECES.length)]);
        return b.toString();
    }

    @Test
    void characterClassesEqualTheRegexOnes() {
        for (int cp = 0; cp <= 0x10FFFF; cp++) {
            String s = Character.toString(cp);
            assertEquals(SPACE.matcher(s).matches(), PromptText.isSpace(cp), "space " + Integer.toHexString(cp));
            assertEquals(WORD.matcher(s).matches(), PromptText.isWord(cp), "word " + Integer.toHexString(cp));
        }
    }

    @Test
    void breakSplitEqualsTheRegex() {
        Random r = new Random(1);
        for (int i = 0; i < 50_000; i++) {
            String s = random(r);
            assertEquals(Arrays.asList(BREAK.split(s, -1)), PromptAttention.splitAtBreaks(s), s);
        }
    }

    @Test
    void tagsEqualTheRegex() {
        Random r = new Random(2);
        for (int i = 0; i < 50_000; i++) {
            String s = random(r);
            Matcher m = TAG.matcher(s);
            StringBuilder rest = new StringBuilder();
            List<String> tags = new ArrayList<>();
            while (m.find()) {
                tags.add(m.group(1) + "=" + m.group(2));
                m.appendReplacement(rest, "");
            }
            m.appendTail(rest);
            ExtraNetworks.Parsed p = ExtraNetworks.parse(s);
            List<String> got = new ArrayList<>();
            p.networks().forEach((type, list) -> list.forEach(params -> got.add(type + "=" + String.join(":", params.items()))));
            assertEquals(rest.toString(), p.prompt(), s);
            List<String> want = new ArrayList<>();
            for (String type : p.networks().keySet()) for (String t : tags) if (t.startsWith(type + "=")) want.add(t);
            assertEquals(tags.size(), got.size(), s);
            assertEquals(want, got, s);
        }
    }

    @Test
    void weightSplitEqualsTheRegex() {
        Random r = new Random(3);
        int weighted = 0;
        for (int i = 0; i < 100_000; i++) {
            String s = random(r).replace("AND", "and");
            Matcher m = WEIGHT.matcher(s);
            assertTrue(m.find());
            double want = m.group(2) == null ? 1.0 : PromptAttention.parseWeight(m.group(2), s);
            if (m.group(2) != null) weighted++;
            assertEquals(List.of(new CompositePrompt.WeightedPrompt(m.group(1), want)), CompositePrompt.split(s), s);
        }
        assertTrue(weighted > 500, "the cases exercise weights: " + weighted);
    }
}
