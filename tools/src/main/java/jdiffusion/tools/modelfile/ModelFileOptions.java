package jdiffusion.tools.modelfile;

import jdiffusion.tensor.DType;
import jdiffusion.tools.Arguments;

import java.util.List;

/** Options the model-file commands share. */
final class ModelFileOptions {
    private ModelFileOptions() {}

    /** {@code --dtype f16|bf16|f32}, or null to keep each tensor's dtype. */
    static DType dtype(Arguments a) {
        if (!a.has("--dtype")) return null;
        return switch (a.choice("--dtype", "f16", List.of("f16", "bf16", "f32"))) {
            case "bf16" -> DType.BF16;
            case "f32" -> DType.F32;
            default -> DType.F16;
        };
    }
}
