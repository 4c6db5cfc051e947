package jdiffusion.sd.checkpoint;

import jdiffusion.tensor.ckpt.TensorFile;
import jdiffusion.tensor.DType;
import jdiffusion.tensor.Tensor;

import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

/** Named tensors held in memory as if read from a file, to build layouts the shared models do not ship. */
public final class InMemoryTensorFile implements TensorFile {
    private final Path path;
    private final Map<String, Tensor> tensors;

    public InMemoryTensorFile(Path path, Map<String, Tensor> tensors) {
        this.path = path;
        this.tensors = tensors;
    }

    /** A single-file checkpoint over these tensors, configured by {@code yaml} (null: detection). */
    public static Checkpoint checkpoint(InMemoryTensorFile file, Path yaml) { return Checkpoint.fromSingleFile(file, yaml); }

    @Override public Path path() { return path; }

    @Override public Set<String> names() { return tensors.keySet(); }

    @Override public boolean contains(String name) { return tensors.containsKey(name); }

    @Override public int[] shape(String name) { return tensors.get(name).shape(); }

    @Override public DType dtype(String name) { return tensors.get(name).dtype(); }

    @Override public Tensor get(String name) { return tensors.get(name); }

    @Override public void close() {}
}
