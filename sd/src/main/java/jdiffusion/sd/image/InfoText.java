package jdiffusion.sd.image;

import jdiffusion.tensor.json.Json;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The WebUI's "generation parameters" text: the prompt, an optional {@code Negative prompt: } part, and a last
 * line of {@code Key: value} pairs ({@code Steps: 20, Sampler: Euler a, ...}). It is what the WebUI stores in a
 * PNG's {@code parameters} chunk and what Civitai's "copy generation data" gives. Values holding a comma, colon
 * or newline are JSON-quoted, as the WebUI does.
 */
public record InfoText(String prompt, String negativePrompt, Map<String, String> parameters) {
    // the WebUI's re_param: a key of word characters, spaces, '-' or '/', then a quoted or a plain value
    private static final Pattern PARAM = Pattern.compile("\\s*(\\w[\\w \\-/]+):\\s*(\"(?:\\\\.|[^\\\\\"])+\"|[^,]*)(?:,|$)");
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
        if (countPairs(last) >= 3) {
            bodyLines--;
            Matcher m = PARAM.matcher(last);
            while (m.find()) {
                if (m.group(1) == null) continue;
                params.put(m.group(1).strip(), unquote(m.group(2).strip()));
            }
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

    private static int countPairs(String line) {
        Matcher m = PARAM.matcher(line);
        int n = 0;
        while (m.find()) if (m.group(1) != null) n++;
        return n;
    }
}
