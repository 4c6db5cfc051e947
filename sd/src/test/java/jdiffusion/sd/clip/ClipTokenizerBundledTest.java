package jdiffusion.sd.clip;

import jdiffusion.tensor.json.Json;
import jdiffusion.tensor.testing.Golden;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** CLIP's vocabulary shipped in the jar is the tokenizer folders' own, and tokenizes as they do. */
class ClipTokenizerBundledTest {
    private static final List<String> PROMPTS = List.of(
            "a photo of an astronaut riding a horse on mars",
            "masterpiece, (a castle:1.2) at dusk, café 東京 🚀, DON'T   stop!!! 123 &amp; <|endoftext|> x",
            "");

    @Test
    void theShippedMergesAreTheSd1FoldersMergesTxt() throws IOException {
        Path folder = Golden.model("clip-tokenizer-sd1");
        try (InputStream in = ClipTokenizer.class.getResourceAsStream("bpe-merges.txt.gz")) {
            assertNotNull(in, "bpe-merges.txt.gz is on the class path");
            assertEquals(Files.readString(folder.resolve("merges.txt")), new String(new GZIPInputStream(in).readAllBytes(), StandardCharsets.UTF_8));
        }
        try (InputStream notice = ClipTokenizer.class.getResourceAsStream("NOTICE")) {
            assertNotNull(notice, "the MIT licence notice ships beside the merges");
            String text = new String(notice.readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(text.contains("MIT License") && text.contains("Copyright (c) 2021 OpenAI"), text);
        }
    }

    @Test
    void theDerivedVocabularyIsVocabJson() throws IOException {
        Map<String, Integer> expected = new HashMap<>();
        for (var e : Json.parseObject(Files.readString(Golden.model("clip-tokenizer-sd1").resolve("vocab.json"))).entrySet())
            expected.put(e.getKey(), (int) (long) (Long) e.getValue());
        assertEquals(49408, expected.size());
        assertEquals(expected, ClipTokenizer.bundled(49407).vocab().asMap());
    }

    @Test
    void encodesAsTheSd1Folder() {
        ClipTokenizer folder = ClipTokenizer.load(Golden.model("clip-tokenizer-sd1"));
        ClipTokenizer bundled = ClipTokenizer.bundled(49407);
        assertNull(bundled.folder());
        assertEquals(folder.padId(), bundled.padId());
        assertEquals(folder.bosId(), bundled.bosId());
        assertEquals(folder.eosId(), bundled.eosId());
        assertEquals(folder.commaId(), bundled.commaId());
        for (String p : PROMPTS) {
            assertArrayEquals(folder.encodePadded(p), bundled.encodePadded(p), p);
            assertEquals(folder.tokenize(p), bundled.tokenize(p), p);
        }
    }

    @Test
    void openClipPaddingIsConfigOverTheSameVocabulary() {
        // SD2's folder differs from SD1's only in its pad token "!" (id 0), which HF also splits out of the text;
        // open_clip (the WebUI) pads with 0 and splits nothing, which the bundled tokenizer with pad id 0 does
        ClipTokenizer sd2 = ClipTokenizer.load(Golden.model("clip-tokenizer-sd2"));
        ClipTokenizer bundled = ClipTokenizer.bundled(ClipTextConfig.sd2().padTokenId());
        assertEquals(0, bundled.padId());
        assertEquals(sd2.vocab().asMap(), bundled.vocab().asMap());
        assertArrayEquals(sd2.encodePadded("a photo of a cat"), bundled.encodePadded("a photo of a cat"));
        assertArrayEquals(sd2.withFlavor(ClipTokenizer.Flavor.OPEN_CLIP).encode("wow! !! !!!"), bundled.encode("wow! !! !!!"));
    }

    @Test
    void aPadIdOutsideTheVocabularyIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> ClipTokenizer.bundled(49408));
        assertThrows(IllegalArgumentException.class, () -> ClipTokenizer.bundled(-1));
    }
}
