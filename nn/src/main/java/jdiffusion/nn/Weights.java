package jdiffusion.nn;

import jdiffusion.tensor.Tensor;

import java.util.Set;
import java.util.TreeSet;

/**
 * A view of a {@link WeightSource} under a key prefix, so model code says
 * {@code w.child("attn1").child("to_q")} and reads {@code weight}/{@code bias} there.
 */
public final class Weights {
    private final WeightSource source;
    private final String prefix;

    public Weights(WeightSource source) { this(source, ""); }

    private Weights(WeightSource source, String prefix) {
        this.source = source;
        this.prefix = prefix;
    }

    public Weights child(String name) { return new Weights(source, prefix + name + "."); }

    public Weights child(int index) { return child(Integer.toString(index)); }

    public String prefix() { return prefix; }

    public boolean has(String name) { return source.find(prefix + name) != null; }

    /** Whether any weight lives under {@code name.} (a sub-module exists). */
    public boolean hasChild(String name) {
        String p = prefix + name + ".";
        for (String k : source.keys()) if (k.startsWith(p)) return true;
        return false;
    }

    /** The tensor {@code prefix + name}; a {@link MissingWeightException} naming it and its nearest neighbours when absent. */
    public Tensor get(String name) {
        Tensor t = source.find(prefix + name);
        if (t == null) throw new MissingWeightException("missing weight \"" + prefix + name + "\"" + nearby());
        return t;
    }

    /** The tensor or null. */
    public Tensor find(String name) { return source.find(prefix + name); }

    private String nearby() {
        Set<String> near = new TreeSet<>();
        String parent = prefix.isEmpty() ? "" : prefix;
        for (String k : source.keys()) if (k.startsWith(parent)) { near.add(k); if (near.size() >= 5) break; }
        return near.isEmpty() ? " (nothing under \"" + prefix + "\" either: wrong model family or key mapping?)" : "; present under \"" + prefix + "\": " + near;
    }
}
