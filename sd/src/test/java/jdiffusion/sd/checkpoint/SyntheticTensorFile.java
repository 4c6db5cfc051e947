package jdiffusion.sd.checkpoint;

import jdiffusion.tensor.ckpt.TensorFile;
import jdiffusion.tensor.DType;
import jdiffusion.tensor.Tensor;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** Names and shapes without a file, for detection tests; each tensor holds 0, 1, 2, ... so slices can be checked. */
final class SyntheticTensorFile implements TensorFile {
    private final Path path;
    final Map<String, int[]> shapes = new LinkedHashMap<>();

    SyntheticTensorFile(String name) { this.path = Path.of(name); }

    /** Names and shapes of a real file, as a starting point. */
    static SyntheticTensorFile copyOf(TensorFile f, String name) {
        SyntheticTensorFile s = new SyntheticTensorFile(name);
        for (String n : f.names()) s.shapes.put(n, f.shape(n));
        return s;
    }

    SyntheticTensorFile put(String name, int... shape) {
        shapes.put(name, shape);
        return this;
    }

    SyntheticTensorFile removeUnder(String prefix) {
        shapes.keySet().removeIf(n -> n.startsWith(prefix));
        return this;
    }

    @Override public Path path() { return path; }

    @Override public Set<String> names() { return shapes.keySet(); }

    @Override public boolean contains(String name) { return shapes.containsKey(name); }

    @Override public int[] shape(String name) { return shapes.get(name).clone(); }

    @Override public DType dtype(String name) { return DType.F32; }

    @Override public Tensor get(String name) {
        int[] shape = shapes.get(name);
        float[] v = new float[Math.toIntExact(Tensor.numel(shape))];
        for (int i = 0; i < v.length; i++) v[i] = i;
        return Tensor.of(v, shape);
    }

    @Override public void close() {}
}
