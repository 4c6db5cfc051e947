package jdiffusion.tensor;

/** Element types of stored tensors. Compute is F32; F16/BF16 weights stay compact until a kernel reads them. */
public enum DType {
    F32(4, "F32", true),
    F16(2, "F16", true),
    BF16(2, "BF16", true),
    I32(4, "I32", false),
    I64(8, "I64", false),
    U8(1, "U8", false);

    private final int byteSize;
    private final String safetensorsName;
    private final boolean floating;

    DType(int byteSize, String safetensorsName, boolean floating) {
        this.byteSize = byteSize;
        this.safetensorsName = safetensorsName;
        this.floating = floating;
    }

    public int byteSize() { return byteSize; }

    /** The dtype string used in safetensors headers. */
    public String safetensorsName() { return safetensorsName; }

    public boolean isFloating() { return floating; }

    /** The dtype for a safetensors header string, or null when we do not support it. */
    public static DType fromSafetensorsName(String name) {
        for (DType d : values()) if (d.safetensorsName.equals(name)) return d;
        return null;
    }

    public static float bf16ToFloat(short bits) { return Float.intBitsToFloat((bits & 0xffff) << 16); }

    /** Round-to-nearest-even, as torch does when casting to bfloat16. */
    public static short floatToBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) return (short) ((bits >>> 16) | 0x40);
        int rounding = 0x7fff + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
    }
}
