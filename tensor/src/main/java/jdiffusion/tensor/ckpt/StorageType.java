package jdiffusion.tensor.ckpt;

import jdiffusion.tensor.DType;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The element type of a torch storage ({@code torch.HalfStorage} in a persistent id) and the
 * {@link DType} it loads as. Types we hold natively stay zero-copy views of the file; double, int8
 * and int16 storages (never weights in practice) are widened to F32/I32 copies, as are big-endian
 * storages byte-swapped into a copy.
 */
enum StorageType {
    FLOAT("Float", "float32", DType.F32, 4),
    HALF("Half", "float16", DType.F16, 2),
    BFLOAT16("BFloat16", "bfloat16", DType.BF16, 2),
    LONG("Long", "int64", DType.I64, 8),
    INT("Int", "int32", DType.I32, 4),
    BYTE("Byte", "uint8", DType.U8, 1),
    BOOL("Bool", "bool", DType.U8, 1),
    UNTYPED("Untyped", null, DType.U8, 1),
    DOUBLE("Double", "float64", DType.F32, 8),
    SHORT("Short", "int16", DType.I32, 2),
    CHAR("Char", "int8", DType.I32, 1);

    private final String storagePrefix;
    private final String dtypeName;
    final DType dtype;
    final int fileBytes;

    StorageType(String storagePrefix, String dtypeName, DType dtype, int fileBytes) {
        this.storagePrefix = storagePrefix;
        this.dtypeName = dtypeName;
        this.dtype = dtype;
        this.fileBytes = fileBytes;
    }

    /**
     * The type for {@code torch.HalfStorage}, {@code torch.storage.UntypedStorage} (bytes) or a dtype global such as
     * {@code torch.float16}; null if unknown (a bare TypedStorage says nothing of its dtype).
     */
    static StorageType of(PickleGlobal g) {
        if (!g.module().equals("torch") && !g.module().equals("torch.storage")) return null;
        for (StorageType t : values()) {
            if (g.name().equals(t.storagePrefix + "Storage")) return t;
            if (g.name().equals(t.dtypeName)) return t;
        }
        return switch (g.name()) {
            case "half" -> HALF;
            case "float" -> FLOAT;
            case "double" -> DOUBLE;
            case "long" -> LONG;
            case "int" -> INT;
            case "short" -> SHORT;
            default -> null;
        };
    }

    /** {@code raw} (file bytes) as little-endian elements of {@link #dtype}, copying only when it must. */
    MemorySegment prepare(MemorySegment raw, boolean bigEndian, Arena arena) {
        long n = raw.byteSize() / fileBytes;
        boolean native_ = fileBytes == dtype.byteSize() && (!bigEndian || fileBytes == 1);
        if (native_) return raw;
        ByteOrder order = bigEndian ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
        MemorySegment out = arena.allocate(n * dtype.byteSize(), 8);
        var f32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        var i32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        for (long i = 0; i < n; i++) {
            long at = i * fileBytes;
            switch (this) {
                case DOUBLE -> out.setAtIndex(f32, i, (float) raw.get(ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(order), at));
                case SHORT -> out.setAtIndex(i32, i, raw.get(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(order), at));
                case CHAR -> out.setAtIndex(i32, i, raw.get(ValueLayout.JAVA_BYTE, at));
                default -> { // same width, other byte order
                    for (int b = 0; b < fileBytes; b++)
                        out.set(ValueLayout.JAVA_BYTE, at + b, raw.get(ValueLayout.JAVA_BYTE, at + fileBytes - 1 - b));
                }
            }
        }
        return out;
    }

    String torchName() { return "torch." + storagePrefix + "Storage"; }
}
