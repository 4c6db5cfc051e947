package jdiffusion.sd.image;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The hand scanner of the parameter line equals the WebUI's {@code re_param} regex on short texts, and takes a long
 * quoted value (the regex overflowed the stack: a fuzz-suite find).
 */
class InfoTextPairsTest {
    private static final Pattern PARAM = Pattern.compile("\\s*(\\w[\\w \\-/]+):\\s*(\"(?:\\\\.|[^\\\\\"])+\"|[^,]*)(?:,|$)");
    private static final String[] PIECES = {"a", "Steps", " ", ":", ",", "\"", "\\", "-", "/", "\t", "\n", "\r", "x y", "1", "\u00e9", "\u2028", "\"a, b\"", "\\\""};

    @Test
    void pairsEqualTheRegex() {
        Random r = new Random(7);
        for (int i = 0; i < 200_000; i++) {
            StringBuilder b = new StringBuilder();
            for (int k = r.nextInt(14); k > 0; k--) b.append(PIECES[r.nextInt(PIECES.length)]);
            String line = b.toString();
            List<String> want = new ArrayList<>();
            Matcher m = PARAM.matcher(line);
            while (m.find()) want.add(m.group(1) + "=" + m.group(2));
            List<String> got = new ArrayList<>();
            for (String[] kv : InfoText.pairs(line)) got.add(kv[0] + "=" + kv[1]);
            assertEquals(want, got, line);
        }
    }

    @Test
    void aLongQuotedValueParses() {
        String value = "\"" + "detail: 1234, ".repeat(20_000) + "\\\"x\"";
        InfoText t = InfoText.parse("p\nSteps: 20, Sampler: Euler, Lora hashes: " + value + ", Seed: 1");
        assertEquals("1", t.get("Seed"));
        assertEquals(20_000 * 14 + 2, t.get("Lora hashes").length());
    }
}
