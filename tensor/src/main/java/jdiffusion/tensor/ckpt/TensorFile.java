package jdiffusion.tensor.ckpt;

import jdiffusion.tensor.Tensor;

import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

/**
 * A model file read as name to tensor, whatever its format ({@link CheckpointFiles#open}). Tensors are
 * zero-copy views of the memory-mapped file, valid until {@link #close}.
 */
public interface TensorFile extends AutoCloseable {
    Path path();

    /** Name to tensor in file order. */
    Map<String, Tensor> tensors();

    /**
     * Non-tensor facts stored with the weights: a safetensors file's {@code __metadata__} strings; a
     * torch checkpoint's other top-level values (epoch, global_step...).
     */
    Map<String, Object> metadata();

    default Set<String> names() { return tensors().keySet(); }

    default boolean contains(String name) { return tensors().containsKey(name); }

    /** The tensor called {@code name}; a {@link CheckpointException} naming the file when there is none. */
    default Tensor get(String name) {
        Tensor t = tensors().get(name);
        if (t == null) throw new CheckpointException(path() + ": no tensor named \"" + name + "\"");
        return t;
    }

    @Override void close();
}
