package jdiffusion.tensor.ckpt;

import jdiffusion.tensor.DType;
import jdiffusion.tensor.Tensor;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * A model file read as named tensors, whatever its format ({@link CheckpointFiles#open}: safetensors, torch
 * pickle archives) or origin (a diffusers shard set, tensors built in memory). Names, shapes and dtypes are
 * readable without touching the data (an implementation may have none: shape-only files describe real layouts
 * in tests); tensors are zero-copy views of the memory-mapped file in its dtype, valid until {@link #close}.
 */
public interface TensorFile extends AutoCloseable {
    Path path();

    /** Tensor names in file order. */
    Set<String> names();

    default boolean contains(String name) { return names().contains(name); }

    int[] shape(String name);

    DType dtype(String name);

    /** The tensor called {@code name}; a {@link CheckpointException} naming the file when there is none. */
    Tensor get(String name);

    /**
     * Non-tensor facts stored with the weights: a safetensors file's {@code __metadata__} strings; a
     * torch checkpoint's other top-level values (epoch, global_step...). Empty by default.
     */
    default Map<String, Object> metadata() { return Map.of(); }

    /** Name to tensor in file order (every tensor's view). */
    default Map<String, Tensor> tensors() {
        Map<String, Tensor> m = new LinkedHashMap<>();
        for (String n : names()) m.put(n, get(n));
        return Collections.unmodifiableMap(m);
    }

    @Override void close();
}
