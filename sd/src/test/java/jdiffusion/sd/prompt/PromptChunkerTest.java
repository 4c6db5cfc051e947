package jdiffusion.sd.prompt;

import jdiffusion.sd.clip.ClipTokenizer;
import jdiffusion.tensor.testing.Golden;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Chunking cases worked out from the WebUI's {@code tokenize_line}. */
class PromptChunkerTest {
    private static ClipTokenizer tokenizer;
    private static final int BOS = 49406, EOS = 49407;
    private static final int A = 320, B = 321, COMMA = 267;

    @BeforeAll
    static void load() {
        tokenizer = ClipTokenizer.load(Golden.model("clip-tokenizer-sd1"));
    }

    private static String words(String w, int n) {
        return String.join(" ", java.util.Collections.nCopies(n, w));
    }

    private static int[] window(int... ids) {
        int[] t = new int[77];
        Arrays.fill(t, EOS);
        t[0] = BOS;
        System.arraycopy(ids, 0, t, 1, ids.length);
        return t;
    }

    private static int[] repeat(int id, int n) { return IntStream.range(0, n).map(i -> id).toArray(); }

    private static int[] concat(int[]... parts) {
        return Arrays.stream(parts).flatMapToInt(Arrays::stream).toArray();
    }

    @Test
    void shortPromptIsOneWindowEqualToThePaddedEncoding() {
        String prompt = "a photo of an astronaut riding a horse on mars";
        ChunkedPrompt c = new PromptChunker(tokenizer).chunk(prompt);
        assertEquals(1, c.chunks().size());
        assertArrayEquals(tokenizer.encodePadded(prompt), c.chunks().getFirst().tokens());
        assertEquals(tokenizer.encode(prompt).length, c.tokenCount());
        for (double m : c.chunks().getFirst().multipliers()) assertEquals(1.0, m);
    }

    @Test
    void emphasisWeightsFollowTheirTokens() {
        ChunkedPrompt c = new PromptChunker(tokenizer).chunk("(masterpiece:1.3), a [small] cottage, ((forest))");
        PromptChunk ch = c.chunks().getFirst();
        int[] expectIds = concat(tokenizer.encode("masterpiece"), tokenizer.encode(", a "), tokenizer.encode("small"),
                tokenizer.encode(" cottage, "), tokenizer.encode("forest"));
        assertArrayEquals(window(expectIds), ch.tokens());
        double[] m = ch.multipliers();
        assertEquals(1.3, m[1]);
        assertEquals(1.0, m[2]); // ","
        assertEquals(1 / 1.1, m[4]); // small
        assertEquals(1.1 * 1.1, m[7], 0.0); // forest: the two products in the WebUI's order
        assertEquals(1.0, m[8]); // EOS padding
        assertEquals(7, c.tokenCount());
    }

    @Test
    void longPromptSpillsIntoASecondWindowOf75() {
        ChunkedPrompt c = new PromptChunker(tokenizer).chunk(words("a", 80));
        assertEquals(2, c.chunks().size());
        assertArrayEquals(window(repeat(A, 75)), c.chunks().get(0).tokens());
        assertArrayEquals(window(repeat(A, 5)), c.chunks().get(1).tokens());
        assertEquals(80, c.tokenCount());
    }

    @Test
    void exactly75TokensStayInOneWindow() {
        ChunkedPrompt c = new PromptChunker(tokenizer).chunk(words("a", 75));
        assertEquals(1, c.chunks().size());
        assertEquals(75, c.tokenCount());
        assertArrayEquals(window(repeat(A, 75)), c.chunks().getFirst().tokens());
    }

    @Test
    void commaWithinLast20TokensMovesTheRestToTheNextWindow() {
        // 60 "a", a comma at index 60, then 30 "b": the window fills at 75 with the comma 15 back, so it closes after the comma
        ChunkedPrompt c = new PromptChunker(tokenizer).chunk(words("a", 60) + ", " + words("b", 30));
        assertEquals(2, c.chunks().size());
        assertArrayEquals(window(concat(repeat(A, 60), new int[]{COMMA})), c.chunks().get(0).tokens());
        assertArrayEquals(window(repeat(B, 30)), c.chunks().get(1).tokens());
        assertEquals(75 + 30, c.tokenCount());
    }

    @Test
    void commaFurtherBackThan20DoesNotMoveTokens() {
        ChunkedPrompt c = new PromptChunker(tokenizer).chunk(words("a", 50) + ", " + words("b", 40));
        assertArrayEquals(window(concat(repeat(A, 50), new int[]{COMMA}, repeat(B, 24))), c.chunks().get(0).tokens());
        assertArrayEquals(window(repeat(B, 16)), c.chunks().get(1).tokens());
    }

    @Test
    void commaBacktrackZeroDisablesTheBackOff() {
        ChunkedPrompt c = new PromptChunker(tokenizer, EmbeddingLookup.NONE, 0, true).chunk(words("a", 60) + ", " + words("b", 30));
        assertArrayEquals(window(concat(repeat(A, 60), new int[]{COMMA}, repeat(B, 14))), c.chunks().get(0).tokens());
        assertArrayEquals(window(repeat(B, 16)), c.chunks().get(1).tokens());
    }

    @Test
    void movedTokensKeepTheirWeights() {
        ChunkedPrompt c = new PromptChunker(tokenizer).chunk(words("a", 60) + ", (" + words("b", 30) + ":1.5)");
        PromptChunk second = c.chunks().get(1);
        for (int i = 1; i <= 30; i++) assertEquals(1.5, second.multipliers()[i]);
        assertEquals(1.0, second.multipliers()[31]);
        assertEquals(1.0, c.chunks().get(0).multipliers()[62]); // padding after the comma
    }

    @Test
    void breakStartsANewWindow() {
        ChunkedPrompt c = new PromptChunker(tokenizer).chunk("a BREAK b");
        assertEquals(2, c.chunks().size());
        assertArrayEquals(window(A), c.chunks().get(0).tokens());
        assertArrayEquals(window(B), c.chunks().get(1).tokens());
        assertEquals(76, c.tokenCount());
    }

    @Test
    void breakAtTheEndLeavesOnlyTheClosedWindow() {
        // "a BREAK" parses to a, BREAK, "": the empty tail adds no tokens, so no window follows
        ChunkedPrompt c = new PromptChunker(tokenizer).chunk("a BREAK");
        assertEquals(1, c.chunks().size());
        assertEquals(75, c.tokenCount());
    }

    @Test
    void emptyPromptIsOneWindowOfPadding() {
        ChunkedPrompt c = new PromptChunker(tokenizer).chunk("");
        assertEquals(1, c.chunks().size());
        assertArrayEquals(window(), c.chunks().getFirst().tokens());
        assertArrayEquals(new PromptChunker(tokenizer).emptyChunk().tokens(), c.chunks().getFirst().tokens());
        assertEquals(0, c.tokenCount());
    }

    @Test
    void emphasisNoneTreatsBracketsAndBreakAsText() {
        ChunkedPrompt c = new PromptChunker(tokenizer, EmbeddingLookup.NONE, 20, false).chunk("(a) BREAK b");
        assertEquals(1, c.chunks().size());
        assertArrayEquals(window(tokenizer.encode("(a) BREAK b")), c.chunks().getFirst().tokens());
    }

    @Test
    void embeddingTriggerBecomesPlaceholderSlotsAsInTheTextualInversionGolden() {
        int[] trigger = tokenizer.encode("tinyemb");
        assertArrayEquals(new int[]{1310, 693, 3996}, trigger);
        EmbeddingLookup lookup = (ids, pos) -> pos + 3 <= ids.length && ids[pos] == 1310 && ids[pos + 1] == 693 && ids[pos + 2] == 3996
                ? new EmbeddingLookup.Match("tinyemb", 2, 3) : null;
        PromptChunker chunker = new PromptChunker(tokenizer, lookup, 20, true);
        for (int i = 0; i < 3; i++) {
            try (Golden.Case g = Golden.open("embeddings/tiny-sd15_ti_" + i)) {
                String prompt = (String) g.json().get("prompt");
                ChunkedPrompt c = chunker.chunk(prompt);
                long[] want = g.tensor("input_ids_a1111").toLongArray();
                int[] got = c.chunks().getFirst().tokens();
                assertArrayEquals(Arrays.stream(want).mapToInt(x -> (int) x).toArray(), got, prompt);
                for (PromptChunk.Placement p : c.chunks().getFirst().embeddings()) {
                    assertEquals(0, got[p.index()]);
                    assertEquals(0, got[p.index() + 1]);
                    assertEquals("tinyemb", p.embedding().name());
                }
            }
        }
    }

    @Test
    void embeddingNeverStraddlesTwoWindows() {
        EmbeddingLookup lookup = (ids, pos) -> ids[pos] == B ? new EmbeddingLookup.Match("wide", 4, 1) : null;
        ChunkedPrompt c = new PromptChunker(tokenizer, lookup, 20, true).chunk(words("a", 73) + " b");
        assertEquals(2, c.chunks().size());
        assertArrayEquals(window(repeat(A, 73)), c.chunks().get(0).tokens());
        assertArrayEquals(window(0, 0, 0, 0), c.chunks().get(1).tokens());
        assertEquals(List.of(new PromptChunk.Placement(1, new EmbeddingLookup.Match("wide", 4, 1))), c.chunks().get(1).embeddings());
        assertTrue(c.chunks().get(0).embeddings().isEmpty());
    }

    @Test
    void sd2PaddingReplacesEverythingAfterTheFirstEos() {
        PromptChunk ch = new PromptChunker(tokenizer).chunk("a b").chunks().getFirst();
        int[] padded = ch.tokensPaddedWith(0, EOS);
        assertArrayEquals(new int[]{BOS, A, B, EOS, 0, 0}, Arrays.copyOf(padded, 6));
        assertEquals(0, padded[76]);
    }

    @Test
    void registeredEmbeddingNamesAreFoundLongestFirst() {
        EmbeddingTriggers triggers = new EmbeddingTriggers(tokenizer).add("tinyemb", 2).add("tiny", 1).add("tinyemb", 5);
        int[] ids = tokenizer.encode("a tinyemb, tiny tinyem");
        EmbeddingLookup.Match m = triggers.find(ids, 1);
        assertEquals(new EmbeddingLookup.Match("tinyemb", 2, 3), m, "equal lengths keep registration order");
        assertEquals(new EmbeddingLookup.Match("tiny", 1, 1), triggers.find(ids, 5));
        assertEquals(null, triggers.find(ids, 0));
        ChunkedPrompt c = new PromptChunker(tokenizer, triggers, 20, true).chunk("(tinyemb:1.0) riding a horse tinyemb");
        try (Golden.Case g = Golden.open("embeddings/tiny-sd15_ti_2")) {
            assertArrayEquals(Arrays.stream(g.tensor("input_ids_a1111").toLongArray()).mapToInt(x -> (int) x).toArray(), c.chunks().getFirst().tokens());
        }
        assertEquals(List.of(1, 6), c.chunks().getFirst().embeddings().stream().map(PromptChunk.Placement::index).toList());
    }
}
