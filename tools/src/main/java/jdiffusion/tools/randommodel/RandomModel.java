package jdiffusion.tools.randommodel;

import jdiffusion.tensor.DType;
import jdiffusion.tensor.SafeTensorsWriter;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Writes a seeded random-weight checkpoint with the exact names, shapes and dtypes of a real one, so the
 * engine can be measured on the true architecture without real weights. Values follow PyTorch's default
 * initialisation scale (uniform ±1/√fan_in), norms start at weight 1 / bias 0, the DDPM buffers are the real
 * SD schedule, so a forward pass stays finite. Each tensor draws from its own stream (seed + name), so the
 * file is the same whatever order it is written in.
 */
public final class RandomModel {
    private RandomModel() {}

    public static void write(Path out, List<LdmLayout.Entry> layout, long seed, boolean overwrite) {
        SafeTensorsWriter w = new SafeTensorsWriter().overwrite(overwrite);
        // one staging buffer for the whole file: tensors are produced one after another
        ByteBuffer staging = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
        for (LdmLayout.Entry e : layout) {
            w.add(e.name(), e.dtype(), e.shape(), sink -> fill(e, seed, sink, staging.clear()));
        }
        w.write(out);
    }

    private static void fill(LdmLayout.Entry e, long seed, SafeTensorsWriter.Sink sink, ByteBuffer b) throws IOException {
        long n = 1;
        for (int d : e.shape()) n *= d;
        if (e.kind() == LdmLayout.Kind.SCHEDULE) {
            double[] v = DdpmSchedule.buffer(e.name());
            for (double x : v) b.putFloat((float) x);
            sink.write(b.flip());
            return;
        }
        if (e.kind() == LdmLayout.Kind.POSITION_IDS) {
            for (long i = 0; i < n; i++) b.putLong(i);
            sink.write(b.flip());
            return;
        }
        if (e.kind() == LdmLayout.Kind.LOGIT_SCALE) {
            // CLIP's trained temperature, ln(100); unused for text conditioning
            put(b, e.dtype(), (float) Math.log(100));
            sink.write(b.flip());
            return;
        }
        SplittableRandom rnd = new SplittableRandom(seed * 0x9E3779B97F4A7C15L ^ e.name().hashCode());
        long fanIn = e.shape().length > 1 ? n / e.shape()[0] : n;
        double bound = switch (e.kind()) {
            case WEIGHT -> e.name().endsWith("embedding.weight") ? 0.02 : 1.0 / Math.sqrt(fanIn);
            case BIAS -> 0.01;
            default -> 0;
        };
        float constant = e.kind() == LdmLayout.Kind.NORM_WEIGHT ? 1f : 0f;
        int elementBytes = e.dtype().byteSize();
        for (long i = 0; i < n; i++) {
            float v = bound == 0 ? constant : (float) ((rnd.nextDouble() * 2 - 1) * bound);
            if (b.remaining() < elementBytes) { sink.write(b.flip()); b.clear(); }
            put(b, e.dtype(), v);
        }
        sink.write(b.flip());
    }

    private static void put(ByteBuffer b, DType dtype, float v) {
        switch (dtype) {
            case F32 -> b.putFloat(v);
            case F16 -> b.putShort(Float.floatToFloat16(v));
            case BF16 -> b.putShort(DType.floatToBf16(v));
            default -> throw new IllegalArgumentException("random values for " + dtype + " tensors");
        }
    }
}
