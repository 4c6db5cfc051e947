package jdiffusion.sd.checkpoint;

import java.nio.file.Path;

/**
 * Hook for torch pickle archives ({@code .ckpt}, {@code .pt}, {@code .pth}, diffusers {@code .bin}). The restricted,
 * never-executing unpickler lives in {@code jdiffusion.tensor.ckpt}; once it is merged, {@link #open} wraps its
 * reader as a {@link TensorFile} (unwrapping a nested {@code state_dict} as A1111 does). Until then a pickle file is
 * refused with a message that says how to convert it.
 */
final class PickleCheckpointFile {
    private PickleCheckpointFile() {}

    static TensorFile open(Path path) {
        throw new ModelLoadException(path + ": .ckpt/.pt loading is not wired in yet in this build; "
                + "convert the file to .safetensors (or use a diffusers folder with .safetensors weights)");
    }
}
