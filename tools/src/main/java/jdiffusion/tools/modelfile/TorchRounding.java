package jdiffusion.tools.modelfile;

import jdiffusion.tensor.DType;

/**
 * How torch rounds the WebUI merger's tensor arithmetic on the CPU: each operation computes in float and rounds
 * its result to the operation's dtype, the inputs' common dtype (two half-precision types of different kinds, or
 * a half and a float, meet in float). Reproducing it per operation makes a merge of F16 checkpoints give the
 * WebUI's bytes, not a once-rounded value one step away.
 */
final class TorchRounding {
    private TorchRounding() {}

    static DType common(DType a, DType b) {
        return a == b ? a : DType.F32;
    }

    static float round(float v, DType dtype) {
        return switch (dtype) {
            case F16 -> Float.float16ToFloat(Float.floatToFloat16(v));
            case BF16 -> DType.bf16ToFloat(DType.floatToBf16(v));
            default -> v;
        };
    }
}
