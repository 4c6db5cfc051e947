package jdiffusion.tools.inspect;

import jdiffusion.tensor.Tensor;
import jdiffusion.tools.TextTable;
import jdiffusion.tools.plot.Charts;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code jsd inspect --stats}: every tensor's value statistics ({@link WeightStats}), the L2 norm of each block's weights
 * ({@link Blocks}), and for a LoRA the strength of its change per block ({@link LoraStrength}); {@code --plot DIR} draws
 * them. Values are streamed a chunk at a time, one pass for the statistics and one more for the histograms.
 */
final class WeightStatsReport {
    /** Bins per histogram. */
    static final int BINS = 200;

    record TensorStats(String component, String block, String name, String dtype, int[] shape, WeightStats stats) {}

    record BlockNorm(String component, String block, int tensors, long parameters, double norm) {}

    private final List<TensorStats> tensors;
    private final List<BlockNorm> blocks;
    private final List<LoraStrength.Module> loraModules;

    private WeightStatsReport(List<TensorStats> tensors, List<BlockNorm> blocks, List<LoraStrength.Module> loraModules) {
        this.tensors = tensors;
        this.blocks = blocks;
        this.loraModules = loraModules;
    }

    static WeightStatsReport gather(ModelSummary summary, Path plotDir) {
        boolean folder = Files.isDirectory(summary.path());
        List<TensorStats> list = new ArrayList<>();
        try (TensorSet set = TensorSet.open(summary.path())) {
            for (Map.Entry<String, Tensor> e : set.tensors().entrySet()) {
                String name = e.getKey(), component, key;
                if (folder && name.contains("/")) {
                    component = name.substring(0, name.indexOf('/'));
                    key = name.substring(name.lastIndexOf('/') + 1);
                } else {
                    component = summary.identity().kind().componentOf(name);
                    key = name;
                }
                boolean lora = summary.identity().kind() == FileKind.LORA;
                Tensor t = e.getValue();
                list.add(new TensorStats(component, lora ? Blocks.ofLoraModule(key.indexOf('.') < 0 ? key : key.substring(0, key.indexOf('.'))) : Blocks.of(key),
                        name, t.dtype().safetensorsName(), t.shape(), WeightStats.of(t)));
            }
            List<LoraStrength.Module> lora = summary.identity().kind() == FileKind.LORA && !folder ? LoraStrength.modules(summary.path()) : List.of();
            WeightStatsReport r = new WeightStatsReport(list, blockNorms(list), lora);
            if (plotDir != null) r.plot(set, plotDir);
            return r;
        }
    }

    private static List<BlockNorm> blockNorms(List<TensorStats> tensors) {
        Map<String, Map<String, double[]>> by = new TreeMap<>(Comparator.comparingInt(ModelSummary::rank).thenComparing(Comparator.naturalOrder()));
        for (TensorStats t : tensors) {
            if (!floating(t)) continue;
            double[] acc = by.computeIfAbsent(t.component(), c -> new TreeMap<>(Blocks.FLOW)).computeIfAbsent(t.block(), b -> new double[3]);
            acc[0]++;
            acc[1] += t.stats().count();
            acc[2] += t.stats().norm() * t.stats().norm();
        }
        List<BlockNorm> out = new ArrayList<>();
        by.forEach((c, m) -> m.forEach((b, acc) -> out.add(new BlockNorm(c, b, (int) acc[0], (long) acc[1], Math.sqrt(acc[2])))));
        return out;
    }

    private static boolean floating(TensorStats t) { return !t.dtype().startsWith("I") && !t.dtype().startsWith("U") && !t.dtype().equals("BOOL"); }

    // ---- text ----

    String text() {
        StringBuilder b = new StringBuilder();
        if (!loraModules.isEmpty()) {
            b.append("\nLoRA strength per block (Frobenius norm of the merged delta at multiplier 1; a block: of all its modules)\n");
            TextTable t = new TextTable(false, false, true, true);
            t.row("component", "block", "modules", "norm");
            for (LoraStrength.Block x : loraBlocks()) t.row(x.component(), x.block(), "" + x.modules(), number(x.norm()));
            b.append(t.render("  "));
        }
        b.append("\nblock norms (L2 norm of all the block's weights)\n");
        TextTable t = new TextTable(false, false, true, true, true);
        t.row("component", "block", "tensors", "parameters", "norm");
        for (BlockNorm x : blocks) t.row(x.component(), x.block(), "" + x.tensors(), jdiffusion.tools.Quantities.grouped(x.parameters()), number(x.norm()));
        b.append(t.render("  "));
        b.append("\ntensors\n");
        TextTable s = new TextTable(false, false, false, true, true, true, true, true, true, true);
        s.row("tensor", "dtype", "shape", "min", "max", "mean", "std", "zeros", "NaN", "Inf");
        for (TensorStats x : tensors) {
            WeightStats w = x.stats();
            s.row(x.name(), x.dtype(), Arrays.toString(x.shape()), number(w.min()), number(w.max()), number(w.mean()), number(w.std()),
                    "" + w.zeros(), "" + w.nan(), "" + w.inf());
        }
        b.append(s.render("  "));
        return b.toString();
    }

    List<LoraStrength.Block> loraBlocks() {
        List<LoraStrength.Block> blocks = new ArrayList<>(LoraStrength.blocks(loraModules));
        blocks.sort(Comparator.comparingInt((LoraStrength.Block x) -> ModelSummary.rank(x.component())).thenComparing(LoraStrength.Block::block, Blocks.FLOW));
        return blocks;
    }

    static String number(double v) {
        if (Double.isNaN(v)) return "nan";
        if (v == 0) return "0";
        return String.format(Locale.ROOT, "%.4g", v);
    }

    // ---- json ----

    Map<String, Object> json() {
        Map<String, Object> o = new LinkedHashMap<>();
        List<Object> bs = new ArrayList<>();
        for (BlockNorm x : blocks) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("component", x.component());
            m.put("block", x.block());
            m.put("tensors", (long) x.tensors());
            m.put("parameters", x.parameters());
            m.put("norm", x.norm());
            bs.add(m);
        }
        o.put("blocks", bs);
        if (!loraModules.isEmpty()) {
            List<Object> ls = new ArrayList<>();
            for (LoraStrength.Block x : loraBlocks()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("component", x.component());
                m.put("block", x.block());
                m.put("modules", (long) x.modules());
                m.put("norm", x.norm());
                ls.add(m);
            }
            o.put("lora_blocks", ls);
            List<Object> ms = new ArrayList<>();
            for (LoraStrength.Module x : loraModules) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("module", x.key());
                m.put("component", x.component());
                m.put("block", x.block());
                m.put("norm", x.norm());
                ms.add(m);
            }
            o.put("lora_modules", ms);
        }
        List<Object> ts = new ArrayList<>();
        for (TensorStats x : tensors) {
            WeightStats w = x.stats();
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", x.name());
            m.put("component", x.component());
            m.put("block", x.block());
            m.put("dtype", x.dtype());
            m.put("shape", Arrays.stream(x.shape()).mapToObj(v -> (long) v).toList());
            m.put("min", w.min());
            m.put("max", w.max());
            m.put("mean", w.mean());
            m.put("std", w.std());
            m.put("norm", w.norm());
            m.put("zeros", w.zeros());
            m.put("nan", w.nan());
            m.put("inf", w.inf());
            ts.add(m);
        }
        o.put("tensors", ts);
        return o;
    }

    // ---- plots ----

    /** {@code histogram-<component>.png}, {@code block-norms-<component>.png} and, for a LoRA, {@code lora-strength.png}. */
    private void plot(TensorSet set, Path dir) {
        Map<String, double[]> range = new LinkedHashMap<>();
        for (TensorStats t : tensors) {
            if (!floating(t) || Double.isNaN(t.stats().min())) continue;
            double[] r = range.computeIfAbsent(t.component(), c -> new double[]{Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY});
            r[0] = Math.min(r[0], t.stats().min());
            r[1] = Math.max(r[1], t.stats().max());
        }
        Map<String, long[]> counts = new LinkedHashMap<>();
        for (TensorStats t : tensors) {
            double[] r = range.get(t.component());
            if (!floating(t) || r == null) continue;
            long[] c = counts.computeIfAbsent(t.component(), x -> new long[BINS]);
            double lo = r[0], scale = r[1] > r[0] ? BINS / (r[1] - r[0]) : 0;
            TensorValues.forEachChunk(set.tensors().get(t.name()), (v, n, first) -> {
                for (int i = 0; i < n; i++) {
                    float x = v[i];
                    if (Float.isFinite(x)) c[Math.min(BINS - 1, (int) ((x - lo) * scale))]++;
                }
            });
        }
        counts.forEach((component, c) -> Charts.histogram(dir.resolve("histogram-" + component + ".png"),
                component + ": distribution of its weights", "value", range.get(component)[0], range.get(component)[1], c));
        Map<String, List<BlockNorm>> perComponent = new LinkedHashMap<>();
        for (BlockNorm x : blocks) perComponent.computeIfAbsent(x.component(), c -> new ArrayList<>()).add(x);
        perComponent.forEach((component, list) -> Charts.bars(dir.resolve("block-norms-" + component + ".png"),
                component + ": L2 norm of each block's weights", "norm", list.stream().map(BlockNorm::block).toList(),
                Map.of("norm", list.stream().map(BlockNorm::norm).toList())));
        if (!loraModules.isEmpty()) {
            List<LoraStrength.Block> lb = loraBlocks();
            Charts.bars(dir.resolve("lora-strength.png"), "LoRA strength per block (norm of the merged delta)", "norm",
                    lb.stream().map(x -> x.component() + " " + x.block()).toList(), Map.of("delta norm", lb.stream().map(LoraStrength.Block::norm).toList()));
        }
    }
}
