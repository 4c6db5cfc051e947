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

    @Test
    void utf8ReadAsWindows1252IsRepaired() {
        assertEquals("sch\u00f6n caf\u00e9", TextFixer.fixText("sch\u00c3\u00b6n caf\u00c3\u00a9"));
        assertEquals("\u2714 No problems", TextFixer.fixText("\u00e2\u0153\u201d No problems"));
        // mangled twice, then the curly apostrophe is uncurled
        assertEquals("The Mona Lisa doesn't have eyebrows.",
                TextFixer.fixText("The Mona Lisa doesn\u00c3\u0192\u00c2\u00a2\u00c3\u00a2\u00e2\u20ac\u0161\u00c2\u00ac\u00c3\u00a2\u00e2\u20ac\u017e\u00c2\u00a2t have eyebrows."));
    }

    @Test
    void ordinaryAccentedTextIsNotTreatedAsMojibake() {
        for (String s : new String[]{"caf\u00e9 cr\u00e8me na\u00efve Z\u00fcrich", "\u00c5ngstr\u00f6m \u00d8resund \u0141\u00f3d\u017a",
                "\u2026\u00b0 \u20ac\u2122", "\u00ab\u00bb \u00bd \u00b2", "\u041f\u0440\u0438\u0432\u0435\u0442 \u0451\u0436"}) {
            assertEquals(s, TextFixer.fixText(s), s);
        }
    }
}
