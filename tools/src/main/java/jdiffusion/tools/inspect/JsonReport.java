package jdiffusion.tools.inspect;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A {@link ModelSummary} as the JSON document {@code jsd inspect --json} prints; the keys are listed in the command's help. */
final class JsonReport {
    private JsonReport() {}

    static Map<String, Object> of(ModelSummary s, boolean tensors, Map<Path, Map<String, Object>> hashes) {
        Map<String, Object> m = new LinkedHashMap<>();
        boolean single = s.layout().equals("single file");
        WeightFile only = single ? s.parts().getFirst().file() : null;
        Totals total = s.total();
        m.put("path", s.path().toString());
        m.put("kind", s.identity().kind().id);
        m.put("description", s.identity().summary());
        m.put("layout", s.layout());
        m.put("format", single ? only.format() : "diffusers");
        m.put("file_bytes", s.fileBytes());
        if (single && only.headerBytes() >= 0) m.put("header_bytes", only.headerBytes());
        m.put("data_bytes", total.bytes());
        m.put("tensors", (long) total.tensors());
        m.put("parameters", total.parameters());
        m.put("components", totals(s.components()));
        Totals ema = s.ema();
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("present", ema.tensors() > 0);
        e.put("tensors", (long) ema.tensors());
        e.put("parameters", ema.parameters());
        m.put("ema", e);
        m.put("dtypes", totals(s.dtypes()));
        m.put("prefixes", totals(s.prefixes()));
        m.put("metadata", single ? only.metadata() : perFile(s));
        m.put("details", s.identity().details());
        if (!single) {
            m.put("pipeline", s.pipeline());
            m.put("scheduler", s.scheduler());
        }
        m.put("notes", s.notes());
        if (hashes != null && single) m.put("hashes", hashes.get(only.path()));
        m.put("files", files(s, hashes));
        if (tensors) m.put("tensor_list", tensorList(s));
        return m;
    }

    private static Map<String, Object> totals(Map<String, Totals> groups) {
        Map<String, Object> m = new LinkedHashMap<>();
        groups.forEach((k, v) -> m.put(k, v.toJson()));
        return m;
    }

    private static Map<String, Object> perFile(ModelSummary s) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (ModelSummary.Part p : s.parts()) if (!p.file().metadata().isEmpty()) m.put(relative(s, p.file().path()), p.file().metadata());
        return m;
    }

    private static List<Object> files(ModelSummary s, Map<Path, Map<String, Object>> hashes) {
        List<Object> out = new ArrayList<>();
        for (ModelSummary.Part p : s.parts()) {
            WeightFile f = p.file();
            Totals t = Totals.ZERO;
            for (TensorEntry x : f.tensors()) t = t.plus(x);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("path", f.path().toString());
            if (p.component() != null) m.put("component", p.component());
            m.put("format", f.format());
            m.put("file_bytes", f.fileBytes());
            if (f.headerBytes() >= 0) m.put("header_bytes", f.headerBytes());
            m.put("tensors", (long) t.tensors());
            m.put("parameters", t.parameters());
            if (hashes != null) m.put("hashes", hashes.get(f.path()));
            out.add(m);
        }
        return out;
    }

    private static List<Object> tensorList(ModelSummary s) {
        List<Object> out = new ArrayList<>();
        for (ModelSummary.Listed l : s.tensors()) {
            TensorEntry t = l.tensor();
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", t.name());
            m.put("component", l.component());
            m.put("dtype", t.dtype());
            m.put("shape", t.shape());
            m.put("bytes", t.bytes());
            if (t.offsets() != null) m.put("data_offsets", t.offsets());
            if (!s.layout().equals("single file")) m.put("file", relative(s, l.file().path()));
            out.add(m);
        }
        return out;
    }

    static String relative(ModelSummary s, Path file) {
        return s.path().equals(file) ? file.getFileName().toString() : s.path().relativize(file).toString();
    }
}
