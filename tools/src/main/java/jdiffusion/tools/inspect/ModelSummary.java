package jdiffusion.tools.inspect;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Everything inspect reports about one file or diffusers folder, whatever its layout: what it is, its weight files,
 * and every tensor with the component it belongs to, from which the per-component, per-dtype and per-prefix totals
 * follow. Built by {@link #of}; rendered by {@link TextReport} and {@link JsonReport}.
 *
 * @param layout    {@code single file} or {@code diffusers folder}
 * @param parts     the weight files, each with its component (a diffusers folder's subfolder), or null when each
 *                  tensor's component follows from its name (a single file)
 * @param pipeline  a diffusers folder's model_index.json summary; empty for single files
 * @param scheduler a diffusers folder's scheduler config summary; empty when there is none
 * @param notes     other things worth knowing (weight variants present but not the ones loaded)
 */
record ModelSummary(Path path, String layout, Identity identity, List<Part> parts, Map<String, Object> pipeline,
                    Map<String, Object> scheduler, List<String> notes) {

    /** One weight file and the component it holds (null: per tensor name). */
    record Part(String component, WeightFile file) {}

    /** One tensor and the component it belongs to. */
    record Listed(String component, TensorEntry tensor, WeightFile file) {}

    /** Components in the order diffusers lists them; anything else after, then the ldm leftovers and the EMA copy. */
    private static final List<String> ORDER = List.of(ComponentNames.UNET, ComponentNames.VAE, ComponentNames.TEXT_ENCODER, ComponentNames.TEXT_ENCODER_2);

    static ModelSummary of(Path path) {
        if (Files.isDirectory(path)) return DiffusersFolder.read(path);
        WeightFile f = WeightFile.read(path);
        return new ModelSummary(path, "single file", Identity.of(f), List.of(new Part(null, f)), Map.of(), Map.of(), List.of());
    }

    List<Listed> tensors() {
        List<Listed> out = new ArrayList<>();
        for (Part p : parts)
            for (TensorEntry t : p.file().tensors())
                out.add(new Listed(p.component() != null ? p.component() : identity.kind().componentOf(t.name()), t, p.file()));
        return out;
    }

    Totals total() {
        Totals t = Totals.ZERO;
        for (Listed l : tensors()) t = t.plus(l.tensor());
        return t;
    }

    long fileBytes() { return parts.stream().mapToLong(p -> p.file().fileBytes()).sum(); }

    /** Per component, in {@link #ORDER}, then others by name, then {@code other} and {@code ema}. */
    Map<String, Totals> components() {
        Map<String, Totals> by = new TreeMap<>(Comparator.comparingInt(ModelSummary::rank).thenComparing(Comparator.naturalOrder()));
        for (Listed l : tensors()) by.merge(l.component(), Totals.ZERO.plus(l.tensor()), Totals::plus);
        return new LinkedHashMap<>(by);
    }

    static int rank(String component) {
        int i = ORDER.indexOf(component);
        if (i >= 0) return i;
        return switch (component) {
            case ComponentNames.OTHER -> 100;
            case ComponentNames.EMA -> 101;
            default -> 50;
        };
    }

    /** The EMA copy ({@code model_ema.*}); zero when absent. */
    Totals ema() { return components().getOrDefault(ComponentNames.EMA, Totals.ZERO); }

    Map<String, Totals> dtypes() {
        Map<String, Totals> by = new TreeMap<>();
        for (Listed l : tensors()) by.merge(l.tensor().dtype(), Totals.ZERO.plus(l.tensor()), Totals::plus);
        return by;
    }

    /** Top-level key prefixes ({@link KeyPrefixes}), largest first; per component for a folder ({@code unet/down_blocks}). */
    Map<String, Totals> prefixes() {
        Map<String, Totals> by = new LinkedHashMap<>();
        for (Listed l : tensors()) {
            String prefix = KeyPrefixes.of(l.tensor().name());
            by.merge(parts.size() == 1 && parts.getFirst().component() == null ? prefix : l.component() + "/" + prefix,
                    Totals.ZERO.plus(l.tensor()), Totals::plus);
        }
        Map<String, Totals> sorted = new LinkedHashMap<>();
        by.entrySet().stream().sorted((a, b) -> Long.compare(b.getValue().bytes(), a.getValue().bytes())).forEach(e -> sorted.put(e.getKey(), e.getValue()));
        return sorted;
    }

    /** The tensor's name as listed: prefixed by its component in a folder, where names repeat across components. */
    String listedName(Listed l) {
        return parts.size() == 1 && parts.getFirst().component() == null ? l.tensor().name() : l.component() + "/" + l.tensor().name();
    }
}
