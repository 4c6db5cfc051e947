package jdiffusion.tools.diff;

import jdiffusion.tensor.Tensor;
import jdiffusion.tensor.json.Json;
import jdiffusion.tools.Arguments;
import jdiffusion.tools.Command;
import jdiffusion.tools.Options;
import jdiffusion.tools.TextTable;
import jdiffusion.tools.UsageException;
import jdiffusion.tools.inspect.TensorSet;
import jdiffusion.tools.inspect.TensorValues;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code jsd diff A B}: two weight files or folders compared tensor by tensor (see {@link TensorDiff}). Made for a
 * {@code jsd eval --dump-intermediates} output against a reference implementation's dump, and for checkpoints against
 * their conversions. Exit status 1 when anything differs by more than {@code --atol}, a shape differs, or a tensor is
 * on one side only.
 */
public final class DiffCommand implements Command {

    private static Options options() {
        return new Options()
                .positional("A", "a .safetensors/.ckpt/.pt/.bin file, a diffusers folder or a folder of dumps")
                .positional("B", "the same kinds, compared against A")
                .value("--atol", "X", "absolute tolerance: elements further apart than X count as different (default 0: exact)")
                .flag("--all", "list every compared tensor, not only those over the tolerance")
                .flag("--json", "print one JSON object instead of text");
    }

    @Override public String name() { return "diff"; }

    @Override public String summary() { return "compare two weight files or folders tensor by tensor: max abs/rel difference, cosine, first differing index"; }

    @Override public String help() {
        return "usage: jsd diff " + options().synopsis() + "\n\n"
                + "Compares the tensors of A and B by name: for each one in both, the largest absolute and relative difference\n"
                + "(|a-b| / max(|a|,|b|)), the cosine similarity and the first index differing by more than --atol, all in float32\n"
                + "(an F16 file compares with its F32 original); shapes or dtypes that differ; tensors only on one side. Folders: a\n"
                + "diffusers folder's tensors are named component/tensor (the weight file the loader picks); any other folder's\n"
                + "are named by each file's relative path without extension, then /tensor. Reads the files a chunk at a time, so\n"
                + "multi-GiB checkpoints need little memory. Exit status 0 when everything matches within --atol, 1 otherwise.\n\n"
                + "--json keys: a, b, atol, compared, over_atol, max_abs, only_in_a, only_in_b, shape_mismatch [{name, a_shape,\n"
                + "  b_shape, a_dtype, b_dtype}], tensors [{name, shape, a_dtype, b_dtype, max_abs, max_rel, cosine, first_diff\n"
                + "  (index list or null), elements_over_atol}] (all compared tensors).\n\n"
                + options().help();
    }

    /** One tensor in both files with the same element layout. */
    record Row(String name, int[] shape, String dtypeA, String dtypeB, TensorDiff diff) {}

    /** One tensor in both files whose shapes differ. */
    record Mismatch(String name, int[] shapeA, int[] shapeB, String dtypeA, String dtypeB) {}

    @Override public int run(List<String> args, PrintStream out, PrintStream err) {
        Arguments a = options().parse(args);
        double atol = a.doubleValue("--atol", 0);
        if (!(atol >= 0)) throw new UsageException("--atol must be a number of at least 0, got " + a.value("--atol", ""));
        Path pa = a.positionalPath(0, "A"), pb = a.positionalPath(1, "B");
        List<Row> rows = new ArrayList<>();
        List<Mismatch> mismatches = new ArrayList<>();
        List<String> onlyA = new ArrayList<>(), onlyB = new ArrayList<>();
        try (TensorSet sa = TensorSet.open(pa); TensorSet sb = TensorSet.open(pb)) {
            Map<String, Tensor> ta = sa.tensors(), tb = sb.tensors();
            for (Map.Entry<String, Tensor> e : ta.entrySet()) {
                Tensor x = e.getValue(), y = tb.get(e.getKey());
                if (y == null) { onlyA.add(e.getKey()); continue; }
                String da = x.dtype().safetensorsName(), db = y.dtype().safetensorsName();
                if (!Arrays.equals(x.shape(), y.shape())) mismatches.add(new Mismatch(e.getKey(), x.shape(), y.shape(), da, db));
                else rows.add(new Row(e.getKey(), x.shape(), da, db, TensorDiff.of(x, y, atol)));
            }
            for (String k : tb.keySet()) if (!ta.containsKey(k)) onlyB.add(k);
        }
        boolean differs = !onlyA.isEmpty() || !onlyB.isEmpty() || !mismatches.isEmpty() || rows.stream().anyMatch(r -> r.diff().over());
        if (a.flag("--json")) out.println(Json.writePretty(json(pa, pb, atol, rows, mismatches, onlyA, onlyB)));
        else out.print(text(pa, pb, atol, rows, mismatches, onlyA, onlyB, a.flag("--all")));
        return differs ? 1 : 0;
    }

    static String text(Path pa, Path pb, double atol, List<Row> rows, List<Mismatch> mismatches, List<String> onlyA, List<String> onlyB, boolean all) {
        StringBuilder b = new StringBuilder();
        long over = rows.stream().filter(r -> r.diff().over()).count();
        Row worst = rows.stream().max((x, y) -> Double.compare(x.diff().maxAbs(), y.diff().maxAbs())).orElse(null);
        b.append("A  ").append(pa).append('\n').append("B  ").append(pb).append('\n');
        b.append(String.format(Locale.ROOT, "%d tensor(s) in both: %d differ by more than atol %s", rows.size(), over, number(atol)));
        if (worst != null && worst.diff().maxAbs() > 0)
            b.append(", largest difference ").append(number(worst.diff().maxAbs())).append(" in ").append(worst.name());
        b.append('\n');
        List<Row> listed = rows.stream().filter(r -> all || r.diff().over()).toList();
        if (!listed.isEmpty()) {
            TextTable t = new TextTable(false, false, false, true, true, true, false);
            t.row("tensor", "shape", "dtype", "max abs", "max rel", "cosine", "first diff");
            for (Row r : listed) {
                TensorDiff d = r.diff();
                t.row(r.name(), Arrays.toString(r.shape()), r.dtypeA().equals(r.dtypeB()) ? r.dtypeA() : r.dtypeA() + "/" + r.dtypeB(),
                        number(d.maxAbs()), number(d.maxRel()), String.format(Locale.ROOT, "%.6f", d.cosine()),
                        d.firstDiff() < 0 ? "-" : TensorValues.index(d.firstDiff(), r.shape()));
            }
            b.append('\n').append(t.render(""));
        }
        if (!mismatches.isEmpty()) {
            b.append('\n').append(mismatches.size()).append(" shape(s) differ:\n");
            for (Mismatch m : mismatches)
                b.append("  ").append(m.name()).append("  ").append(m.dtypeA()).append(Arrays.toString(m.shapeA()))
                        .append(" vs ").append(m.dtypeB()).append(Arrays.toString(m.shapeB())).append('\n');
        }
        names(b, "only in A", onlyA);
        names(b, "only in B", onlyB);
        return b.toString();
    }

    private static void names(StringBuilder b, String title, List<String> names) {
        if (names.isEmpty()) return;
        b.append('\n').append(title).append(" (").append(names.size()).append("):\n");
        for (String n : names) b.append("  ").append(n).append('\n');
    }

    static Map<String, Object> json(Path pa, Path pb, double atol, List<Row> rows, List<Mismatch> mismatches, List<String> onlyA, List<String> onlyB) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("a", pa.toString());
        o.put("b", pb.toString());
        o.put("atol", atol);
        o.put("compared", (long) rows.size());
        o.put("over_atol", rows.stream().filter(r -> r.diff().over()).count());
        o.put("max_abs", rows.stream().mapToDouble(r -> r.diff().maxAbs()).max().orElse(0));
        o.put("only_in_a", onlyA);
        o.put("only_in_b", onlyB);
        List<Object> ms = new ArrayList<>();
        for (Mismatch m : mismatches) {
            Map<String, Object> x = new LinkedHashMap<>();
            x.put("name", m.name());
            x.put("a_shape", shape(m.shapeA()));
            x.put("b_shape", shape(m.shapeB()));
            x.put("a_dtype", m.dtypeA());
            x.put("b_dtype", m.dtypeB());
            ms.add(x);
        }
        o.put("shape_mismatch", ms);
        List<Object> ts = new ArrayList<>();
        for (Row r : rows) {
            Map<String, Object> x = new LinkedHashMap<>();
            TensorDiff d = r.diff();
            x.put("name", r.name());
            x.put("shape", shape(r.shape()));
            x.put("a_dtype", r.dtypeA());
            x.put("b_dtype", r.dtypeB());
            x.put("max_abs", d.maxAbs());
            x.put("max_rel", d.maxRel());
            x.put("cosine", d.cosine());
            x.put("first_diff", d.firstDiff() < 0 ? null : indexList(d.firstDiff(), r.shape()));
            x.put("elements_over_atol", d.overAtol());
            ts.add(x);
        }
        o.put("tensors", ts);
        return o;
    }

    private static List<Long> shape(int[] s) { return Arrays.stream(s).mapToObj(v -> (long) v).toList(); }

    private static List<Long> indexList(long flat, int[] shape) { return Arrays.stream(TensorValues.multiIndex(flat, shape)).boxed().toList(); }

    static String number(double v) {
        if (v == 0) return "0";
        if (Double.isNaN(v) || Double.isInfinite(v)) return String.valueOf(v);
        return String.format(Locale.ROOT, "%.3g", v);
    }
}
