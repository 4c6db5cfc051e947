package jdiffusion.sd.clip;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Expected values follow ftfy 6.1's fixers (fix_text defaults) and Python's str methods. */
class TextFixerTest {

    @Test
    void htmlEntitiesDecodeUnlessTheLineHoldsMarkup() {
        assertEquals("a & b < c \"d\" é", TextFixer.fixText("a &amp; b &lt; c &quot;d&quot; &eacute;"));
        assertEquals("<b> &amp;", TextFixer.fixText("<b> &amp;"));
        // a line with '<' switches decoding off for the rest of the text, not for the lines before it
        assertEquals("& x\n<i> &amp;\n&amp;", TextFixer.fixText("&amp; x\n<i> &amp;\n&amp;"));
    }

    @Test
    void numericReferencesDecodeLikePythonHtmlUnescape() {
        assertEquals("A A €", TextFixer.fixText("&#65; &#x41; &#128;"));
        assertEquals("\ufffd", TextFixer.fixText("&#0;"));
        assertEquals("&#12ab;", TextFixer.fixText("&#12ab;"));
        assertEquals("&bogus;", TextFixer.fixText("&bogus;"));
        assertEquals("&amp", TextFixer.fixText("&amp"), "ftfy only decodes entities that end in ';'");
    }

    @Test
    void upperCasedEntityNamesDecodeToUpperCase() {
        assertEquals("É", TextFixer.fixText("&EACUTE;"));
    }

    @Test
    void ligaturesWidthAndQuotesAreNormalised() {
        assertEquals("fi ffl IJ dž", TextFixer.fixText("\ufb01 \ufb04 \u0132 \u01c6"));
        assertEquals("ABC 123 ! カ", TextFixer.fixText("ＡＢＣ\u3000１２３ ！ ｶ"));
        assertEquals("'a' \"b\" 'c'", TextFixer.fixText("\u2018a\u2019 \u201cb\u201d \u02bcc\u02bc"));
        assertEquals("½ ² «»", TextFixer.fixText("½ ² «»"), "NFKC is not applied beyond the width block");
    }

    @Test
    void halfwidthKatakanaBecomesFullwidth() {
        assertEquals("カ", TextFixer.fixText("ｶ"));
    }

    @Test
    void lineBreaksControlsAndEscapesAreCleaned() {
        assertEquals("a\nb\nc\nd", TextFixer.fixText("a\r\nb\rc\u2028d"));
        assertEquals("ab", TextFixer.fixText("a\u0000\u0007\u001b[31mb"));
        assertEquals("a…b", TextFixer.fixText("a\u0085b"), "C1 controls read as Windows-1252 first");
        assertEquals("a\tb", TextFixer.fixText("a\tb"));
        assertEquals("ab", TextFixer.fixText("a\ufeffb"));
        assertEquals("a\u200bb\u200dc", TextFixer.fixText("a\u200bb\u200dc"), "zero-width (joiner) characters stay");
    }

    @Test
    void textIsComposedToNfc() {
        assertEquals("é", TextFixer.fixText("e\u0301"));
    }

    @Test
    void loneSurrogatesBecomeReplacementCharacters() {
        assertEquals("a\ufffdb", TextFixer.fixText("a\ud800b"));
        assertEquals("🚀", TextFixer.fixText("🚀"));
    }

    @Test
    void clipCleaningCollapsesWhitespaceAndLowerCasesLikePython() {
        assertEquals("a photo of x", TextFixer.cleanForClip("  A\tPHOTO \n\u00a0of\u2003x  "));
        assertEquals("ὀδυσσεύς σς", TextFixer.cleanForClip("ὈΔΥΣΣΕΎΣ ΣΣ"));
        assertEquals("i\u0307", TextFixer.cleanForClip("İ"));
        assertEquals("ας.", TextFixer.cleanForClip("ΑΣ."));
    }
}
