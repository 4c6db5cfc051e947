package jdiffusion.tools;

import java.nio.file.Path;
import java.nio.file.InvalidPathException;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A parsed command line (see {@link Options#parse}). Typed getters turn a malformed value into a
 * {@link UsageException} naming the option, e.g. {@code --steps: expected an integer, got 'abc'}.
 */
public final class Arguments {
    private final Map<String, List<String>> given;
    private final List<String> positionals;
    private final Set<String> declared;

    Arguments(Map<String, List<String>> given, List<String> positionals, Set<String> declared) {
        this.given = Map.copyOf(given);
        this.positionals = List.copyOf(positionals);
        this.declared = Set.copyOf(declared);
    }

    /** Whether the option appeared on the command line at all. */
    public boolean has(String name) { return given.containsKey(known(name)); }

    /** A switch: true when given alone or as {@code =true}. */
    public boolean flag(String name) {
        List<String> v = given.get(known(name));
        return v != null && v.getLast().equals("true");
    }

    /** The value of a single-valued option, or {@code fallback} when absent. */
    public String value(String name, String fallback) {
        List<String> v = given.get(known(name));
        return v == null ? fallback : v.getLast();
    }

    /** The value of an option that must be given. */
    public String required(String name) {
        String v = value(name, null);
        if (v == null) throw new UsageException(name + " is required");
        return v;
    }

    /** Every value of a repeated option, in command-line order. */
    public List<String> values(String name) { return given.getOrDefault(known(name), List.of()); }

    public int intValue(String name, int fallback) {
        String v = value(name, null);
        if (v == null) return fallback;
        try {
            return Integer.parseInt(v.strip());
        } catch (NumberFormatException e) {
            throw new UsageException(name + ": expected an integer, got '" + v + "'");
        }
    }

    /** An integer option that must lie in {@code [min, max]}. */
    public int intValue(String name, int fallback, int min, int max) {
        int v = intValue(name, fallback);
        if (v < min || v > max) throw new UsageException(name + ": " + v + " is out of range " + min + ".." + max);
        return v;
    }

    public long longValue(String name, long fallback) {
        String v = value(name, null);
        if (v == null) return fallback;
        try {
            return Long.parseLong(v.strip());
        } catch (NumberFormatException e) {
            throw new UsageException(name + ": expected an integer, got '" + v + "'");
        }
    }

    public double doubleValue(String name, double fallback) {
        String v = value(name, null);
        if (v == null) return fallback;
        try {
            double d = Double.parseDouble(v.strip());
            if (!Double.isFinite(d)) throw new NumberFormatException();
            return d;
        } catch (NumberFormatException e) {
            throw new UsageException(name + ": expected a number, got '" + v + "'");
        }
    }

    /**
     * One of {@code allowed} (matched ignoring case, returned in its listed spelling), or {@code fallback} when
     * absent; e.g. {@code choice("--sampler", "Euler a", List.of("Euler a", "Euler", "DPM++ 2M"))}.
     */
    public String choice(String name, String fallback, List<String> allowed) {
        String v = value(name, null);
        if (v == null) return fallback;
        for (String a : allowed) if (a.equalsIgnoreCase(v.strip())) return a;
        throw new UsageException(name + ": unknown value '" + v + "' (one of: " + String.join(", ", allowed) + ")");
    }

    /** A path option, or null when absent. */
    public Path path(String name) {
        String v = value(name, null);
        return v == null ? null : toPath(name, v);
    }

    /** Positional arguments in order. */
    public List<String> positionals() { return positionals; }

    public String positional(int i) { return positionals.get(i); }

    /** The {@code i}-th positional as a path; {@code what} names it in an error (e.g. {@code FILE}). */
    public Path positionalPath(int i, String what) { return toPath(what, positionals.get(i)); }

    private static Path toPath(String what, String v) {
        try {
            return Path.of(v);
        } catch (InvalidPathException e) {
            throw new UsageException(what + ": not a valid path: '" + v + "'");
        }
    }

    /** Reading an option the command never declared is a bug in the command, not a user error. */
    private String known(String name) {
        if (!declared.contains(name)) throw new IllegalArgumentException("option " + name + " was not declared");
        return name;
    }
}
