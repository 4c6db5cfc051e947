package jdiffusion.kernels.opencl;

import jdiffusion.tensor.DType;
import jdiffusion.tensor.Tensor;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Device copies of host tensors that live in native memory (weights memory-mapped from model files), so each
 * is uploaded once per run however often the model reads it. The key is the memory itself (segment address,
 * element offset, dtype, shape, strides) plus the segment's lifetime: when the file is closed its entries are
 * dropped and their buffers freed, so a new file mapped at the same address is never mistaken for the old one.
 *
 * <p>Native memory is taken to be immutable once uploaded, as model weights are; heap arrays (activations
 * built on the host, which callers may refill) are never cached.
 */
final class WeightCache {
    private record Key(MemorySegment.Scope scope, long address, long byteSize, DType dtype, long offset, String layout) {}

    private final Map<Key, Tensor> entries = new HashMap<>();

    static boolean cacheable(Tensor host) { return host.host().segment().isNative(); }

    /** The cached device tensor for {@code host}, uploading it with {@code upload} on first use. */
    Tensor get(Tensor host, Supplier<Tensor> upload) {
        MemorySegment seg = host.host().segment();
        Key key = new Key(seg.scope(), seg.address(), seg.byteSize(), host.dtype(), host.offset(),
                Arrays.toString(host.shape()) + Arrays.toString(host.strides()));
        Tensor t = entries.get(key);
        if (t != null) return t;
        dropClosed();
        t = upload.get();
        entries.put(key, t);
        return t;
    }

    int size() { return entries.size(); }

    private void dropClosed() {
        for (Iterator<Map.Entry<Key, Tensor>> it = entries.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<Key, Tensor> e = it.next();
            if (!e.getKey().scope().isAlive()) {
                ((DeviceStorage) e.getValue().storage()).free();
                it.remove();
            }
        }
    }

    void clear() {
        for (Tensor t : entries.values()) ((DeviceStorage) t.storage()).free();
        entries.clear();
    }
}
