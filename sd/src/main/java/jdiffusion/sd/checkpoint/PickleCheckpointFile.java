package jdiffusion.sd.checkpoint;

import jdiffusion.tensor.DType;
import jdiffusion.tensor.Tensor;
import jdiffusion.tensor.ckpt.CheckpointException;
import jdiffusion.tensor.ckpt.CheckpointFiles;

import java.nio.file.Path;
import java.util.Set;

/**
 * Torch pickle archives ({@code .ckpt}, {@code .pt}, {@code .pth}, diffusers {@code .bin}) through the restricted,
 * never-executing unpickler of {@code jdiffusion.tensor.ckpt}, which also unwraps a nested {@code state_dict} as
 * A1111 does. Tensors are views into the memory-mapped archive.
 */
final class PickleCheckpointFile implements TensorFile {
    private final jdiffusion.tensor.ckpt.TensorFile file;

    private PickleCheckpointFile(jdiffusion.tensor.ckpt.TensorFile file) { this.file = file; }

    static TensorFile open(Path path) {
        try {
            return new PickleCheckpointFile(CheckpointFiles.open(path));
        } catch (CheckpointException e) {
            throw new ModelLoadException(e.getMessage(), e);
        }
    }

    private Tensor tensor(String name) {
        Tensor t = file.tensors().get(name);
        if (t == null) throw new ModelLoadException(file.path() + ": no tensor named \"" + name + "\"");
        return t;
    }

    @Override public Path path() { return file.path(); }

    @Override public Set<String> names() { return file.names(); }

    @Override public boolean contains(String name) { return file.contains(name); }

    @Override public int[] shape(String name) { return tensor(name).shape(); }

    @Override public DType dtype(String name) { return tensor(name).dtype(); }

    @Override public Tensor get(String name) { return tensor(name); }

    @Override public void close() { file.close(); }
}
