package jdiffusion.sd.clip;

import java.text.Normalizer;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The text clean-up that Hugging Face's {@code CLIPTokenizer} runs before BPE: {@code ftfy.fix_text} (ftfy 6.1
 * defaults) followed by {@code whitespace_clean} and {@code lower()}.
 *
 * <p>Of ftfy's fixers this implements every one that acts on well-formed text: HTML entity decoding (only in lines
 * before the first one holding a {@code <}, as ftfy's {@code unescape_html="auto"} does), C1 controls read as
 * Windows-1252, Latin ligatures, full-/half-width forms, curly quotes, line breaks, lone surrogates, terminal
 * escapes, control characters, NFC; repeated until nothing changes. ftfy's mojibake repair ({@code fix_encoding})
 * is approximated by {@link MojibakeRepair}: whole-text re-decoding only, without ftfy's statistical "badness" gate.
 */
public final class TextFixer {
    private TextFixer() {}

    private static final Map<String, String> HTML_ENTITIES = HtmlUnescape.load("html-entities.tsv");
    private static final Pattern HTML_ENTITY = Pattern.compile("&#?[0-9A-Za-z]{1,24};");
    private static final Pattern ANSI_ESCAPE = Pattern.compile("\u001b\\[((?:\\d|;)*)([a-zA-Z])");

    /** {@code ftfy.fix_text}, then runs of whitespace to one space, strip, lower case: what CLIP's BPE sees. */
    public static String cleanForClip(String text) {
        return pythonLower(collapseWhitespace(fixText(text)));
    }

    /**
     * open_clip's clean-up: {@code ftfy.fix_text}, {@code html.unescape} twice, strip, runs of whitespace to one space,
     * lower case.
     */
    public static String cleanForOpenClip(String text) {
        return pythonLower(collapseWhitespace(HtmlUnescape.unescape(HtmlUnescape.unescape(fixText(text)))));
    }

    /**
     * Python's {@code str.lower()}: full lower-case mappings, with capital sigma becoming final {@code ς} by Python's
     * rule (cased letter before it, no cased letter after it, skipping case-ignorable characters), which is not the
     * rule Java's {@code toLowerCase} applies.
     */
    static String pythonLower(String text) {
        if (text.indexOf('\u03a3') < 0) return text.toLowerCase(java.util.Locale.ROOT);
        StringBuilder b = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            int n = Character.charCount(cp);
            if (cp == 0x3a3) b.append(isFinalSigma(text, i) ? '\u03c2' : '\u03c3');
            else b.append(text.substring(i, i + n).toLowerCase(java.util.Locale.ROOT));
            i += n;
        }
        return b.toString();
    }

    private static boolean isFinalSigma(String s, int at) {
        int j = at;
        int before = -1;
        while (j > 0) {
            int c = s.codePointBefore(j);
            j -= Character.charCount(c);
            if (!isCaseIgnorable(c)) { before = c; break; }
        }
        if (before < 0 || !isCased(before)) return false;
        j = at + 1;
        while (j < s.length()) {
            int c = s.codePointAt(j);
            if (!isCaseIgnorable(c)) return !isCased(c);
            j += Character.charCount(c);
        }
        return true;
    }

    private static boolean isCased(int c) {
        return Character.isLowerCase(c) || Character.isUpperCase(c) || Character.isTitleCase(c);
    }

    /** Unicode Case_Ignorable: Mn, Me, Cf, Lm, Sk, and the Word_Break MidLetter / MidNumLet / Single_Quote characters. */
    private static boolean isCaseIgnorable(int c) {
        int t = Character.getType(c);
        if (t == Character.NON_SPACING_MARK || t == Character.ENCLOSING_MARK || t == Character.FORMAT
                || t == Character.MODIFIER_LETTER || t == Character.MODIFIER_SYMBOL) return true;
        return switch (c) {
            case 0x27, 0x2e, 0x3a, 0xb7, 0x387, 0x55f, 0x5f4, 0x2018, 0x2019, 0x2024, 0x2027, 0xfe13, 0xfe52, 0xfe55, 0xff07,
                 0xff0e, 0xff1a -> true;
            default -> false;
        };
    }

    /** {@code ftfy.fix_text} with its default settings (without mojibake repair, see the class comment). */
    public static String fixText(String text) {
        StringBuilder out = new StringBuilder(text.length());
        boolean unescapeHtml = true;
        int pos = 0;
        while (pos < text.length()) {
            int nl = text.indexOf('\n', pos);
            int end = nl < 0 ? text.length() : nl + 1;
            String segment = text.substring(pos, end);
            // once a line shows real markup, ftfy stops decoding entities for the rest of the text
            if (unescapeHtml && segment.indexOf('<') >= 0) unescapeHtml = false;
            out.append(fixSegment(segment, unescapeHtml));
            pos = end;
        }
        return out.toString();
    }

    private static String fixSegment(String text, boolean unescapeHtml) {
        while (true) {
            String before = text;
            if (unescapeHtml) text = unescapeHtml(text);
            text = MojibakeRepair.repair(text);
            text = fixC1Controls(text);
            text = fixLatinLigatures(text);
            text = fixCharacterWidth(text);
            text = uncurlQuotes(text);
            text = fixLineBreaks(text);
            text = fixSurrogates(text);
            text = ANSI_ESCAPE.matcher(text).replaceAll("");
            text = removeControlChars(text);
            text = Normalizer.normalize(text, Normalizer.Form.NFC);
            if (text.equals(before)) return text;
        }
    }

    static String unescapeHtml(String text) {
        if (text.indexOf('&') < 0) return text;
        Matcher m = HTML_ENTITY.matcher(text);
        StringBuilder b = new StringBuilder(text.length());
        while (m.find()) {
            String entity = m.group();
            String named = HTML_ENTITIES.get(entity);
            String replacement = named != null ? named
                    : entity.startsWith("&#") ? numericReference(entity) : entity;
            m.appendReplacement(b, Matcher.quoteReplacement(replacement));
        }
        m.appendTail(b);
        return b.toString();
    }

    /** ftfy decodes a numeric reference with html.unescape, but only when that consumes the whole reference. */
    private static String numericReference(String entity) {
        String unescaped = HtmlUnescape.unescape(entity);
        return unescaped.indexOf(';') >= 0 ? entity : unescaped;
    }

    private static String fixC1Controls(String text) {
        StringBuilder b = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c >= 0x80 && c <= 0x9f) {
                if (b == null) b = new StringBuilder(text).delete(i, text.length());
                b.append(HtmlUnescape.CP1252_C1[c - 0x80]);
            } else if (b != null) b.append(c);
        }
        return b == null ? text : b.toString();
    }

    private static String fixLatinLigatures(String text) {
        StringBuilder b = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            String r = switch (c) {
                case '\u0132' -> "IJ";
                case '\u0133' -> "ij";
                case '\u0149' -> "\u02bcn";
                case '\u01f1' -> "DZ";
                case '\u01f2' -> "Dz";
                case '\u01f3' -> "dz";
                case '\u01c4' -> "D\u017d";
                case '\u01c5' -> "D\u017e";
                case '\u01c6' -> "d\u017e";
                case '\u01c7' -> "LJ";
                case '\u01c8' -> "Lj";
                case '\u01c9' -> "lj";
                case '\u01ca' -> "NJ";
                case '\u01cb' -> "Nj";
                case '\u01cc' -> "nj";
                case '\ufb00' -> "ff";
                case '\ufb01' -> "fi";
                case '\ufb02' -> "fl";
                case '\ufb03' -> "ffi";
                case '\ufb04' -> "ffl";
                case '\ufb05' -> "\u017ft";
                case '\ufb06' -> "st";
                default -> null;
            };
            if (r != null && b == null) b = new StringBuilder(text).delete(i, text.length());
            if (b != null) {
                if (r != null) b.append(r);
                else b.append(c);
            }
        }
        return b == null ? text : b.toString();
    }

    /** U+3000 and the half-/full-width block U+FF01..U+FFEF to their NFKC forms. */
    private static String fixCharacterWidth(String text) {
        StringBuilder b = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            String r = null;
            if (c == '\u3000') r = " ";
            else if (c >= '\uff01' && c <= '\uffef') {
                String n = Normalizer.normalize(String.valueOf(c), Normalizer.Form.NFKC);
                if (!n.equals(String.valueOf(c))) r = n;
            }
            if (r != null && b == null) b = new StringBuilder(text).delete(i, text.length());
            if (b != null) {
                if (r != null) b.append(r);
                else b.append(c);
            }
        }
        return b == null ? text : b.toString();
    }

    private static String uncurlQuotes(String text) {
        StringBuilder b = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\u02bc' || (c >= '\u2018' && c <= '\u201b')) b.append('\'');
            else if (c >= '\u201c' && c <= '\u201f') b.append('"');
            else b.append(c);
        }
        return b.toString();
    }

    private static String fixLineBreaks(String text) {
        return text.replace("\r\n", "\n").replace('\r', '\n').replace('\u2028', '\n')
                .replace('\u2029', '\n').replace('\u0085', '\n');
    }

    private static String fixSurrogates(String text) {
        StringBuilder b = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                b.append(c).append(text.charAt(++i));
            } else if (Character.isSurrogate(c)) b.append('\ufffd');
            else b.append(c);
        }
        return b.toString();
    }

    private static String removeControlChars(String text) {
        StringBuilder b = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean control = c <= 0x08 || c == 0x0b || (c >= 0x0e && c <= 0x1f) || c == 0x7f
                    || (c >= 0x206a && c <= 0x206f) || c == 0xfeff || (c >= 0xfff9 && c <= 0xfffc);
            if (!control) b.append(c);
        }
        return b.toString();
    }

    /** Python's {@code str.isspace()}, the {@code \s} of {@code re} on text. */
    static boolean isPythonSpace(int c) {
        return (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x20) || c == 0x85 || c == 0xa0 || c == 0x1680
                || (c >= 0x2000 && c <= 0x200a) || c == 0x2028 || c == 0x2029 || c == 0x202f || c == 0x205f
                || c == 0x3000;
    }

    /** {@code re.sub(r"\s+", " ", text).strip()}. */
    static String collapseWhitespace(String text) {
        StringBuilder b = new StringBuilder(text.length());
        boolean pendingSpace = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (isPythonSpace(c)) {
                pendingSpace = true;
            } else {
                if (pendingSpace && !b.isEmpty()) b.append(' ');
                pendingSpace = false;
                b.append(c);
            }
        }
        return b.toString();
    }
}
