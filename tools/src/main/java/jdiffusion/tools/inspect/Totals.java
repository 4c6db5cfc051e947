package jdiffusion.tools.inspect;

import java.util.LinkedHashMap;
import java.util.Map;

/** Tensor, parameter and byte counts of one group (a component, a dtype, a key prefix). */
record Totals(int tensors, long parameters, long bytes) {
    static final Totals ZERO = new Totals(0, 0, 0);

    Totals plus(TensorEntry e) { return new Totals(tensors + 1, parameters + e.parameters(), bytes + e.bytes()); }

    Totals plus(Totals o) { return new Totals(tensors + o.tensors, parameters + o.parameters, bytes + o.bytes); }

    Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("tensors", (long) tensors);
        m.put("parameters", parameters);
        m.put("bytes", bytes);
        return m;
    }
}
