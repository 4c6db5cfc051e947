package jdiffusion.sd.clip;

import jdiffusion.tensor.testing.Golden;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClipTokenizerFolderTest {
    @TempDir Path tmp;

    private static void copyTokenizer(Path to) throws IOException {
        Files.createDirectories(to);
        for (String f : new String[]{"vocab.json", "merges.txt"})
            Files.copy(Golden.model("clip-tokenizer-sd1").resolve(f), to.resolve(f));
    }

    @Test
    void folderWithoutMergesIsAnErrorNamingTheFolderAndWhereTokenizersComeFrom() throws IOException {
        Files.copy(Golden.model("clip-tokenizer-sd1/vocab.json"), tmp.resolve("vocab.json"));
        ClipTokenizerException e = assertThrows(ClipTokenizerException.class, () -> ClipTokenizer.load(tmp));
        assertTrue(e.getMessage().contains(tmp.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("merges.txt"), e.getMessage());
        assertTrue(e.getMessage().contains("--tokenizer"), e.getMessage());
        assertTrue(e.getMessage().contains("ships in the jar"), e.getMessage());
        assertTrue(e.getMessage().contains("tokenizer/"), e.getMessage());
    }

    @Test
    void folderWithoutVocabIsAnError() throws IOException {
        Files.copy(Golden.model("clip-tokenizer-sd1/merges.txt"), tmp.resolve("merges.txt"));
        ClipTokenizerException e = assertThrows(ClipTokenizerException.class, () -> ClipTokenizer.load(tmp));
        assertTrue(e.getMessage().contains("vocab.json"), e.getMessage());
    }

    @Test
    void malformedVocabIsAnErrorNamingTheFile() throws IOException {
        Files.copy(Golden.model("clip-tokenizer-sd1/merges.txt"), tmp.resolve("merges.txt"));
        Files.writeString(tmp.resolve("vocab.json"), "[1, 2");
        ClipTokenizerException e = assertThrows(ClipTokenizerException.class, () -> ClipTokenizer.load(tmp));
        assertTrue(e.getMessage().contains(tmp.resolve("vocab.json").toString()), e.getMessage());
    }

    @Test
    void missingFolderIsAnError() {
        assertThrows(ClipTokenizerException.class, () -> ClipTokenizer.load(tmp.resolve("nope")));
    }

    @Test
    void folderWithoutConfigPadsWithEos() throws IOException {
        copyTokenizer(tmp);
        ClipTokenizer t = ClipTokenizer.load(tmp);
        assertEquals(49407, t.padId());
        assertEquals(267, t.commaId());
    }

    @Test
    void padTokenComesFromTokenizerConfigWhenNoSpecialTokensMap() throws IOException {
        copyTokenizer(tmp);
        Files.writeString(tmp.resolve("tokenizer_config.json"), "{\"pad_token\": {\"content\": \"!\", \"special\": true}}");
        assertEquals(0, ClipTokenizer.load(tmp).padId());
    }

    @Test
    void encodePaddedTruncatesKeepingTheFinalEos() {
        ClipTokenizer t = ClipTokenizer.load(Golden.model("clip-tokenizer-sd1"));
        int[] ids = t.encodePadded("a ".repeat(100), 77, 49407);
        assertEquals(77, ids.length);
        assertEquals(49406, ids[0]);
        assertEquals(320, ids[75]);
        assertEquals(49407, ids[76]);
        assertArrayEquals(new int[]{49406, 320, 49407, 7, 7}, t.encodePadded("a", 5, 7));
    }

    @Test
    void vocabLooksUpBothWays() {
        ClipTokenizer t = ClipTokenizer.load(Golden.model("clip-tokenizer-sd1"));
        assertEquals(49408, t.vocab().size());
        assertEquals(320, t.vocab().id("a</w>").orElseThrow());
        assertEquals("a</w>", t.vocab().token(320));
        assertEquals("<|endoftext|>", t.token(49407));
        assertFalse(t.vocab().id("no such token").isPresent());
        assertNull(t.vocab().token(49408));
        assertNull(t.vocab().token(-1));
    }

    @Test
    void literalSpecialTokensAreCutOutBeforeCleanUp() {
        ClipTokenizer t = ClipTokenizer.load(Golden.model("clip-tokenizer-sd1"));
        // the '<' of the special token must not switch off entity decoding for the text beside it
        assertArrayEquals(t.encode("&"), java.util.Arrays.copyOf(t.encode("&amp;<|endoftext|>"), 1));
        assertEquals(49407, t.encode("&amp;<|endoftext|>")[1]);
    }

    @Test
    void locatePrefersTheExplicitPath() throws IOException {
        Path explicit = tmp.resolve("explicit");
        copyTokenizer(explicit);
        Path model = tmp.resolve("model");
        copyTokenizer(model.resolve("tokenizer"));
        assertEquals(explicit, ClipTokenizer.locate(explicit, model));
        assertEquals(model.resolve("tokenizer"), ClipTokenizer.locate(model, null), "an explicit diffusers folder means its tokenizer/");
    }

    @Test
    void locateUsesTheDiffusersTokenizerElseNone() throws IOException {
        Path model = tmp.resolve("model");
        copyTokenizer(model.resolve("tokenizer"));
        assertEquals(model.resolve("tokenizer"), ClipTokenizer.locate(null, model));
        assertNull(ClipTokenizer.locate(null, tmp.resolve("bare-model")));
        assertNull(ClipTokenizer.locate(null, null));
    }

    @Test
    void aBadExplicitTokenizerIsAnErrorNamingIt() {
        ClipTokenizerException bad = assertThrows(ClipTokenizerException.class, () -> ClipTokenizer.locate(tmp.resolve("x"), null));
        assertTrue(bad.getMessage().contains("--tokenizer " + tmp.resolve("x")), bad.getMessage());
        assertThrows(ClipTokenizerException.class, () -> ClipTokenizer.forModel(tmp.resolve("x"), null, 49407));
    }

    @Test
    void forModelPrefersTheExplicitThenTheModelsOwnThenTheBundledTokenizer() throws IOException {
        Path explicit = tmp.resolve("explicit");
        copyTokenizer(explicit);
        Path model = tmp.resolve("model");
        copyTokenizer(model.resolve("tokenizer"));
        assertEquals(explicit, ClipTokenizer.forModel(explicit, model, 0).folder());
        assertEquals(model.resolve("tokenizer"), ClipTokenizer.forModel(null, model, 0).folder());
        ClipTokenizer bundled = ClipTokenizer.forModel(null, tmp.resolve("bare"), 0);
        assertNull(bundled.folder());
        assertEquals(0, bundled.padId());
    }

    @Test
    void decodeReadsTokensBackAsText() {
        ClipTokenizer t = ClipTokenizer.load(Golden.model("clip-tokenizer-sd1"));
        assertEquals("a photo of café 東京 🚀", t.decode(t.encode("A photo of café 東京 🚀")));
        assertEquals("<|startoftext|>hi <|endoftext|>", t.decode(new int[]{49406, t.encode("hi")[0], 49407}));
    }

    @Test
    void sd2FolderSplitsItsPadTokenExclamationLikeHuggingFace() {
        ClipTokenizer sd1 = ClipTokenizer.load(Golden.model("clip-tokenizer-sd1"));
        ClipTokenizer sd2 = ClipTokenizer.load(Golden.model("clip-tokenizer-sd2"));
        int wow = sd1.encode("wow")[0];
        assertArrayEquals(new int[]{wow, 256}, sd1.encode("wow!"), "\"!</w>\" is 256 in plain BPE");
        assertArrayEquals(new int[]{wow, 0}, sd2.encode("wow!"), "HF turns the added token \"!\" into its id 0");
        assertArrayEquals(new int[]{wow, 0, 0, 0}, sd2.encode("wow!!!"));
        assertEquals(java.util.List.of("wow</w>", "!"), sd2.tokenize("wow!"));
        // diffusers issue #4153: HF gives six 0s here, open_clip 256 748 995
        assertArrayEquals(new int[]{0, 0, 0, 0, 0, 0}, sd2.encode("! !! !!!"));
        assertArrayEquals(new int[]{256, 748, 995}, sd2.withFlavor(ClipTokenizer.Flavor.OPEN_CLIP).encode("! !! !!!"));
    }

    @Test
    void openClipFlavorMatchesTheWebUiSd2Tokenizer() {
        ClipTokenizer sd1 = ClipTokenizer.load(Golden.model("clip-tokenizer-sd1"));
        ClipTokenizer open = ClipTokenizer.load(Golden.model("clip-tokenizer-sd2")).withFlavor(ClipTokenizer.Flavor.OPEN_CLIP);
        assertEquals(ClipTokenizer.Flavor.OPEN_CLIP, open.flavor());
        assertEquals(0, open.padId());
        assertArrayEquals(sd1.encode("wow!!!"), open.encode("wow!!!"));
        // html.unescape twice after ftfy
        assertArrayEquals(sd1.encode("<3"), open.encode("&amp;lt;3"));
        assertArrayEquals(sd1.encode("&lt;3"), sd1.encode("&amp;lt;3"));
        // open_clip's literal specials
        assertArrayEquals(new int[]{49406, 320, 49407}, open.encode("<start_of_text>a<end_of_text>"));
        assertArrayEquals(sd1.encode("<| endoftext |>"), open.encode("<|endoftext|>"));
        assertEquals(open, open.withFlavor(ClipTokenizer.Flavor.OPEN_CLIP));
    }
}
