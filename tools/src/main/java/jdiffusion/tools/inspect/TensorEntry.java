package jdiffusion.tools.inspect;

import jdiffusion.tensor.DType;

import java.util.Set;

/**
 * One tensor as inspect lists it, read from a safetensors header or a checkpoint's pickle without touching its data.
 *
 * @param dtype   the safetensors dtype name ({@code F16}, {@code I64}, also ones jsd does not compute with, e.g. {@code F8_E4M3})
 * @param offsets the byte range within a safetensors data section, or null for other formats
 */
record TensorEntry(String name, String dtype, int[] shape, long bytes, long[] offsets) {
    /** Floating-point dtypes jsd cannot compute with but that still hold parameters. */
    private static final Set<String> OTHER_FLOATS = Set.of("F64", "F8_E4M3", "F8_E5M2", "F8_E4M3FN", "F8_E5M2FNUZ", "F8_E4M3FNUZ");

    long numel() {
        long n = 1;
        for (int d : shape) n *= d;
        return n;
    }

    /** Whether the tensor holds parameters: integer and bool tensors (CLIP's position_ids) are buffers, not weights. */
    boolean floating() {
        DType d = DType.fromSafetensorsName(dtype);
        return d != null ? d.isFloating() : OTHER_FLOATS.contains(dtype);
    }

    /** The parameters it holds: its elements when floating, else none. */
    long parameters() { return floating() ? numel() : 0; }
}
