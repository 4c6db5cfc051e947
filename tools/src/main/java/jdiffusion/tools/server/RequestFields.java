package jdiffusion.tools.server;

import java.util.List;
import java.util.Map;

/**
 * Typed access to the fields of a JSON request object, with the WebUI's leniency (a JSON {@code null} means the
 * default, a whole float is an integer) and its strictness (a string where a number belongs is a 422 that names the
 * field).
 */
final class RequestFields {
    private final Map<String, Object> body;

    RequestFields(Map<String, Object> body) { this.body = body; }

    Map<String, Object> raw() { return body; }

    boolean has(String name) { return body.get(name) != null; }

    String string(String name, String fallback) {
        Object v = body.get(name);
        if (v == null) return fallback;
        if (v instanceof String s) return s;
        throw wrongType(name, "a string", v);
    }

    long integer(String name, long fallback, long min, long max) {
        Object v = body.get(name);
        if (v == null) return fallback;
        long n;
        if (v instanceof Long l) n = l;
        else if (v instanceof Double d && d == Math.rint(d) && Math.abs(d) < 9e15) n = d.longValue();
        else throw wrongType(name, "an integer", v);
        if (n < min || n > max) throw ApiException.invalid("field '" + name + "' must lie in " + min + ".." + max + ", got " + n);
        return n;
    }

    int integer(String name, int fallback, int min, int max) { return (int) integer(name, (long) fallback, min, max); }

    double number(String name, double fallback, double min, double max) {
        Object v = body.get(name);
        if (v == null) return fallback;
        if (!(v instanceof Number n)) throw wrongType(name, "a number", v);
        double d = n.doubleValue();
        if (!(d >= min && d <= max)) throw ApiException.invalid("field '" + name + "' must lie in " + min + ".." + max + ", got " + d);
        return d;
    }

    boolean bool(String name, boolean fallback) {
        Object v = body.get(name);
        if (v == null) return fallback;
        if (v instanceof Boolean b) return b;
        if (v instanceof Long l && (l == 0 || l == 1)) return l == 1;
        throw wrongType(name, "true or false", v);
    }

    @SuppressWarnings("unchecked")
    Map<String, Object> object(String name) {
        Object v = body.get(name);
        if (v == null) return Map.of();
        if (v instanceof Map<?, ?> m) return (Map<String, Object>) m;
        throw wrongType(name, "an object", v);
    }

    List<Object> list(String name) {
        Object v = body.get(name);
        if (v == null) return null;
        if (v instanceof List<?> l) return new java.util.ArrayList<Object>(l);
        throw wrongType(name, "a list", v);
    }

    static ApiException wrongType(String name, String expected, Object got) {
        return ApiException.invalid("field '" + name + "' must be " + expected + ", got " + describe(got));
    }

    static String describe(Object v) {
        return switch (v) {
            case null -> "null";
            case String s -> "the string \"" + (s.length() > 40 ? s.substring(0, 40) + "..." : s) + "\"";
            case Boolean b -> b.toString();
            case Number n -> "the number " + n;
            case Map<?, ?> m -> "an object";
            case List<?> l -> "a list";
            default -> v.getClass().getSimpleName();
        };
    }
}
