package jdiffusion.tools.modelfile;

import jdiffusion.tensor.DType;
import jdiffusion.tensor.SafeTensorsWriter;
import jdiffusion.tensor.Tensor;

import java.io.IOException;
import java.nio.ByteBuffer;

/** Writes float values to a safetensors {@link SafeTensorsWriter.Sink} in a chosen floating dtype, chunk by chunk. */
final class DTypeSink {
    private DTypeSink() {}

    /** The dtype a tensor is written in: {@code target} for floating tensors when given, else its own. */
    static DType outputDType(Tensor t, DType target) {
        return target != null && t.dtype().isFloating() ? target : t.dtype();
    }

    /** A source that writes {@code t} converted to {@code dtype} (identity when the dtypes already agree). */
    static SafeTensorsWriter.Source convert(Tensor t, DType dtype) {
        if (t.dtype() == dtype) return sink -> {
            if (t.isContiguous() && t.isHost() && t.host().floats() == null)
                sink.write(t.host().segment().asSlice(t.offset() * dtype.byteSize(), t.numel() * dtype.byteSize()));
            else writeFloats(sink, t.toFloatArray(), dtype);
        };
        return sink -> writeFloats(sink, t.toFloatArray(), dtype);
    }

    static void writeFloats(SafeTensorsWriter.Sink sink, float[] values, DType dtype) throws IOException {
        ByteBuffer b = sink.staging();
        for (float v : values) {
            if (b.remaining() < 4) { sink.write(b.flip()); b = sink.staging(); }
            switch (dtype) {
                case F32 -> b.putFloat(v);
                case F16 -> b.putShort(Float.floatToFloat16(v));
                case BF16 -> b.putShort(DType.floatToBf16(v));
                default -> throw new IllegalArgumentException("cannot write floats as " + dtype);
            }
        }
        sink.write(b.flip());
    }
}
