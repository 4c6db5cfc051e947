package jdiffusion.tensor.ckpt;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A tiny state dict written in each layout torch.save uses, built byte by byte:
 * {@code {'epoch': 3, 'state_dict': {w: F32[2,3] = 1..6, wT: w transposed (a strided view of the same
 * storage), row: w[1], h: F16[4] = 0.5, -2, 1024, 1/3, ids: I64[1,3] = 49406, 320, 49407}}}.
 */
final class SmallCheckpoints {
    private SmallCheckpoints() {}

    static final float[] W = {1, 2, 3, 4, 5, 6};
    static final float[] H = {0.5f, -2f, 1024f, 1f / 3};
    static final long[] IDS = {49406, 320, 49407};

    /** The main pickle; {@code legacy} adds the sixth (view) item to persistent ids, as pre-1.6 torch did. */
    static byte[] mainPickle(boolean legacy) {
        PickleWriter p = new PickleWriter().proto(2).op('}').mark();
        p.str("epoch").integer(3);
        p.str("state_dict").emptyOrderedDict().mark();
        p.str("w"); tensor(p, legacy, "FloatStorage", "0", 6, 0, new long[]{2, 3}, new long[]{3, 1});
        p.str("wT"); tensor(p, legacy, "FloatStorage", "0", 6, 0, new long[]{3, 2}, new long[]{1, 3});
        p.str("row"); tensor(p, legacy, "FloatStorage", "0", 6, 3, new long[]{3}, new long[]{1});
        p.str("h"); tensor(p, legacy, "HalfStorage", "1", 4, 0, new long[]{4}, new long[]{1});
        p.str("ids"); tensor(p, legacy, "LongStorage", "2", 3, 0, new long[]{1, 3}, new long[]{3, 1});
        return p.op('u').op('u').stop().bytes();
    }

    private static void tensor(PickleWriter p, boolean legacy, String type, String key, long numel, long offset, long[] shape, long[] stride) {
        if (!legacy) { p.tensor(type, key, numel, offset, shape, stride); return; }
        p.global("torch._utils", "_rebuild_tensor_v2").mark();
        p.mark().str("storage").global("torch", type).str(key).str("cpu").integer(numel).op('N').op('t', 'Q');
        p.integer(offset).intTuple(shape).intTuple(stride).op(0x89).emptyOrderedDict().op('t', 'R');
    }

    static byte[] storage(int key, ByteOrder order) {
        ByteBuffer b;
        switch (key) {
            case 0 -> { b = ByteBuffer.allocate(24).order(order); for (float f : W) b.putFloat(f); }
            case 1 -> { b = ByteBuffer.allocate(8).order(order); for (float f : H) b.putShort(Float.floatToFloat16(f)); }
            default -> { b = ByteBuffer.allocate(24).order(order); for (long l : IDS) b.putLong(l); }
        }
        return b.array();
    }

    static byte[] zip(boolean zip64, boolean deflatePickle, boolean bigEndian) {
        ByteOrder order = bigEndian ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
        TestZip z = new TestZip(zip64).add("small/data.pkl", mainPickle(false), deflatePickle);
        for (int k = 0; k < 3; k++) z.add("small/data/" + k, storage(k, order), false);
        if (bigEndian) z.add("small/byteorder", "big".getBytes(), false);
        return z.add("small/version", "3\n".getBytes(), false).bytes();
    }

    static byte[] legacy() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new PickleWriter().proto(2).op(0x8a, 10).raw(new byte[]{0x6c, (byte) 0xfc, (byte) 0x9c, 0x46, (byte) 0xf9, 0x20, 0x6a, (byte) 0xa8, 0x50, 0x19}).stop().bytes());
        out.writeBytes(new PickleWriter().proto(2).integer(1001).stop().bytes());
        out.writeBytes(new PickleWriter().proto(2).op('}').str("protocol_version").integer(1001).op('s')
                .str("little_endian").op(0x88).op('s').stop().bytes());
        out.writeBytes(mainPickle(true));
        out.writeBytes(new PickleWriter().proto(2).op(']').mark().str("0").str("1").str("2").op('e').stop().bytes());
        long[] counts = {6, 4, 3};
        for (int k = 0; k < 3; k++) {
            out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(counts[k]).array());
            out.writeBytes(storage(k, ByteOrder.LITTLE_ENDIAN));
        }
        return out.toByteArray();
    }
}
