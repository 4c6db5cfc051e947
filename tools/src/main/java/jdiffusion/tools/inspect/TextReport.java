package jdiffusion.tools.inspect;

import jdiffusion.tensor.json.Json;
import jdiffusion.tools.Quantities;
import jdiffusion.tools.TextTable;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

/** A {@link ModelSummary} as the text {@code jsd inspect} prints: facts, totals tables, metadata, then the loader's view. */
final class TextReport {
    /** Metadata values longer than this are cut (kohya LoRAs carry whole JSON documents there). */
    private static final int METADATA_TEXT_LIMIT = 120;

    private TextReport() {}

    static String of(ModelSummary s, boolean tensors, Map<Path, Map<String, Object>> hashes) {
        StringBuilder b = new StringBuilder();
        if (tensors) b.append(tensorTable(s)).append('\n');
        boolean single = s.layout().equals("single file");
        WeightFile only = single ? s.parts().getFirst().file() : null;
        Totals total = s.total();
        TextTable facts = new TextTable(false, false);
        facts.row(single ? "file" : "folder", s.path().toString());
        facts.row("kind", s.identity().kind().id + ": " + s.identity().summary());
        facts.row("format", single ? only.format() : "diffusers folder, " + s.parts().size() + " weight file(s)");
        if (!s.pipeline().isEmpty()) facts.row("pipeline", s.pipeline().get("class")
                + (s.pipeline().containsKey("diffusers_version") ? " (diffusers " + s.pipeline().get("diffusers_version") + ")" : ""));
        String header = single && only.headerBytes() >= 0 ? "; header " + Quantities.bytes(only.headerBytes()) : "";
        facts.row("size", Quantities.bytes(s.fileBytes()) + " (" + Quantities.grouped(s.fileBytes()) + " bytes" + header + ")");
        facts.row("tensors", Quantities.grouped(total.tensors()));
        facts.row("parameters", Quantities.count(total.parameters()) + " (" + Quantities.grouped(total.parameters()) + ")");
        Totals ema = s.ema();
        facts.row("ema", ema.tensors() == 0 ? "none" : ema.tensors() + " EMA tensors (model_ema.*), " + Quantities.count(ema.parameters())
                + " parameters; jsd loads the non-EMA weights, as the WebUI does");
        b.append(facts.render(""));
        b.append('\n').append(totals("component", s.components()));
        b.append('\n').append(totals("dtype", s.dtypes()));
        b.append('\n').append(totals("prefix", s.prefixes()));
        if (!single) b.append('\n').append(files(s, hashes));
        b.append('\n').append(metadata(s));
        if (!s.scheduler().isEmpty()) b.append("\nscheduler:\n").append(keyValues(s.scheduler()));
        if (s.pipeline().get("components") instanceof Map<?, ?> c && !c.isEmpty()) b.append("\npipeline components:\n").append(keyValues(c));
        if (single && hashes != null) b.append("\nhashes:\n").append(keyValues(hashes.get(only.path())));
        for (String note : s.notes()) b.append("\nnote: ").append(note).append('\n');
        if (!s.identity().details().isEmpty())
            b.append('\n').append(s.identity().kind() == FileKind.CHECKPOINT || s.identity().kind() == FileKind.DIFFUSERS ? "model" : s.identity().kind().id)
                    .append(":\n").append(keyValues(s.identity().details()));
        return b.toString();
    }

    private static String tensorTable(ModelSummary s) {
        TextTable t = new TextTable(false, false, false);
        for (ModelSummary.Listed l : s.tensors())
            t.row(printable(s.listedName(l), Integer.MAX_VALUE), l.tensor().dtype(), Arrays.toString(l.tensor().shape()));
        return t.render("");
    }

    private static String totals(String what, Map<String, Totals> groups) {
        TextTable t = new TextTable(false, true, true, true);
        t.row(what, "tensors", "parameters", "bytes");
        // integer tensors (position_ids) are buffers: a dash, not a misleading 0 parameters
        groups.forEach((k, v) -> t.row(k, Quantities.grouped(v.tensors()), v.parameters() == 0 ? "-" : Quantities.count(v.parameters()), Quantities.bytes(v.bytes())));
        return t.render("");
    }

    private static String files(ModelSummary s, Map<Path, Map<String, Object>> hashes) {
        TextTable t = new TextTable(false, false, true, true, false);
        t.row("file", "format", "tensors", "bytes", hashes == null ? "" : "AutoV2 / legacy / sha256");
        for (ModelSummary.Part p : s.parts()) {
            WeightFile f = p.file();
            String h = "";
            if (hashes != null) {
                Map<String, Object> x = hashes.get(f.path());
                h = x.get("autov2") + " " + x.get("legacy") + " " + x.get("sha256");
            }
            t.row(JsonReport.relative(s, f.path()), f.format(), Quantities.grouped(f.tensors().size()), Quantities.bytes(f.fileBytes()), h);
        }
        return t.render("");
    }

    private static String metadata(ModelSummary s) {
        TextTable m = new TextTable(false, false);
        int n = 0;
        boolean single = s.parts().size() == 1;
        for (ModelSummary.Part p : s.parts()) {
            String prefix = single ? "" : JsonReport.relative(s, p.file().path()) + ": ";
            for (Map.Entry<String, Object> e : p.file().metadata().entrySet()) {
                String v = e.getValue() instanceof String str ? str : Json.write(e.getValue());
                m.row(printable(prefix + e.getKey(), 80) + ":", printable(v, METADATA_TEXT_LIMIT));
                n++;
            }
        }
        return n == 0 ? "metadata: none\n" : "metadata (" + n + "):\n" + m.render("  ");
    }

    private static String keyValues(Map<?, ?> values) {
        TextTable m = new TextTable(false, false);
        values.forEach((k, v) -> m.row(String.valueOf(k), printable(v instanceof String str ? str : Json.write(v), 400)));
        return m.render("  ");
    }

    /** One terminal-safe line: control characters escaped, long values cut with their full length noted. */
    static String printable(String s, int limit) {
        StringBuilder b = new StringBuilder();
        int i = 0;
        for (; i < s.length() && b.length() <= limit; i++) {
            char c = s.charAt(i);
            if (c == '\n') b.append("\\n");
            else if (c == '\t') b.append("\\t");
            else if (c < 0x20 || c == 0x7f) b.append(String.format("\\x%02x", (int) c));
            else b.append(c);
        }
        if (i < s.length() || b.length() > limit)
            return b.substring(0, Math.min(limit, b.length())) + "... (" + Quantities.grouped(s.length()) + " chars)";
        return b.toString();
    }
}
