package jdiffusion.sd.prompt;

/**
 * Character classes of the WebUI's prompt regexes (Python's {@code \s} and {@code \w} on str), for the scanners
 * that replace regexes whose backtracking is quadratic on long runs of spaces or of unclosed tags.
 */
final class PromptText {
    private PromptText() {}

    /** Unicode White_Space, what {@code \s} matches with {@code UNICODE_CHARACTER_CLASS}. */
    static boolean isSpace(int cp) {
        return (cp >= 0x09 && cp <= 0x0d) || cp == 0x85 || Character.isSpaceChar(cp);
    }

    /** A word character: letters, numbers of any kind, '_'. */
    static boolean isWord(int cp) {
        return cp == '_' || Character.isLetter(cp) || switch (Character.getType(cp)) {
            case Character.DECIMAL_DIGIT_NUMBER, Character.LETTER_NUMBER, Character.OTHER_NUMBER -> true;
            default -> false;
        };
    }

    /** The start of the run of spaces that ends at {@code end}, not going before {@code limit}. */
    static int spacesBefore(String s, int end, int limit) {
        int p = end;
        while (p > limit) {
            int cp = s.codePointBefore(p);
            if (!isSpace(cp)) break;
            p -= Character.charCount(cp);
        }
        return p;
    }

    /** The end of the run of spaces that starts at {@code start}. */
    static int spacesAfter(String s, int start) {
        int p = start;
        while (p < s.length()) {
            int cp = s.codePointAt(p);
            if (!isSpace(cp)) break;
            p += Character.charCount(cp);
        }
        return p;
    }

    /** Whether {@code word} stands at {@code at} as a whole word (no word character just before or after it). */
    static boolean wholeWordAt(String s, int at, String word) {
        if (at > 0 && isWord(s.codePointBefore(at))) return false;
        int end = at + word.length();
        return end >= s.length() || !isWord(s.codePointAt(end));
    }
}
