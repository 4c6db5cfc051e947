package jdiffusion.tensor.ckpt;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Writes pickle opcodes by hand, for tests that need pickles torch would never produce (or could, without torch). */
final class PickleWriter {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    PickleWriter op(int... bytes) {
        for (int b : bytes) out.write(b);
        return this;
    }

    PickleWriter proto(int p) { return op(0x80, p); }

    PickleWriter mark() { return op('('); }

    PickleWriter stop() { return op('.'); }

    PickleWriter str(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        op('X');
        le(b.length, 4);
        out.writeBytes(b);
        return this;
    }

    PickleWriter integer(long v) {
        if (v >= 0 && v < 256) return op('K', (int) v);
        if (v >= 0 && v < 65536) return op('M', (int) (v & 0xff), (int) (v >> 8));
        if (v == (int) v) { op('J'); le(v, 4); return this; }
        op(0x8a, 8);
        le(v, 8);
        return this;
    }

    PickleWriter global(String module, String name) {
        op('c');
        out.writeBytes((module + "\n" + name + "\n").getBytes(StandardCharsets.US_ASCII));
        return this;
    }

    /** {@code OrderedDict()}, as torch pickles empty backward hooks. */
    PickleWriter emptyOrderedDict() { return global("collections", "OrderedDict").op(')', 'R'); }

    /** {@code (a, b, ...)} of ints. */
    PickleWriter intTuple(long... values) {
        mark();
        for (long v : values) integer(v);
        return op('t');
    }

    /** {@code _rebuild_tensor_v2(persistent_load(('storage', torch.<type>, key, 'cpu', numel)), offset, shape, stride, False, OrderedDict())}. */
    PickleWriter tensor(String storageType, String key, long numel, long offset, long[] shape, long[] stride) {
        global("torch._utils", "_rebuild_tensor_v2").mark();
        mark().str("storage").global("torch", storageType).str(key).str("cpu").integer(numel).op('t', 'Q');
        integer(offset).intTuple(shape).intTuple(stride).op(0x89);
        emptyOrderedDict();
        return op('t', 'R');
    }

    PickleWriter raw(byte[] b) {
        out.writeBytes(b);
        return this;
    }

    private void le(long v, int n) {
        for (int i = 0; i < n; i++) out.write((int) (v >>> (8 * i)));
    }

    byte[] bytes() { return out.toByteArray(); }
}
