package jdiffusion.sd.checkpoint;

import jdiffusion.tensor.ckpt.CheckpointException;
import jdiffusion.tensor.ckpt.CheckpointFiles;
import jdiffusion.tensor.ckpt.TensorFile;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Opens one weights file for the model loader: a memory-mapped {@code .safetensors}, or a torch pickle archive
 * ({@code .ckpt .pt .pth .bin}) read by the restricted, never-executing unpickler, which also unwraps a nested
 * {@code state_dict} as A1111 does. Failures are {@link ModelLoadException}s naming the file.
 */
public final class ModelFile {
    private ModelFile() {}

    public static TensorFile open(Path path) {
        if (!Files.isRegularFile(path)) throw new ModelLoadException(path + ": no such file");
        String name = path.getFileName().toString().toLowerCase(Locale.ROOT);
        if (!name.endsWith(".safetensors") && !name.endsWith(".ckpt") && !name.endsWith(".pt") && !name.endsWith(".pth") && !name.endsWith(".bin"))
            throw new ModelLoadException(path + ": unknown model file type (expected .safetensors, .ckpt, .pt, .pth or .bin)");
        try {
            return CheckpointFiles.open(path);
        } catch (CheckpointException e) {
            throw new ModelLoadException(e.getMessage(), e);
        }
    }
}
