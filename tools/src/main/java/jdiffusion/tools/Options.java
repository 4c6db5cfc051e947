package jdiffusion.tools;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The options and positional arguments a command accepts, declared once and used both to parse the command
 * line and to print its help, so the two never drift apart.
 *
 * <pre>{@code
 * Options spec = new Options()
 *     .positional("FILE", "the model file")
 *     .flag("--json", "print JSON instead of text")
 *     .value("--steps", "N", "sampling steps (default 20)").alias("-n", "--steps")
 *     .repeated("--lora", "NAME:W", "apply a LoRA (repeatable)");
 * Arguments a = spec.parse(args);      // UsageException on anything wrong
 * int steps = a.intValue("--steps", 20);
 * }</pre>
 *
 * Accepted forms: {@code --name value}, {@code --name=value}, {@code --flag}, {@code --flag=true|false};
 * a value option always takes the next word, so {@code --seed -1} works; {@code --} ends the options.
 */
public final class Options {
    enum Kind { FLAG, VALUE, REPEATED }

    record Option(String name, Kind kind, String metavar, String help, String section) {}

    record Positional(String metavar, String help, int min, int max) {}

    private final Map<String, Option> options = new LinkedHashMap<>();
    private final Map<String, String> aliases = new LinkedHashMap<>();
    private final List<Positional> positionals = new ArrayList<>();
    private String section;

    /** Options declared after this are listed under {@code title} in {@link #help} (for commands with many options). */
    public Options section(String title) {
        this.section = title;
        return this;
    }

    /** A boolean {@code --name}. */
    public Options flag(String name, String help) { return add(new Option(checkName(name), Kind.FLAG, null, help, section)); }

    /** {@code --name VALUE}, at most once. */
    public Options value(String name, String metavar, String help) { return add(new Option(checkName(name), Kind.VALUE, metavar, help, section)); }

    /** {@code --name VALUE}, any number of times; values kept in order. */
    public Options repeated(String name, String metavar, String help) { return add(new Option(checkName(name), Kind.REPEATED, metavar, help, section)); }

    /** Another spelling (e.g. {@code -o}) for a declared option. */
    public Options alias(String alias, String name) {
        if (!options.containsKey(name)) throw new IllegalArgumentException("alias " + alias + " for undeclared " + name);
        if (!alias.startsWith("-") || options.containsKey(alias) || aliases.containsKey(alias))
            throw new IllegalArgumentException("bad or duplicate alias " + alias);
        aliases.put(alias, name);
        return this;
    }

    /** One required positional argument. */
    public Options positional(String metavar, String help) { return positionals(metavar, help, 1, 1); }

    /** {@code min..max} positional arguments ({@code max} = Integer.MAX_VALUE for any number); only the last may vary. */
    public Options positionals(String metavar, String help, int min, int max) {
        if (!positionals.isEmpty() && positionals.getLast().min != positionals.getLast().max)
            throw new IllegalArgumentException("only the last positional may take a variable count");
        positionals.add(new Positional(metavar, help, min, max));
        return this;
    }

    private Options add(Option o) {
        if (options.containsKey(o.name) || aliases.containsKey(o.name)) throw new IllegalArgumentException("option " + o.name + " declared twice");
        options.put(o.name, o);
        return this;
    }

    private static String checkName(String name) {
        if (!name.startsWith("--") || name.length() < 3 || name.contains("="))
            throw new IllegalArgumentException("option names look like --name, not " + name);
        return name;
    }

    /** Parses {@code args}; throws {@link UsageException} naming the offending word. */
    public Arguments parse(List<String> args) {
        Map<String, List<String>> given = new LinkedHashMap<>();
        List<String> words = new ArrayList<>();
        boolean optionsEnded = false;
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (optionsEnded || !a.startsWith("-") || a.equals("-")) {
                words.add(a);
                continue;
            }
            if (a.equals("--")) {
                optionsEnded = true;
                continue;
            }
            int eq = a.indexOf('=');
            String spelled = eq >= 0 ? a.substring(0, eq) : a;
            String inline = eq >= 0 ? a.substring(eq + 1) : null;
            Option o = options.get(aliases.getOrDefault(spelled, spelled));
            if (o == null) throw new UsageException("unknown option " + spelled + suggestion(spelled));
            String value;
            if (o.kind == Kind.FLAG) {
                if (inline == null) value = "true";
                else if (inline.equals("true") || inline.equals("false")) value = inline;
                else throw new UsageException(spelled + " is a switch: give it alone, or =true / =false, not =" + inline);
            } else if (inline != null) {
                value = inline;
            } else {
                if (i + 1 >= args.size()) throw new UsageException(spelled + " needs a value (" + spelled + " " + o.metavar + ")");
                value = args.get(++i);
            }
            List<String> values = given.computeIfAbsent(o.name, k -> new ArrayList<>());
            if (o.kind != Kind.REPEATED && !values.isEmpty()) throw new UsageException(o.name + " given twice");
            values.add(value);
        }
        checkPositionals(words);
        return new Arguments(given, words, options.keySet());
    }

    private void checkPositionals(List<String> words) {
        int min = 0;
        long max = 0;
        for (Positional p : positionals) {
            min += p.min;
            max += p.max;
        }
        if (words.size() < min) {
            int need = 0;
            for (Positional p : positionals) {
                need += p.min;
                if (words.size() < need) throw new UsageException("missing " + p.metavar);
            }
        }
        if (words.size() > max) {
            String extra = words.get((int) max);
            throw new UsageException("unexpected argument '" + extra + "'"
                    + (extra.startsWith("-") ? " (after --, options are not read)" : ""));
        }
    }

    private String suggestion(String spelled) {
        String best = null;
        int bestDistance = 3;
        for (String n : options.keySet()) {
            int d = editDistance(spelled, n);
            if (d < bestDistance) {
                bestDistance = d;
                best = n;
            }
        }
        return best == null ? "" : " (did you mean " + best + "?)";
    }

    static int editDistance(String a, String b) { return jdiffusion.sd.extra.ModelsFolder.editDistance(a, b); }

    /** The usage words for the positionals and options, e.g. {@code FILE [--json] [--steps N]}. */
    public String synopsis() {
        StringBuilder b = new StringBuilder();
        for (Positional p : positionals) {
            String m = p.max > 1 ? p.metavar + "..." : p.metavar;
            b.append(b.isEmpty() ? "" : " ").append(p.min == 0 ? "[" + m + "]" : m);
        }
        for (Option o : options.values())
            b.append(b.isEmpty() ? "" : " ").append('[').append(o.name).append(o.kind == Kind.FLAG ? "" : " " + o.metavar).append(']');
        return b.toString();
    }

    /** An aligned listing of the positionals and options with their help, for a command's {@code --help}. */
    public String help() {
        List<String[]> rows = new ArrayList<>(); // a row with a null help is a section heading
        for (Positional p : positionals) rows.add(new String[]{p.metavar, p.help});
        String current = null;
        for (Option o : options.values()) {
            if (o.section != null && !o.section.equals(current)) {
                current = o.section;
                rows.add(new String[]{current + ":", null});
            }
            StringBuilder names = new StringBuilder();
            aliases.forEach((alias, name) -> { if (name.equals(o.name)) names.append(alias).append(", "); });
            names.append(o.name);
            if (o.kind != Kind.FLAG) names.append(' ').append(o.metavar);
            rows.add(new String[]{names.toString(), o.help});
        }
        int width = 0;
        for (String[] r : rows) if (r[1] != null) width = Math.max(width, r[0].length());
        StringBuilder b = new StringBuilder();
        for (String[] r : rows) {
            if (r[1] == null) b.append('\n').append(r[0]).append('\n');
            else b.append("  ").append(r[0]).append(" ".repeat(width - r[0].length() + 2)).append(r[1]).append('\n');
        }
        return b.toString();
    }
}
