package jdiffusion.tools.inspect;

import jdiffusion.tensor.SafeTensors;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** What {@code jsd inspect} reports about a safetensors file, computed from its header alone (no tensor data is read). */
record SafeTensorsSummary(long fileBytes, long headerBytes, int tensors, long parameters, long dataBytes,
                          Map<String, Totals> byDtype, Map<String, Totals> byPrefix, Map<String, String> metadata) {

    /** Tensor, parameter and byte counts of one group. */
    record Totals(int tensors, long parameters, long bytes) {
        Totals plus(SafeTensors.Entry e) { return new Totals(tensors + 1, parameters + e.numel(), bytes + e.byteSize()); }

        Map<String, Object> toJson() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("tensors", (long) tensors);
            m.put("parameters", parameters);
            m.put("bytes", bytes);
            return m;
        }
    }

    static SafeTensorsSummary of(SafeTensors st) {
        Map<String, Totals> byDtype = new TreeMap<>();
        Map<String, Totals> byPrefix = new LinkedHashMap<>();
        long parameters = 0;
        Totals zero = new Totals(0, 0, 0);
        for (SafeTensors.Entry e : st.entries().values()) {
            parameters += e.numel();
            byDtype.merge(e.dtypeName(), zero.plus(e), SafeTensorsSummary::sum);
            byPrefix.merge(KeyPrefixes.of(e.name()), zero.plus(e), SafeTensorsSummary::sum);
        }
        // largest part first: a checkpoint's UNet, then VAE and text encoder
        Map<String, Totals> sortedPrefixes = new LinkedHashMap<>();
        byPrefix.entrySet().stream()
                .sorted((a, b) -> Long.compare(b.getValue().bytes(), a.getValue().bytes()))
                .forEach(x -> sortedPrefixes.put(x.getKey(), x.getValue()));
        return new SafeTensorsSummary(st.fileBytes(), st.headerBytes(), st.entries().size(), parameters, st.dataBytes(),
                byDtype, sortedPrefixes, st.metadata());
    }

    private static Totals sum(Totals a, Totals b) { return new Totals(a.tensors + b.tensors, a.parameters + b.parameters, a.bytes + b.bytes); }

    Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("format", "safetensors");
        m.put("file_bytes", fileBytes);
        m.put("header_bytes", headerBytes);
        m.put("tensors", (long) tensors);
        m.put("parameters", parameters);
        m.put("data_bytes", dataBytes);
        Map<String, Object> d = new LinkedHashMap<>();
        byDtype.forEach((k, v) -> d.put(k, v.toJson()));
        m.put("dtypes", d);
        Map<String, Object> p = new LinkedHashMap<>();
        byPrefix.forEach((k, v) -> p.put(k, v.toJson()));
        m.put("prefixes", p);
        m.put("metadata", metadata);
        return m;
    }

    /** Tensor name, dtype, shape and byte range for {@code --tensors} in JSON. */
    static List<Object> tensorsJson(SafeTensors st) {
        return st.entries().values().stream().<Object>map(e -> {
            Map<String, Object> t = new LinkedHashMap<>();
            t.put("name", e.name());
            t.put("dtype", e.dtypeName());
            t.put("shape", e.shape());
            t.put("data_offsets", new long[]{e.begin(), e.end()});
            return t;
        }).toList();
    }
}
