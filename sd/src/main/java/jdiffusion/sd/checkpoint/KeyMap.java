package jdiffusion.sd.checkpoint;

import jdiffusion.tensor.Tensor;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * A renaming table from one file naming to our internal one (diffusers module paths). A {@link Rule} renames a
 * module prefix ({@code input_blocks.1.0} to {@code down_blocks.0.resnets.0}); its {@link Part}s rename the
 * leaves inside that module ({@code in_layers.2} to {@code conv1}), possibly into several tensors
 * ({@code in_proj_weight} into q/k/v). Every rename carries a {@link View}: reshapes and slices that never copy.
 * Keys no rule covers are an error unless the map passes them through as already internal.
 */
final class KeyMap {
    /**
     * A zero-copy change of shape from the file's tensor to ours, and back ({@link #unapply}: our tensor as the file
     * stores it, used when writing the file's layout).
     */
    sealed interface View {
        Tensor apply(Tensor t);

        /** The inverse of {@link #apply}; a {@link Chunk} gives its piece as is (the pieces are concatenated by {@link KeyMap#invert}). */
        Tensor unapply(Tensor t);
    }

    record AsIs() implements View {
        @Override public Tensor apply(Tensor t) { return t; }

        @Override public Tensor unapply(Tensor t) { return t; }
    }

    /** A 1x1 conv weight {@code [O, C, 1, 1]} used as a Linear weight {@code [O, C]} (ldm VAE attention). */
    record Squeeze1x1() implements View {
        @Override public Tensor apply(Tensor t) {
            return t.rank() == 4 && t.size(2) == 1 && t.size(3) == 1 ? t.reshape(t.size(0), t.size(1)) : t;
        }

        /** The ldm side always stores the conv shape; biases pass. */
        @Override public Tensor unapply(Tensor t) { return t.rank() == 2 ? t.reshape(t.size(0), t.size(1), 1, 1) : t; }
    }

    /** {@code x @ W} stored as {@code W}; we store Linear weights as {@code [out, in]} (OpenCLIP text_projection). */
    record Transpose() implements View {
        @Override public Tensor apply(Tensor t) { return t.rank() == 2 ? t.transpose(0, 1) : t; }

        @Override public Tensor unapply(Tensor t) { return apply(t); }
    }

    /** Part {@code index} of {@code count} equal slices along dim 0 (OpenCLIP's fused q/k/v projection). */
    record Chunk(int index, int count) implements View {
        @Override public Tensor apply(Tensor t) {
            int n = t.size(0) / count;
            return t.narrow(0, index * n, n);
        }

        @Override public Tensor unapply(Tensor t) { return t; }
    }

    static final View AS_IS = new AsIs();
    static final View SQUEEZE = new Squeeze1x1();

    /** One target of a renamed leaf. */
    record Target(String name, View view) {}

    /** Leaves named {@code from} (or under {@code from.}) inside a module become {@code targets}. */
    record Part(String from, List<Target> targets) {
        static Part rename(String from, String to) { return new Part(from, List.of(new Target(to, AS_IS))); }

        static Part rename(String from, String to, View view) { return new Part(from, List.of(new Target(to, view))); }
    }

    /**
     * Module {@code from} becomes module {@code to}; with no parts, everything under it keeps its relative name. An
     * {@code alias} is read but never written: an older spelling of a module another rule also produces.
     */
    record Rule(String from, String to, View view, List<Part> parts, boolean alias) {}

    /** Where one internal tensor comes from. */
    record Binding(String sourceKey, View view) {}

    /** One internal tensor inside a source tensor: {@code view.unapply(internal)} is the piece the source stores. */
    record Piece(String internal, View view) {}

    /**
     * A source tensor rebuilt from internal tensors: its pieces concatenated along dim 0 in order (one piece unless
     * the file fuses several of ours, as OpenCLIP's {@code in_proj_weight} does).
     */
    record Assembly(String sourceKey, List<Piece> pieces) {}

    private final Map<String, Rule> rules = new HashMap<>();
    private final List<String> ignoredPrefixes = new ArrayList<>();
    private final boolean passThrough;

    KeyMap(boolean passThrough) { this.passThrough = passThrough; }

    KeyMap rule(String from, String to) { return rule(from, to, AS_IS, List.of()); }

    KeyMap rule(String from, String to, View view) { return rule(from, to, view, List.of()); }

    KeyMap rule(String from, String to, List<Part> parts) { return rule(from, to, AS_IS, parts); }

    KeyMap rule(String from, String to, View view, List<Part> parts) { return add(new Rule(from, to, view, parts, false)); }

    /** A rule for reading only: an older spelling of {@code to}, never produced by {@link #invert}. */
    KeyMap alias(String from, String to) { return add(new Rule(from, to, AS_IS, List.of(), true)); }

    private KeyMap add(Rule rule) {
        if (rules.put(rule.from(), rule) != null) throw new IllegalStateException("two rules for " + rule.from());
        return this;
    }

    /** Source keys equal to or under {@code prefix} carry nothing we use (EMA copies, buffers). */
    KeyMap ignore(String prefix) {
        ignoredPrefixes.add(prefix);
        return this;
    }

    boolean isIgnored(String key) {
        for (String p : ignoredPrefixes) if (key.equals(p) || key.startsWith(p.endsWith(".") ? p : p + ".")) return true;
        return false;
    }

    /**
     * Renames every key (already stripped of the component prefix {@code sourcePrefix}); the result maps internal
     * names to the full source key. {@code where} names the file in errors.
     */
    Map<String, Binding> apply(Collection<String> keys, String sourcePrefix, String where) {
        Map<String, Binding> out = new LinkedHashMap<>();
        TreeSet<String> unknown = new TreeSet<>();
        for (String key : keys) {
            if (isIgnored(key)) continue;
            Rule rule = ruleFor(key);
            if (rule == null) {
                if (passThrough) put(out, key, new Binding(sourcePrefix + key, AS_IS), where);
                else unknown.add(sourcePrefix + key);
                continue;
            }
            String rest = key.length() == rule.from().length() ? "" : key.substring(rule.from().length() + 1);
            if (rule.parts().isEmpty()) {
                put(out, join(rule.to(), rest), new Binding(sourcePrefix + key, rule.view()), where);
                continue;
            }
            Part part = partFor(rule, rest);
            if (part == null) { unknown.add(sourcePrefix + key); continue; }
            String suffix = rest.length() == part.from().length() ? "" : rest.substring(part.from().length() + 1);
            for (Target t : part.targets())
                put(out, join(join(rule.to(), t.name()), suffix), new Binding(sourcePrefix + key, t.view()), where);
        }
        if (!unknown.isEmpty()) {
            List<String> first = unknown.stream().limit(6).toList();
            throw new ModelLoadException(where + ": " + unknown.size() + " tensor name(s) match no known layout, e.g. " + first
                    + ": not a Stable Diffusion 1.x/2.x checkpoint, or a damaged/merged file");
        }
        return out;
    }

    /**
     * The inverse of {@link #apply}: for internal keys, the source tensors that hold them, each with its full source
     * key ({@code sourcePrefix} + name) and the pieces it is made of. Ignored names and aliases are never produced; an
     * internal key no rule produces passes through under its own name when this map does, else it is an error, and
     * so is a fused source tensor with some of its pieces missing.
     */
    Map<String, Assembly> invert(Collection<String> internalKeys, String sourcePrefix, String where) {
        Map<String, Piece[]> slots = new LinkedHashMap<>();
        TreeSet<String> unknown = new TreeSet<>();
        for (String key : internalKeys) {
            Rule rule = null;
            for (Rule r : rules.values())
                if (!r.alias() && (key.equals(r.to()) || key.startsWith(r.to() + ".")) && (rule == null || r.to().length() > rule.to().length()))
                    rule = r;
            if (rule == null) {
                if (passThrough) slot(slots, sourcePrefix + key, 1, 0, new Piece(key, AS_IS), where);
                else unknown.add(key);
                continue;
            }
            String rest = key.length() == rule.to().length() ? "" : key.substring(rule.to().length() + 1);
            if (rule.parts().isEmpty()) {
                slot(slots, sourcePrefix + join(rule.from(), rest), 1, 0, new Piece(key, rule.view()), where);
                continue;
            }
            boolean found = false;
            for (Part part : rule.parts()) {
                List<Target> targets = part.targets();
                for (int i = 0; i < targets.size() && !found; i++) {
                    String name = targets.get(i).name();
                    if (!(rest.equals(name) || rest.startsWith(name + "."))) continue;
                    String suffix = rest.substring(name.length()).replaceFirst("^\\.", "");
                    int index = targets.get(i).view() instanceof Chunk c ? c.index() : 0;
                    slot(slots, sourcePrefix + join(join(rule.from(), part.from()), suffix), targets.size(), index,
                            new Piece(key, targets.get(i).view()), where);
                    found = true;
                }
                if (found) break;
            }
            if (!found) unknown.add(key);
        }
        if (!unknown.isEmpty())
            throw new ModelLoadException(where + ": " + unknown.size() + " tensor(s) have no name in the target layout, e.g. "
                    + unknown.stream().limit(6).toList());
        Map<String, Assembly> out = new LinkedHashMap<>();
        for (Map.Entry<String, Piece[]> e : slots.entrySet()) {
            List<Piece> pieces = java.util.Arrays.asList(e.getValue());
            if (pieces.contains(null))
                throw new ModelLoadException(where + ": \"" + e.getKey() + "\" is made of " + pieces.size() + " tensors but only "
                        + pieces.stream().filter(java.util.Objects::nonNull).count() + " are present");
            out.put(e.getKey(), new Assembly(e.getKey(), List.copyOf(pieces)));
        }
        return out;
    }

    /** Puts {@code piece} at {@code index} of the {@code count} pieces of {@code sourceKey}; two tensors in one place is an error. */
    private static void slot(Map<String, Piece[]> slots, String sourceKey, int count, int index, Piece piece, String where) {
        Piece[] s = slots.computeIfAbsent(sourceKey, k -> new Piece[count]);
        if (s.length != count || s[index] != null) {
            Piece taken = java.util.Arrays.stream(s).filter(java.util.Objects::nonNull).findFirst().orElseThrow();
            throw new ModelLoadException(where + ": both \"" + taken.internal() + "\" and \"" + piece.internal() + "\" would be written as \""
                    + sourceKey + "\": the weights mix two layouts");
        }
        s[index] = piece;
    }

    /**
     * The source name an internal key is read from (the inverse of {@link #apply} for one-to-one renames), or null when
     * no rule produces it. Used to name modules in the source naming (kohya LoRA keys in ldm form).
     */
    String sourceOf(String internal) {
        String best = null;
        int bestLength = -1;
        for (Rule rule : rules.values()) {
            String to = rule.to();
            if (rule.alias() || to.length() <= bestLength || !(internal.equals(to) || internal.startsWith(to + "."))) continue;
            String rest = internal.length() == to.length() ? "" : internal.substring(to.length() + 1);
            String source = null;
            if (rule.parts().isEmpty()) {
                source = join(rule.from(), rest);
            } else {
                for (Part part : rule.parts()) {
                    if (part.targets().size() != 1) continue;
                    String name = part.targets().getFirst().name();
                    if (rest.equals(name) || rest.startsWith(name + ".")) {
                        source = join(join(rule.from(), part.from()), rest.substring(name.length()).replaceFirst("^\\.", ""));
                        break;
                    }
                }
            }
            if (source != null) {
                best = source;
                bestLength = to.length();
            }
        }
        return best;
    }

    /** The rule for the longest module prefix of {@code key} (cut at dots, the whole key included). */
    private Rule ruleFor(String key) {
        Rule r = rules.get(key);
        if (r != null) return r;
        for (int i = key.lastIndexOf('.'); i > 0; i = key.lastIndexOf('.', i - 1)) {
            r = rules.get(key.substring(0, i));
            if (r != null) return r;
        }
        return null;
    }

    private static Part partFor(Rule rule, String rest) {
        for (Part p : rule.parts())
            if (rest.equals(p.from()) || rest.startsWith(p.from() + ".")) return p;
        return null;
    }

    private static void put(Map<String, Binding> out, String name, Binding b, String where) {
        Binding old = out.put(name, b);
        if (old != null)
            throw new ModelLoadException(where + ": both \"" + old.sourceKey() + "\" and \"" + b.sourceKey() + "\" map to \"" + name
                    + "\": the file mixes two layouts");
    }

    private static String join(String a, String b) {
        if (a.isEmpty()) return b;
        if (b.isEmpty()) return a;
        return a + "." + b;
    }
}
