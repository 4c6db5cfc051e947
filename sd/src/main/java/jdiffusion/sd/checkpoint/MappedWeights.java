package jdiffusion.sd.checkpoint;

import jdiffusion.tensor.ckpt.TensorFile;
import jdiffusion.nn.WeightSource;
import jdiffusion.tensor.Tensor;

import java.util.Collections;
import java.util.Map;
import java.util.Set;

/**
 * One component's weights under internal names, backed by a file under its own naming. Only names are mapped
 * up front; a tensor is a view into the (memory-mapped) file made when asked for, in the file's dtype.
 */
public final class MappedWeights implements WeightSource {
    private final TensorFile file;
    private final Map<String, KeyMap.Binding> bindings;

    MappedWeights(TensorFile file, Map<String, KeyMap.Binding> bindings) {
        this.file = file;
        this.bindings = Collections.unmodifiableMap(bindings);
    }

    @Override public Tensor find(String key) {
        KeyMap.Binding b = bindings.get(key);
        return b == null ? null : b.view().apply(file.get(b.sourceKey()));
    }

    @Override public Set<String> keys() { return bindings.keySet(); }

    /** The file's own name for an internal name, or null (for messages and tools). */
    public String sourceKey(String key) {
        KeyMap.Binding b = bindings.get(key);
        return b == null ? null : b.sourceKey();
    }

    public TensorFile file() { return file; }

    /** The internal names mapped from names under {@code prefix} of {@code file}, renamed by {@code map}. */
    static MappedWeights of(TensorFile file, String prefix, KeyMap map) {
        java.util.List<String> stripped = new java.util.ArrayList<>();
        for (String n : file.names()) if (n.startsWith(prefix)) stripped.add(n.substring(prefix.length()));
        return new MappedWeights(file, map.apply(stripped, prefix, file.path().toString()));
    }
}
