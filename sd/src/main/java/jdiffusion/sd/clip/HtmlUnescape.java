package jdiffusion.sd.clip;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Python's {@code html.unescape}: numeric and HTML5 named character references, legacy names without ';' included. */
final class HtmlUnescape {
    private HtmlUnescape() {}

    private static final Pattern CHARREF = Pattern.compile("&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\\t\\n\\f <&#;]{1,32};?)");
    private static final Map<String, String> HTML5 = load("html5-entities.tsv");
    private static final int LONGEST_NAME = HTML5.keySet().stream().mapToInt(String::length).max().orElse(0);

    /** Windows-1252 for 0x80..0x9F (undefined bytes map to themselves), as Python's {@code _invalid_charrefs}. */
    static final char[] CP1252_C1 = (
            "\u20ac\u0081\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u008d\u017d\u008f"
            + "\u0090\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u009d\u017e\u0178").toCharArray();

    static String unescape(String s) {
        if (s.indexOf('&') < 0) return s;
        Matcher m = CHARREF.matcher(s);
        StringBuilder b = new StringBuilder(s.length());
        while (m.find()) m.appendReplacement(b, Matcher.quoteReplacement(replace(m.group(1))));
        m.appendTail(b);
        return b.toString();
    }

    private static String replace(String ref) {
        if (ref.charAt(0) == '#') {
            boolean hex = ref.charAt(1) == 'x' || ref.charAt(1) == 'X';
            String digits = ref.substring(hex ? 2 : 1);
            if (digits.endsWith(";")) digits = digits.substring(0, digits.length() - 1);
            return numeric(digits, hex ? 16 : 10);
        }
        String named = HTML5.get(ref);
        if (named != null) return named;
        // the longest known name that prefixes the reference, the rest kept as text
        for (int x = Math.min(ref.length() - 1, LONGEST_NAME); x > 1; x--) {
            String prefix = HTML5.get(ref.substring(0, x));
            if (prefix != null) return prefix + ref.substring(x);
        }
        return "&" + ref;
    }

    private static String numeric(String digits, int radix) {
        long v = 0;
        for (int i = 0; i < digits.length(); i++) v = Math.min(v * radix + Character.digit(digits.charAt(i), radix), 0x110000L);
        int cp = (int) v;
        if (cp == 0) return "\ufffd";
        if (cp == 0x0d) return "\r";
        if (cp >= 0x80 && cp <= 0x9f) return String.valueOf(CP1252_C1[cp - 0x80]);
        if ((cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) return "\ufffd";
        if ((cp >= 0x1 && cp <= 0x8) || (cp >= 0xe && cp <= 0x1f) || cp == 0x7f
                || (cp >= 0xfdd0 && cp <= 0xfdef) || cp == 0xb || (cp & 0xfffe) == 0xfffe) return "";
        return Character.toString(cp);
    }

    static Map<String, String> load(String resource) {
        Map<String, String> m = new HashMap<>(4096);
        try (InputStream in = HtmlUnescape.class.getResourceAsStream(resource)) {
            if (in == null) throw new IllegalStateException("resource jdiffusion/sd/clip/" + resource + " is missing from the build");
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            String line;
            while ((line = r.readLine()) != null) {
                if (line.isEmpty() || line.startsWith("#")) continue;
                int tab = line.indexOf('\t');
                StringBuilder value = new StringBuilder();
                for (String hex : line.substring(tab + 1).split(" ")) value.appendCodePoint(Integer.parseInt(hex, 16));
                m.put(line.substring(0, tab), value.toString());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Map.copyOf(m);
    }
}
