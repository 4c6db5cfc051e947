package jdiffusion.sd.checkpoint;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Typed, read-only access to a parsed JSON/YAML mapping ({@code config.json}, an ldm yaml), with errors
 * that name the file and the key path.
 */
public record ConfigNode(Map<String, Object> map, String where) {
    public ConfigNode {
        map = map == null ? Map.of() : map;
    }

    public boolean has(String key) { return map.get(key) != null; }

    public Object raw(String key) { return map.get(key); }

    /** The mapping under {@code key}, or an empty node when absent. */
    @SuppressWarnings("unchecked")
    public ConfigNode child(String key) {
        Object v = map.get(key);
        if (v == null) return new ConfigNode(Map.of(), where + "." + key);
        if (v instanceof Map<?, ?> m) return new ConfigNode((Map<String, Object>) m, where + "." + key);
        throw bad(key, "a mapping", v);
    }

    /** Follows a dotted path of mappings ({@code "model.params.unet_config"}). */
    public ConfigNode path(String dotted) {
        ConfigNode n = this;
        for (String k : dotted.split("\\.")) n = n.child(k);
        return n;
    }

    public String string(String key, String fallback) {
        Object v = map.get(key);
        if (v == null) return fallback;
        if (v instanceof String s) return s;
        throw bad(key, "a string", v);
    }

    public int integer(String key, int fallback) {
        Object v = map.get(key);
        if (v == null) return fallback;
        return toInt(key, v);
    }

    public int requireInt(String key) {
        if (!has(key)) throw new ModelLoadException(where + ": missing \"" + key + "\"");
        return toInt(key, map.get(key));
    }

    public double number(String key, double fallback) {
        Object v = map.get(key);
        if (v == null) return fallback;
        if (v instanceof Number n) return n.doubleValue();
        throw bad(key, "a number", v);
    }

    public boolean bool(String key, boolean fallback) {
        Object v = map.get(key);
        if (v == null) return fallback;
        if (v instanceof Boolean b) return b;
        throw bad(key, "true or false", v);
    }

    /** A list of integers, or a single integer repeated {@code n} times; null when absent. */
    public List<Integer> intsOrRepeated(String key, int n) {
        Object v = map.get(key);
        if (v == null) return null;
        if (v instanceof Number) {
            List<Integer> out = new ArrayList<>();
            for (int i = 0; i < n; i++) out.add(toInt(key, v));
            return out;
        }
        return ints(key);
    }

    public List<Integer> ints(String key) {
        Object v = map.get(key);
        if (v == null) return null;
        if (!(v instanceof List<?> l)) throw bad(key, "a list of integers", v);
        List<Integer> out = new ArrayList<>();
        for (Object o : l) out.add(toInt(key, o));
        return out;
    }

    public List<String> strings(String key) {
        Object v = map.get(key);
        if (v == null) return null;
        if (!(v instanceof List<?> l)) throw bad(key, "a list of strings", v);
        List<String> out = new ArrayList<>();
        for (Object o : l) out.add(o == null ? null : String.valueOf(o));
        return out;
    }

    private int toInt(String key, Object v) {
        if (v instanceof Long l && l == l.intValue()) return l.intValue();
        if (v instanceof Integer i) return i;
        if (v instanceof Double d && d == Math.rint(d) && Math.abs(d) < Integer.MAX_VALUE) return (int) (double) d;
        throw bad(key, "an integer", v);
    }

    private ModelLoadException bad(String key, String expected, Object v) {
        return new ModelLoadException(where + ": \"" + key + "\" should be " + expected + ", found " + v);
    }

    /** The top-level mapping of a YAML file (an ldm/sgm config), named by its file name in errors. */
    public static ConfigNode readYaml(java.nio.file.Path yaml) {
        String text;
        try {
            text = java.nio.file.Files.readString(yaml);
        } catch (java.io.IOException e) {
            throw new ModelLoadException(yaml + ": cannot read: " + e.getMessage(), e);
        }
        return new ConfigNode(YamlReader.parseMap(text, yaml.toString()), yaml.getFileName().toString());
    }
}
