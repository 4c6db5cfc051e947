package jdiffusion.sd.image;

import jdiffusion.tensor.json.Json;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The WebUI's "generation parameters" text: the prompt, an optional {@code Negative prompt: } part, and a last
 * line of {@code Key: value} pairs ({@code Steps: 20, Sampler: Euler a, ...}). It is what the WebUI stores in a
 * PNG's {@code parameters} chunk and what Civitai's "copy generation data" gives. Values holding a comma, colon
 * or newline are JSON-quoted, as the WebUI does.
 */
public record InfoText(String prompt, String negativePrompt, Map<String, String> parameters) {
    private static final String NEGATIVE = "Negative prompt:";

    public InfoText {
        parameters = Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
    }

    /** The value of {@code key}, or null. */
    public String get(String key) { return parameters.get(key); }

    /** The text in the WebUI's layout. */
    public String format() {
        StringBuilder b = new StringBuilder(prompt);
        if (negativePrompt != null && !negativePrompt.isEmpty()) b.append('\n').append(NEGATIVE).append(' ').append(negativePrompt);
        StringBuilder line = new StringBuilder();
        for (Map.Entry<String, String> e : parameters.entrySet()) {
            if (e.getValue() == null) continue;
            if (!line.isEmpty()) line.append(", ");
            line.append(e.getKey()).append(": ").append(quote(e.getValue()));
        }
        if (!line.isEmpty()) b.append('\n').append(line);
        return b.toString();
    }

    static String quote(String v) {
        if (v.indexOf(',') < 0 && v.indexOf('\n') < 0 && v.indexOf(':') < 0) return v;
        StringBuilder b = new StringBuilder();
        Json.quote(b, v);
        return b.toString();
    }

    static String unquote(String v) {
        if (v.length() < 2 || v.charAt(0) != '"' || v.charAt(v.length() - 1) != '"') return v;
        try {
            return Json.parse(v) instanceof String s ? s : v;
        } catch (RuntimeException notJson) {
            return v;
        }
    }

    /**
     * Reads a WebUI infotext. The last line counts as parameters only when it holds at least three pairs (as in
     * the WebUI); everything before {@code Negative prompt:} is the prompt.
     */
    public static InfoText parse(String text) {
        String[] lines = text.strip().split("\n", -1);
        String last = lines[lines.length - 1];
        int bodyLines = lines.length;
        Map<String, String> params = new LinkedHashMap<>();
        List<String[]> pairs = pairs(last);
        if (pairs.size() >= 3) {
            bodyLines--;
            for (String[] kv : pairs) params.put(kv[0].strip(), unquote(kv[1].strip()));
        }
        StringBuilder prompt = new StringBuilder(), negative = new StringBuilder();
        boolean inNegative = false;
        for (int i = 0; i < bodyLines; i++) {
            String line = lines[i].strip();
            if (line.startsWith(NEGATIVE)) {
                inNegative = true;
                line = line.substring(NEGATIVE.length()).strip();
            }
            StringBuilder target = inNegative ? negative : prompt;
            if (!target.isEmpty()) target.append('\n');
            target.append(line);
        }
        return new InfoText(prompt.toString(), negative.toString(), params);
    }

    /**
     * The matches of the WebUI's {@code re_param}, {@code \s*(\w[\w \-/]+):\s*("(?:\\.|[^\\"])+"|[^,]*)(?:,|$)}, left to
     * right, as {key, value}. Scanned by hand: the regex's repeated group recurses once per character of a quoted
     * value (a long one overflowed the stack), and a key-like run without its colon was rescanned from each position.
     */
    static List<String[]> pairs(String line) {
        List<String[]> out = new ArrayList<>();
        int n = line.length();
        for (int start = 0; start < n; ) {
            int key = start;
            while (key < n && isSpace(line.charAt(key))) key++;
            int end = key;
            while (end < n && (isWord(line.charAt(end)) || line.charAt(end) == ' ' || line.charAt(end) == '-' || line.charAt(end) == '/')) end++;
            if (key >= n) break;
            if (!isWord(line.charAt(key))) { // every start up to here skips the spaces to this character
                start = key + 1;
                continue;
            }
            if (end - key < 2 || end >= n || line.charAt(end) != ':') { // every start in this run ends at the same place
                start = Math.max(start + 1, end);
                continue;
            }
            int value = end + 1;
            while (value < n && isSpace(line.charAt(value))) value++;
            int quoted = quotedEnd(line, value);
            int valueEnd, next;
            if (quoted > 0 && (quoted == n || line.charAt(quoted) == ',' || onlyLineEnd(line, quoted))) {
                valueEnd = quoted;
                next = quoted == n || line.charAt(quoted) != ',' ? n : quoted + 1;
            } else {
                int comma = line.indexOf(',', value);
                valueEnd = comma < 0 ? n : comma;
                next = comma < 0 ? n : comma + 1;
            }
            out.add(new String[] {line.substring(key, end), line.substring(value, valueEnd)});
            if (next == start) break;
            start = next;
        }
        return out;
    }

    /** The end of {@code "(?:\\.|[^\\"])+"} at {@code pos}, or -1 ({@code .} is anything but a line feed). */
    private static int quotedEnd(String line, int pos) {
        int n = line.length();
        if (pos >= n || line.charAt(pos) != '"') return -1;
        int p = pos + 1;
        while (p < n) {
            char c = line.charAt(p);
            if (c == '"') return p > pos + 1 ? p + 1 : -1;
            if (c == '\\') {
                if (p + 1 >= n || isLineTerminator(line.charAt(p + 1))) return -1;
                p += Character.isHighSurrogate(line.charAt(p + 1)) && p + 2 < n && Character.isLowSurrogate(line.charAt(p + 2)) ? 3 : 2;
            } else {
                p++;
            }
        }
        return -1;
    }

    /** Java's {@code $}: the end of the input, or before a line terminator that ends it. */
    private static boolean onlyLineEnd(String line, int pos) {
        String rest = line.substring(pos);
        return rest.equals("\n") || rest.equals("\r") || rest.equals("\r\n") || rest.equals("\u0085") || rest.equals("\u2028") || rest.equals("\u2029");
    }

    private static boolean isLineTerminator(char c) {
        return c == '\n' || c == '\r' || c == '\u0085' || c == '\u2028' || c == '\u2029';
    }

    /** {@code \w} and {@code \s} as Java reads them without flags: ASCII. */
    private static boolean isWord(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    }

    private static boolean isSpace(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == 0x0b || c == '\f' || c == '\r';
    }
}
