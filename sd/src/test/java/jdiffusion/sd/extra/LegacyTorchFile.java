package jdiffusion.sd.extra;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Writes a {@code torch.save} file in the pre-1.6 (non-zip) layout from plain Java values, for tests that need a
 * {@code .pt} without torch: magic, protocol and system-info pickles, the main pickle (dicts with str or int keys,
 * lists, str, int, bool, None and F32 tensors given as {@link FloatTensor}), the storage-key list, then each storage
 * as a little-endian element count and its floats.
 */
final class LegacyTorchFile {
    /** A contiguous float32 tensor. */
    record FloatTensor(float[] values, int... shape) {}

    private final List<FloatTensor> storages = new ArrayList<>();

    static byte[] write(Object root) { return new LegacyTorchFile().bytes(root); }

    private byte[] bytes(Object root) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Pickle magic = new Pickle().proto().op(0x8a, 10);
        magic.raw(new byte[] {0x6c, (byte) 0xfc, (byte) 0x9c, 0x46, (byte) 0xf9, 0x20, 0x6a, (byte) 0xa8, 0x50, 0x19});
        out.writeBytes(magic.stop());
        out.writeBytes(new Pickle().proto().value(1001L).stop());
        out.writeBytes(new Pickle().proto().op('}').str("protocol_version").value(1001L).op('s').str("little_endian").op(0x88).op('s').stop());
        out.writeBytes(new Pickle().proto().value(root).stop());
        Pickle keys = new Pickle().proto().op(']').op('(');
        for (int i = 0; i < storages.size(); i++) keys.str(Integer.toString(i));
        out.writeBytes(keys.op('e').stop());
        for (FloatTensor t : storages) {
            ByteBuffer b = ByteBuffer.allocate(8 + 4 * t.values().length).order(ByteOrder.LITTLE_ENDIAN);
            b.putLong(t.values().length);
            for (float f : t.values()) b.putFloat(f);
            out.writeBytes(b.array());
        }
        return out.toByteArray();
    }

    private final class Pickle {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Pickle op(int... bytes) {
            for (int b : bytes) out.write(b);
            return this;
        }

        Pickle raw(byte[] b) {
            out.writeBytes(b);
            return this;
        }

        Pickle proto() { return op(0x80, 2); }

        byte[] stop() {
            op('.');
            return out.toByteArray();
        }

        Pickle str(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            op('X');
            le(b.length, 4);
            out.writeBytes(b);
            return this;
        }

        Pickle global(String module, String name) {
            op('c');
            out.writeBytes((module + "\n" + name + "\n").getBytes(StandardCharsets.US_ASCII));
            return this;
        }

        Pickle value(Object v) {
            switch (v) {
                case null -> op('N');
                case Boolean b -> op(b ? 0x88 : 0x89);
                case Long l -> { op('J'); le(l, 4); }
                case Integer i -> { op('J'); le(i, 4); }
                case Double d -> { op('G'); long bits = Double.doubleToLongBits(d); for (int k = 7; k >= 0; k--) out.write((int) (bits >>> (8 * k))); }
                case String s -> str(s);
                case List<?> list -> {
                    op(']').op('(');
                    for (Object o : list) value(o);
                    op('e');
                }
                case Map<?, ?> map -> {
                    op('}').op('(');
                    for (Map.Entry<?, ?> e : map.entrySet()) value(e.getKey()).value(e.getValue());
                    op('u');
                }
                case FloatTensor t -> tensor(t);
                default -> throw new IllegalArgumentException("cannot pickle " + v.getClass());
            }
            return this;
        }

        /** {@code _rebuild_tensor_v2(persistent_load(('storage', FloatStorage, key, 'cpu', numel, None)), 0, shape, stride, False, OrderedDict())}. */
        void tensor(FloatTensor t) {
            String key = Integer.toString(storages.size());
            storages.add(t);
            global("torch._utils", "_rebuild_tensor_v2").op('(');
            op('(').str("storage").global("torch", "FloatStorage").str(key).str("cpu").value(t.values().length).op('N').op('t', 'Q');
            value(0);
            op('(');
            for (int s : t.shape()) value(s);
            op('t');
            op('(');
            int stride = 1;
            int[] strides = new int[t.shape().length];
            for (int d = t.shape().length - 1; d >= 0; d--) {
                strides[d] = stride;
                stride *= t.shape()[d];
            }
            for (int s : strides) value(s);
            op('t');
            op(0x89);
            global("collections", "OrderedDict").op(')', 'R');
            op('t', 'R');
        }

        private void le(long v, int n) {
            for (int i = 0; i < n; i++) out.write((int) (v >>> (8 * i)));
        }
    }
}
