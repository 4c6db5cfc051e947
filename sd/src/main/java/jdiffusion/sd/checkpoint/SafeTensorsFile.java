package jdiffusion.sd.checkpoint;

import jdiffusion.tensor.DType;
import jdiffusion.tensor.SafeTensors;
import jdiffusion.tensor.SafeTensorsException;
import jdiffusion.tensor.Tensor;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

/** A memory-mapped {@code .safetensors} file as a {@link TensorFile}. */
final class SafeTensorsFile implements TensorFile {
    private final SafeTensors st;

    private SafeTensorsFile(SafeTensors st) { this.st = st; }

    static SafeTensorsFile open(Path path) {
        if (!Files.isRegularFile(path)) throw new ModelLoadException(path + ": no such file");
        try {
            return new SafeTensorsFile(SafeTensors.open(path));
        } catch (SafeTensorsException e) {
            throw new ModelLoadException(e.getMessage(), e);
        }
    }

    @Override public Path path() { return st.path(); }

    @Override public Set<String> names() { return st.names(); }

    @Override public boolean contains(String name) { return st.contains(name); }

    @Override public int[] shape(String name) { return st.entry(name).shape().clone(); }

    @Override public DType dtype(String name) { return st.entry(name).dtype(); }

    @Override public Tensor get(String name) { return st.get(name); }

    @Override public void close() { st.close(); }
}
