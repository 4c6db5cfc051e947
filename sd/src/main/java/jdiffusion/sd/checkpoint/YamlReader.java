package jdiffusion.sd.checkpoint;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The subset of YAML that ldm configs ({@code v1-inference.yaml} and friends) use: block mappings and
 * lists by indentation, flow lists {@code [a, b]} and maps {@code {k: v}} (also spanning lines), quoted and
 * plain scalars, {@code #} comments. Values come back as the JSON reader gives them: {@code Map},
 * {@code List}, {@code String}, {@code Long}, {@code Double}, {@code Boolean} or null. Anchors, tags,
 * multi-document streams and block scalars ({@code |}, {@code >}) are refused with a message.
 */
public final class YamlReader {
    private record Line(int number, int indent, String text) {}

    private final String source;
    private final List<Line> lines = new ArrayList<>();
    private int pos;

    private YamlReader(String source, String text) {
        this.source = source;
        String[] raw = text.replace("\r\n", "\n").replace('\r', '\n').split("\n", -1);
        for (int i = 0; i < raw.length; i++) {
            String l = raw[i];
            if (l.indexOf('\t') >= 0 && l.substring(0, indentOf(l.replace('\t', ' '))).indexOf('\t') >= 0)
                throw error(i + 1, "tab in indentation (YAML indents with spaces)");
            String content = stripComment(l);
            if (content.isBlank()) continue;
            String trimmed = content.strip();
            if (trimmed.equals("---") && lines.isEmpty()) continue;
            if (trimmed.equals("---") || trimmed.equals("...")) throw error(i + 1, "multi-document YAML is not supported");
            lines.add(new Line(i + 1, indentOf(content), trimmed));
        }
    }

    /** Parses {@code text}; {@code source} (a file name) prefixes error messages. An empty document is an empty map. */
    public static Object parse(String text, String source) {
        YamlReader r = new YamlReader(source, text);
        if (r.lines.isEmpty()) return new LinkedHashMap<String, Object>();
        Object v = r.node(r.lines.get(0).indent);
        if (r.pos < r.lines.size()) throw r.error(r.lines.get(r.pos).number, "unexpected content at lower indentation");
        return v;
    }

    /** Parses a document whose top level must be a mapping. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> parseMap(String text, String source) {
        Object v = parse(text, source);
        if (v instanceof Map<?, ?> m) return (Map<String, Object>) m;
        throw new ModelLoadException(source + ": the YAML document is not a mapping");
    }

    private Object node(int indent) {
        Line l = lines.get(pos);
        if (l.indent != indent) throw error(l.number, "bad indentation");
        return isListItem(l.text) ? list(indent) : map(indent);
    }

    private Map<String, Object> map(int indent) {
        Map<String, Object> m = new LinkedHashMap<>();
        while (pos < lines.size()) {
            Line l = lines.get(pos);
            if (l.indent < indent) break;
            if (l.indent > indent) throw error(l.number, "unexpected indentation");
            if (isListItem(l.text)) throw error(l.number, "a list item where a mapping key was expected");
            int colon = keyColon(l.text);
            if (colon < 0) throw error(l.number, "expected \"key: value\", found \"" + l.text + "\"");
            String key = unquoteKey(l.text.substring(0, colon).strip(), l.number);
            String rest = l.text.substring(colon + 1).strip();
            if (m.containsKey(key)) throw error(l.number, "duplicate key \"" + key + "\"");
            pos++;
            m.put(key, rest.isEmpty() ? childOf(indent) : inlineValue(rest, l));
        }
        return m;
    }

    /** The block under a key with no inline value: deeper lines, a list at the same indentation, or null. */
    private Object childOf(int indent) {
        if (pos >= lines.size()) return null;
        Line next = lines.get(pos);
        if (next.indent > indent) return node(next.indent);
        if (next.indent == indent && isListItem(next.text)) return list(indent);
        return null;
    }

    private List<Object> list(int indent) {
        List<Object> out = new ArrayList<>();
        while (pos < lines.size()) {
            Line l = lines.get(pos);
            if (l.indent != indent || !isListItem(l.text)) {
                if (l.indent > indent) throw error(l.number, "unexpected indentation");
                break;
            }
            String rest = l.text.substring(1).strip();
            if (rest.isEmpty()) {
                pos++;
                Object child = pos < lines.size() && lines.get(pos).indent > indent ? node(lines.get(pos).indent) : null;
                out.add(child);
            } else if (!startsFlow(rest) && keyColon(rest) >= 0) {
                // "- key: value" opens a mapping whose keys sit where "key" starts
                int childIndent = indent + l.text.indexOf(rest);
                lines.set(pos, new Line(l.number, childIndent, rest));
                out.add(map(childIndent));
            } else {
                pos++;
                out.add(inlineValue(rest, l));
            }
        }
        return out;
    }

    private Object inlineValue(String text, Line l) {
        if (text.startsWith("|") || text.startsWith(">")) throw error(l.number, "block scalars (| and >) are not supported");
        if (text.startsWith("&") || text.startsWith("*") || text.startsWith("!"))
            throw error(l.number, "anchors, aliases and tags are not supported");
        if (startsFlow(text)) {
            StringBuilder b = new StringBuilder(text);
            // a flow collection may continue on the following (more indented) lines
            while (!balanced(b) && pos < lines.size()) b.append(' ').append(lines.get(pos++).text);
            Flow f = new Flow(b.toString(), l.number);
            Object v = f.value();
            f.skipSpace();
            if (f.i != f.s.length()) throw error(l.number, "unexpected text after a flow collection: \"" + f.s.substring(f.i) + "\"");
            return v;
        }
        return scalar(text, l.number);
    }

    private Object scalar(String text, int line) {
        if (text.startsWith("\"") || text.startsWith("'")) {
            Flow f = new Flow(text, line);
            String s = f.quoted();
            f.skipSpace();
            if (f.i != text.length()) throw error(line, "unexpected text after a quoted string");
            return s;
        }
        return plainScalar(text);
    }

    /** Plain scalars typed as YAML 1.1 loaders (PyYAML) type them for the values ldm configs hold. */
    static Object plainScalar(String t) {
        switch (t) {
            case "null", "Null", "NULL", "~", "" -> { return null; }
            case "true", "True", "TRUE", "yes", "Yes", "on", "On" -> { return Boolean.TRUE; }
            case "false", "False", "FALSE", "no", "No", "off", "Off" -> { return Boolean.FALSE; }
            case ".inf", ".Inf", "+.inf" -> { return Double.POSITIVE_INFINITY; }
            case "-.inf", "-.Inf" -> { return Double.NEGATIVE_INFINITY; }
            case ".nan", ".NaN" -> { return Double.NaN; }
            default -> { }
        }
        if (t.matches("[-+]?[0-9]+")) {
            try { return Long.parseLong(t.startsWith("+") ? t.substring(1) : t); }
            catch (NumberFormatException e) { return Double.parseDouble(t); }
        }
        if (t.matches("[-+]?([0-9]+\\.[0-9]*|\\.[0-9]+|[0-9]+)([eE][-+]?[0-9]+)?")) return Double.parseDouble(t);
        return t;
    }

    private static boolean isListItem(String t) { return t.equals("-") || t.startsWith("- "); }

    private static boolean startsFlow(String t) { return t.startsWith("[") || t.startsWith("{"); }

    /** Index of the colon ending a mapping key ({@code ": "} or a final {@code ":"}), outside quotes and brackets; -1 if none. */
    private static int keyColon(String t) {
        char quote = 0;
        int depth = 0;
        for (int i = 0; i < t.length(); i++) {
            char c = t.charAt(i);
            if (quote != 0) { if (c == quote) quote = 0; continue; }
            if (c == '"' || c == '\'') quote = c;
            else if (c == '[' || c == '{') depth++;
            else if (c == ']' || c == '}') depth--;
            else if (c == ':' && depth == 0 && (i + 1 == t.length() || t.charAt(i + 1) == ' ')) return i;
        }
        return -1;
    }

    private String unquoteKey(String k, int line) {
        if (k.startsWith("\"") || k.startsWith("'")) return (String) scalar(k, line);
        return k;
    }

    private static boolean balanced(CharSequence s) {
        int depth = 0;
        char quote = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (quote != 0) { if (c == quote) quote = 0; continue; }
            if (c == '"' || c == '\'') quote = c;
            else if (c == '[' || c == '{') depth++;
            else if (c == ']' || c == '}') depth--;
        }
        return depth <= 0;
    }

    /** The line without a trailing comment: {@code #} at the start or after a space, outside quotes. */
    private static String stripComment(String l) {
        char quote = 0;
        for (int i = 0; i < l.length(); i++) {
            char c = l.charAt(i);
            if (quote != 0) { if (c == quote) quote = 0; continue; }
            if (c == '"' || c == '\'') { if (i == 0 || " [{,:-".indexOf(l.charAt(i - 1)) >= 0) quote = c; }
            else if (c == '#' && (i == 0 || l.charAt(i - 1) == ' ')) return l.substring(0, i);
        }
        return l;
    }

    private static int indentOf(String l) {
        int i = 0;
        while (i < l.length() && l.charAt(i) == ' ') i++;
        return i;
    }

    private ModelLoadException error(int line, String what) {
        return new ModelLoadException(source + ": line " + line + ": " + what);
    }

    /** Recursive-descent reader for flow collections and quoted scalars. */
    private final class Flow {
        final String s;
        final int line;
        int i;

        Flow(String s, int line) { this.s = s; this.line = line; }

        void skipSpace() { while (i < s.length() && s.charAt(i) == ' ') i++; }

        Object value() {
            skipSpace();
            if (i >= s.length()) throw error(line, "unexpected end of a flow collection");
            char c = s.charAt(i);
            if (c == '[') return seq();
            if (c == '{') return mapping();
            if (c == '"' || c == '\'') return quoted();
            int start = i;
            while (i < s.length() && ",]}".indexOf(s.charAt(i)) < 0 && !(s.charAt(i) == ':' && (i + 1 == s.length() || s.charAt(i + 1) == ' '))) i++;
            return plainScalar(s.substring(start, i).strip());
        }

        List<Object> seq() {
            i++;
            List<Object> out = new ArrayList<>();
            skipSpace();
            if (peek() == ']') { i++; return out; }
            while (true) {
                out.add(value());
                skipSpace();
                char c = next();
                if (c == ']') return out;
                if (c != ',') throw error(line, "expected ',' or ']' in a flow list");
                skipSpace();
                if (peek() == ']') { i++; return out; }
            }
        }

        Map<String, Object> mapping() {
            i++;
            Map<String, Object> out = new LinkedHashMap<>();
            skipSpace();
            if (peek() == '}') { i++; return out; }
            while (true) {
                Object k = value();
                skipSpace();
                if (next() != ':') throw error(line, "expected ':' after key " + k + " in a flow mapping");
                out.put(String.valueOf(k), value());
                skipSpace();
                char c = next();
                if (c == '}') return out;
                if (c != ',') throw error(line, "expected ',' or '}' in a flow mapping");
                skipSpace();
                if (peek() == '}') { i++; return out; }
            }
        }

        String quoted() {
            char q = s.charAt(i++);
            StringBuilder b = new StringBuilder();
            while (true) {
                if (i >= s.length()) throw error(line, "unterminated quoted string");
                char c = s.charAt(i++);
                if (c == q) {
                    if (q == '\'' && i < s.length() && s.charAt(i) == '\'') { b.append('\''); i++; continue; }
                    return b.toString();
                }
                if (q == '"' && c == '\\' && i < s.length()) {
                    char e = s.charAt(i++);
                    switch (e) {
                        case 'n' -> b.append('\n');
                        case 't' -> b.append('\t');
                        case '"' -> b.append('"');
                        case '\\' -> b.append('\\');
                        case '/' -> b.append('/');
                        default -> b.append('\\').append(e);
                    }
                } else b.append(c);
            }
        }

        char peek() { return i < s.length() ? s.charAt(i) : '\0'; }

        char next() {
            if (i >= s.length()) throw error(line, "unexpected end of a flow collection");
            return s.charAt(i++);
        }
    }
}
