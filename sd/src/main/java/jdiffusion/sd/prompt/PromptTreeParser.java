package jdiffusion.sd.prompt;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Recursive-descent parser for the WebUI's prompt-editing grammar (the lark grammar in {@code prompt_parser.py}):
 *
 * <pre>
 *   start:      (prompt | one of "[]():" taken literally)*
 *   prompt:     (emphasized | scheduled | alternate | plain | whitespace)*
 *   emphasized: "(" prompt ")" | "(" prompt ":" prompt ")" | "[" prompt "]"     (kept verbatim)
 *   scheduled:  "[" [prompt ":"] prompt ":" [ws] NUMBER [ws] "]"
 *   alternate:  "[" prompt ("|" [prompt])+ "]"
 *   plain:      ([^\[\]():|\\] | \\ any-but-newline)+
 * </pre>
 *
 * Inside a bracket construct the text must be balanced, so the three bracket forms exclude each other and a
 * construct that parses at all parses one way; at the top level an opening bracket that starts no construct is
 * literal text. Where the grammar also allows reading a construct's brackets as literal characters, lark's
 * resolution (and this parser) takes the construct. Returns null when the prompt has no parse (a {@code |} outside
 * an alternation, a trailing backslash), in which case the WebUI uses the prompt unchanged.
 */
final class PromptTreeParser {
    private static final Pattern PLAIN = Pattern.compile("(?:[^\\\\\\[\\]():|]|\\\\.)+", Pattern.UNIX_LINES);
    private static final Pattern WHITESPACE = Pattern.compile("\\s+", Pattern.UNICODE_CHARACTER_CLASS);
    /** lark's common.SIGNED_NUMBER, alternatives in its order (first match wins, as with Python's re). */
    private static final Pattern NUMBER = Pattern.compile("[+-]?(?:[0-9]+[eE][+-]?[0-9]+|(?:[0-9]+\\.[0-9]*|\\.[0-9]+)(?:[eE][+-]?[0-9]+)?|[0-9]+)");

    private final String s;
    private final Matcher plain;
    private final Matcher whitespace;
    private final Matcher number;

    private PromptTreeParser(String s) {
        this.s = s;
        this.plain = PLAIN.matcher(s);
        this.whitespace = WHITESPACE.matcher(s);
        this.number = NUMBER.matcher(s);
    }

    static PromptTree parse(String prompt) {
        return new PromptTreeParser(prompt).start();
    }

    private record Parsed(PromptTree tree, int end) {}

    private PromptTree start() {
        List<PromptTree> parts = new ArrayList<>();
        int pos = 0;
        while (pos < s.length()) {
            Parsed p = prompt(pos);
            if (p.end > pos) {
                parts.add(p.tree);
                pos = p.end;
                continue;
            }
            char c = s.charAt(pos);
            if (c == '[' || c == ']' || c == '(' || c == ')' || c == ':') {
                parts.add(new PromptTree.Text(String.valueOf(c)));
                pos++;
            } else {
                return null;
            }
        }
        return new PromptTree.Sequence(parts);
    }

    /** The longest prompt from {@code pos}: items until one cannot start here. Never fails (may be empty). */
    private Parsed prompt(int pos) {
        List<PromptTree> parts = new ArrayList<>();
        while (pos < s.length()) {
            Parsed item = item(pos);
            if (item == null) break;
            parts.add(item.tree);
            pos = item.end;
        }
        return new Parsed(parts.size() == 1 ? parts.getFirst() : new PromptTree.Sequence(parts), pos);
    }

    private Parsed item(int pos) {
        char c = s.charAt(pos);
        if (c == '[') {
            Parsed p = scheduled(pos);
            if (p == null) p = alternate(pos);
            if (p == null) p = emphasized(pos, '[', ']', false);
            return p;
        }
        if (c == '(') return emphasized(pos, '(', ')', true);
        if (plain.region(pos, s.length()).lookingAt()) return new Parsed(new PromptTree.Text(plain.group()), plain.end());
        return null;
    }

    private boolean at(int pos, char c) { return pos < s.length() && s.charAt(pos) == c; }

    private int skipWhitespace(int pos) {
        if (pos < s.length() && whitespace.region(pos, s.length()).lookingAt()) return whitespace.end();
        return pos;
    }

    private Parsed emphasized(int pos, char open, char close, boolean allowWeight) {
        Parsed inner = prompt(pos + 1);
        int p = inner.end;
        List<PromptTree> parts = new ArrayList<>();
        parts.add(new PromptTree.Text(String.valueOf(open)));
        parts.add(inner.tree);
        if (allowWeight && at(p, ':')) {
            Parsed second = prompt(p + 1);
            parts.add(new PromptTree.Text(":"));
            parts.add(second.tree);
            p = second.end;
        }
        if (!at(p, close)) return null;
        parts.add(new PromptTree.Text(String.valueOf(close)));
        return new Parsed(new PromptTree.Sequence(parts), p + 1);
    }

    private Parsed scheduled(int pos) {
        Parsed first = prompt(pos + 1);
        if (!at(first.end, ':')) return null;
        // [after:when]
        Parsed r = scheduleTail(null, first.tree, first.end + 1);
        if (r != null) return r;
        // [before:after:when]
        Parsed second = prompt(first.end + 1);
        if (!at(second.end, ':')) return null;
        return scheduleTail(first.tree, second.tree, second.end + 1);
    }

    /** {@code [ws] NUMBER [ws] "]"} from {@code pos}. */
    private Parsed scheduleTail(PromptTree before, PromptTree after, int pos) {
        int p = skipWhitespace(pos);
        if (p >= s.length() || !number.region(p, s.length()).lookingAt()) return null;
        String when = number.group();
        p = skipWhitespace(number.end());
        if (!at(p, ']')) return null;
        return new Parsed(new PromptTree.Edit(before, after, when), p + 1);
    }

    private Parsed alternate(int pos) {
        Parsed first = prompt(pos + 1);
        List<PromptTree> options = new ArrayList<>();
        options.add(first.tree);
        int p = first.end;
        if (!at(p, '|')) return null;
        while (at(p, '|')) {
            Parsed next = prompt(p + 1);
            options.add(next.end > p + 1 ? next.tree : null);
            p = next.end;
        }
        if (!at(p, ']')) return null;
        return new Parsed(new PromptTree.Alternation(options), p + 1);
    }
}
