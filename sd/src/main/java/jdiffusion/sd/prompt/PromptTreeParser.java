package jdiffusion.sd.prompt;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parser for the WebUI's prompt-editing grammar (the lark grammar in {@code prompt_parser.py}):
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
 *
 * <p>The longest prompt from a position, and the item starting there, depend only on text to the right of it, so
 * they are computed once per position from the end of the text backwards; then the items of the chosen parse are
 * built into trees, deepest first. Neither step recurses, so a prompt of any length or nesting depth parses in
 * linear time without exhausting the stack (a recursive-descent parser, or a regex with a repeated group, does not).
 */
final class PromptTreeParser {
    private static final Pattern WHITESPACE = Pattern.compile("\\s+", Pattern.UNICODE_CHARACTER_CLASS);
    /** lark's common.SIGNED_NUMBER, alternatives in its order (first match wins, as with Python's re). */
    private static final Pattern NUMBER = Pattern.compile("[+-]?(?:[0-9]+[eE][+-]?[0-9]+|(?:[0-9]+\\.[0-9]*|\\.[0-9]+)(?:[eE][+-]?[0-9]+)?|[0-9]+)");

    /** What starts at a position. */
    private static final byte NONE = 0, PLAIN = 1, ROUND = 2, ROUND_WEIGHTED = 3, SQUARE = 4, EDIT_TO = 5, EDIT_FROM_TO = 6, ALTERNATE = 7;
    private static final int UNKNOWN = -2, NO_TAIL = -1;

    private final String s;
    private final int n;
    private final byte[] kind;
    private final int[] itemEnd;
    /** The end of the longest prompt from each position (itself where no item starts). */
    private final int[] promptEnd;
    /** {@code [ws] NUMBER [ws] "]"} from a position: its end, or {@link #NO_TAIL}; filled on demand. */
    private final int[] tailEnd;
    private final int[] numberStart, numberEnd;
    private final Matcher whitespace;
    private final Matcher number;
    private final PromptTree[] built;

    private PromptTreeParser(String s) {
        this.s = s;
        this.n = s.length();
        this.kind = new byte[n + 1];
        this.itemEnd = new int[n + 1];
        this.promptEnd = new int[n + 1];
        this.tailEnd = new int[n + 1];
        this.numberStart = new int[n + 1];
        this.numberEnd = new int[n + 1];
        Arrays.fill(tailEnd, UNKNOWN);
        this.whitespace = WHITESPACE.matcher(s);
        this.number = NUMBER.matcher(s);
        this.built = new PromptTree[n + 1];
    }

    static PromptTree parse(String prompt) {
        return new PromptTreeParser(prompt).start();
    }

    private PromptTree start() {
        scan();
        // the top level: prompts, with a bracket or colon that starts nothing taken as a literal character
        List<int[]> pieces = new ArrayList<>(); // {start, end} of a prompt, or {pos, -1} for a literal character
        int pos = 0;
        while (pos < n) {
            int end = promptEnd[pos];
            if (end > pos) {
                pieces.add(new int[] {pos, end});
                pos = end;
                continue;
            }
            char c = s.charAt(pos);
            if (c != '[' && c != ']' && c != '(' && c != ')' && c != ':') return null;
            pieces.add(new int[] {pos, -1});
            pos++;
        }
        List<Integer> roots = new ArrayList<>();
        for (int[] p : pieces) if (p[1] >= 0) roots.add(p[0]);
        build(roots);
        List<PromptTree> parts = new ArrayList<>(pieces.size());
        for (int[] p : pieces) parts.add(p[1] < 0 ? new PromptTree.Text(String.valueOf(s.charAt(p[0]))) : prompt(p[0]));
        return new PromptTree.Sequence(parts);
    }

    /** Fills {@link #kind}, {@link #itemEnd} and {@link #promptEnd} for every position, right to left. */
    private void scan() {
        int[] plainEnd = new int[n + 2];
        plainEnd[n] = n;
        plainEnd[n + 1] = n;
        promptEnd[n] = n;
        for (int p = n - 1; p >= 0; p--) {
            char c = s.charAt(p);
            if (c == '\\') plainEnd[p] = p + 1 < n && s.charAt(p + 1) != '\n' ? plainEnd[p + 2] : p;
            else plainEnd[p] = isSpecial(c) ? p : plainEnd[p + 1];

            int end = switch (c) {
                case '[' -> square(p);
                case '(' -> round(p);
                default -> {
                    if (plainEnd[p] == p) yield -1;
                    kind[p] = PLAIN;
                    yield plainEnd[p];
                }
            };
            itemEnd[p] = end;
            promptEnd[p] = end < 0 ? p : promptEnd[end];
        }
    }

    private static boolean isSpecial(char c) {
        return c == '[' || c == ']' || c == '(' || c == ')' || c == ':' || c == '|';
    }

    private boolean at(int pos, char c) { return pos < n && s.charAt(pos) == c; }

    /** A {@code [} at {@code p}: scheduled, else alternate, else emphasized; the item's end or -1. */
    private int square(int p) {
        int first = promptEnd[p + 1];
        if (at(first, ':')) {
            int t = tail(first + 1);
            if (t >= 0) {
                kind[p] = EDIT_TO;
                return t;
            }
            int second = promptEnd[first + 1];
            if (at(second, ':') && (t = tail(second + 1)) >= 0) {
                kind[p] = EDIT_FROM_TO;
                return t;
            }
        }
        if (at(first, '|')) {
            int q = first;
            while (at(q, '|')) q = promptEnd[q + 1];
            if (at(q, ']')) {
                kind[p] = ALTERNATE;
                return q + 1;
            }
        }
        if (at(first, ']')) {
            kind[p] = SQUARE;
            return first + 1;
        }
        return -1;
    }

    private int round(int p) {
        int first = promptEnd[p + 1];
        if (at(first, ':')) {
            int second = promptEnd[first + 1];
            if (!at(second, ')')) return -1;
            kind[p] = ROUND_WEIGHTED;
            return second + 1;
        }
        if (!at(first, ')')) return -1;
        kind[p] = ROUND;
        return first + 1;
    }

    /** {@code [ws] NUMBER [ws] "]"} from {@code pos}: its end or {@link #NO_TAIL}. */
    private int tail(int pos) {
        if (tailEnd[pos] != UNKNOWN) return tailEnd[pos];
        int result = NO_TAIL;
        int p = skipWhitespace(pos);
        if (p < n && number.region(p, n).lookingAt()) {
            numberStart[pos] = p;
            numberEnd[pos] = number.end();
            p = skipWhitespace(number.end());
            if (at(p, ']')) result = p + 1;
        }
        tailEnd[pos] = result;
        return result;
    }

    private int skipWhitespace(int pos) {
        if (pos < n && whitespace.region(pos, n).lookingAt()) return whitespace.end();
        return pos;
    }

    /**
     * Builds the tree of every item in the chosen parse: the items of the prompts starting at {@code roots} and,
     * inside each bracket construct, of its sub-prompts. An item's sub-prompts lie to its right, so building in
     * descending position order finds them built.
     */
    private void build(List<Integer> roots) {
        boolean[] chosen = new boolean[n + 1];
        ArrayDeque<Integer> prompts = new ArrayDeque<>(roots);
        List<Integer> items = new ArrayList<>();
        while (!prompts.isEmpty()) {
            int q = prompts.pop();
            int end = promptEnd[q];
            for (int p = q; p < end; p = itemEnd[p]) {
                chosen[p] = true;
                subPromptStarts(p, prompts);
            }
        }
        for (int p = n; p >= 0; p--) if (chosen[p]) built[p] = item(p);
    }

    /** The starts of the sub-prompts of the item at {@code p}. */
    private void subPromptStarts(int p, ArrayDeque<Integer> out) {
        switch (kind[p]) {
            case PLAIN -> {}
            case ROUND, SQUARE, EDIT_TO -> out.push(p + 1);
            case ROUND_WEIGHTED, EDIT_FROM_TO -> {
                out.push(p + 1);
                out.push(promptEnd[p + 1] + 1);
            }
            case ALTERNATE -> {
                out.push(p + 1);
                for (int q = promptEnd[p + 1]; at(q, '|'); q = promptEnd[q + 1]) out.push(q + 1);
            }
            default -> throw new IllegalStateException("no item at " + p);
        }
    }

    private PromptTree item(int p) {
        int first = promptEnd[p + 1];
        return switch (kind[p]) {
            case PLAIN -> new PromptTree.Text(s.substring(p, itemEnd[p]));
            case ROUND -> verbatim("(", prompt(p + 1), ")");
            case SQUARE -> verbatim("[", prompt(p + 1), "]");
            case ROUND_WEIGHTED -> new PromptTree.Sequence(List.of(
                    new PromptTree.Text("("), prompt(p + 1), new PromptTree.Text(":"), prompt(first + 1), new PromptTree.Text(")")));
            case EDIT_TO -> new PromptTree.Edit(null, prompt(p + 1), when(first + 1));
            case EDIT_FROM_TO -> {
                int second = promptEnd[first + 1];
                yield new PromptTree.Edit(prompt(p + 1), prompt(first + 1), when(second + 1));
            }
            case ALTERNATE -> {
                List<PromptTree> options = new ArrayList<>();
                options.add(prompt(p + 1));
                for (int q = first; at(q, '|'); q = promptEnd[q + 1]) options.add(promptEnd[q + 1] > q + 1 ? prompt(q + 1) : null);
                yield new PromptTree.Alternation(options);
            }
            default -> throw new IllegalStateException("no item at " + p);
        };
    }

    private static PromptTree verbatim(String open, PromptTree inner, String close) {
        return new PromptTree.Sequence(List.of(new PromptTree.Text(open), inner, new PromptTree.Text(close)));
    }

    private String when(int tailStart) {
        return s.substring(numberStart[tailStart], numberEnd[tailStart]);
    }

    /** The prompt from {@code q} (its items already built): the single item, or the sequence of them. */
    private PromptTree prompt(int q) {
        int end = promptEnd[q];
        List<PromptTree> parts = new ArrayList<>();
        for (int p = q; p < end; p = itemEnd[p]) parts.add(built[p]);
        return parts.size() == 1 ? parts.getFirst() : new PromptTree.Sequence(parts);
    }
}
