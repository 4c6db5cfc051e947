package jdiffusion.sd.checkpoint;

import jdiffusion.tensor.DType;
import jdiffusion.tensor.Tensor;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;

/**
 * A file of named tensors under its own naming (ldm or diffusers): a memory-mapped safetensors file, or a
 * {@code .ckpt}/{@code .pt}/{@code .bin} torch archive read by the restricted unpickler. Tensors keep the
 * file's dtype; shapes and dtypes are readable without touching the data.
 */
public interface TensorFile extends AutoCloseable {
    Path path();

    Set<String> names();

    boolean contains(String name);

    int[] shape(String name);

    DType dtype(String name);

    /** The tensor, zero-copy where the format allows. */
    Tensor get(String name);

    @Override void close();

    /** Opens by extension: {@code .safetensors}, else a torch pickle archive ({@code .ckpt .pt .pth .bin}). */
    static TensorFile open(Path path) {
        String name = path.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".safetensors")) return SafeTensorsFile.open(path);
        if (name.endsWith(".ckpt") || name.endsWith(".pt") || name.endsWith(".pth") || name.endsWith(".bin"))
            return PickleCheckpointFile.open(path);
        throw new ModelLoadException(path + ": unknown model file type (expected .safetensors, .ckpt, .pt, .pth or .bin)");
    }
}
