package jdiffusion.sd.extra;

import jdiffusion.tensor.Tensor;
import jdiffusion.tensor.ckpt.CheckpointException;
import jdiffusion.tensor.ckpt.CheckpointFiles;
import jdiffusion.tensor.ckpt.ModelHash;
import jdiffusion.tensor.ckpt.TensorFile;
import jdiffusion.tensor.ckpt.TorchCheckpoint;
import jdiffusion.tensor.json.Json;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A WebUI hypernetwork ({@code modules/hypernetworks/hypernetwork.py}, v1.10.1): for each context width it was trained
 * for (e.g. 768, 320, 640, 1280), two {@link HypernetworkModule}s that transform an attention layer's context before
 * its keys and before its values: {@code context_k = hn_k(context)}, {@code context_v = hn_v(context)} with
 * {@code hn(x) = x + mlp(x) * multiplier}. The WebUI applies this in every attention layer whose context has a trained
 * width: cross-attention (the text, 768 wide in SD 1.x) and self-attention (the image tokens, 320/640/1280 wide).
 *
 * <p>The {@code .pt} file is a pickled dict: {@code layer_structure} (default {@code [1, 2, 1]}),
 * {@code activation_func} (default none), {@code is_layer_norm}, {@code use_dropout}, {@code dropout_structure},
 * {@code last_layer_dropout}, {@code activate_output} (default true), {@code name}, and for each width an int key
 * holding {@code [state_dict_k, state_dict_v]} of {@code linear.N.weight/bias}. The same content may also be stored as
 * {@code .safetensors} with tensors {@code <width>.<0|1>.linear.N.weight} and those options as metadata strings
 * (JSON values).
 */
public final class Hypernetwork {
    /** The key and value modules for one context width. */
    public record Pair(HypernetworkModule keys, HypernetworkModule values) {}

    private final String name;
    private final Path path;
    private final Map<Integer, Pair> layers;
    private String shorthash;

    Hypernetwork(String name, Path path, Map<Integer, Pair> layers) {
        this.name = name;
        this.path = path;
        this.layers = Map.copyOf(layers);
    }

    public String name() { return name; }

    public Path path() { return path; }

    /** The modules for a context of width {@code dim}, or null when the network has none (that layer is left alone). */
    public Pair layers(int dim) { return layers.get(dim); }

    public java.util.Set<Integer> widths() { return new java.util.TreeSet<>(layers.keySet()); }

    /** The WebUI's hypernetwork short hash: first 10 hex digits of the file's SHA-256. */
    public synchronized String shorthash() {
        if (shorthash == null) shorthash = ModelHash.sha256(path).substring(0, 10);
        return shorthash;
    }

    /** Reads a {@code .pt} (through the safe unpickler) or {@code .safetensors} hypernetwork, named by its file stem. */
    public static Hypernetwork load(Path file) {
        TensorFile f;
        try {
            f = CheckpointFiles.open(file);
        } catch (CheckpointException e) {
            throw new ExtraNetworkException("hypernetwork " + e.getMessage(), e);
        }
        try (f) {
            Options options;
            Map<Integer, List<Map<String, Tensor>>> widths = new TreeMap<>();
            if (f instanceof TorchCheckpoint t && t.root() instanceof Map<?, ?> root) {
                options = Options.of(file, root::get);
                for (Map.Entry<?, ?> e : root.entrySet()) {
                    if (!(e.getKey() instanceof Long width)) continue;
                    if (!(e.getValue() instanceof List<?> pair) || pair.size() != 2)
                        throw new ExtraNetworkException(file + ": hypernetwork entry " + width + " is not a [keys, values] pair of state dicts");
                    List<Map<String, Tensor>> sds = new ArrayList<>();
                    for (Object sd : pair) sds.add(stateDict(file, width, sd));
                    widths.put(Math.toIntExact(width), sds);
                }
            } else {
                Map<String, Object> meta = f.metadata();
                options = Options.of(file, k -> meta.get(k) instanceof String s ? Json.parse(s) : null);
                for (Map.Entry<String, Tensor> e : f.tensors().entrySet()) {
                    String[] parts = e.getKey().split("\\.", 3);
                    if (parts.length != 3 || !parts[0].matches("\\d+") || !(parts[1].equals("0") || parts[1].equals("1")))
                        throw new ExtraNetworkException(file + ": tensor " + e.getKey() + " is not <width>.<0|1>.linear.N.weight/bias");
                    List<Map<String, Tensor>> sds = widths.computeIfAbsent(Integer.parseInt(parts[0]), k -> List.of(new LinkedHashMap<>(), new LinkedHashMap<>()));
                    sds.get(Integer.parseInt(parts[1])).put(parts[2], e.getValue());
                }
            }
            if (widths.isEmpty()) throw new ExtraNetworkException(file + ": holds no hypernetwork layers (int keys such as 768 with [keys, values] state dicts)");
            Map<Integer, Pair> layers = new LinkedHashMap<>();
            for (Map.Entry<Integer, List<Map<String, Tensor>>> e : widths.entrySet()) {
                int dim = e.getKey();
                layers.put(dim, new Pair(options.module(file, dim, e.getValue().get(0)), options.module(file, dim, e.getValue().get(1))));
            }
            return new Hypernetwork(ModelsFolder.stem(file), file, layers);
        }
    }

    private static Map<String, Tensor> stateDict(Path file, long width, Object sd) {
        if (!(sd instanceof Map<?, ?> m)) throw new ExtraNetworkException(file + ": hypernetwork entry " + width + " holds no state dict");
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : m.entrySet())
            if (e.getKey() instanceof String k && e.getValue() instanceof Tensor t) out.put(k, t);
        return out;
    }

    /** The structure options every module of a file shares. */
    private record Options(List<Double> structure, Activation activation, boolean layerNorm, List<Double> dropout, boolean activateOutput) {
        interface Lookup { Object get(String key); }

        static Options of(Path file, Lookup l) {
            List<Double> structure = numbers(l.get("layer_structure"), List.of(1.0, 2.0, 1.0));
            Object act = l.get("activation_func");
            boolean layerNorm = bool(l.get("is_layer_norm"), false);
            List<Double> dropout = l.get("dropout_structure") == null ? null : numbers(l.get("dropout_structure"), null);
            boolean useDropout = dropout != null && dropout.stream().anyMatch(d -> d != 0) || bool(l.get("use_dropout"), false);
            boolean activateOutput = bool(l.get("activate_output"), true);
            boolean lastLayerDropout = bool(l.get("last_layer_dropout"), false);
            if (dropout == null) dropout = dropoutStructure(structure, useDropout, lastLayerDropout);
            return new Options(structure, act instanceof String s ? Activation.parse(s, file.toString()) : null, layerNorm, dropout, activateOutput);
        }

        /** The WebUI's {@code parse_dropout_structure}. */
        static List<Double> dropoutStructure(List<Double> structure, boolean useDropout, boolean lastLayerDropout) {
            List<Double> d = new ArrayList<>();
            if (!useDropout) {
                for (int i = 0; i < structure.size(); i++) d.add(0.0);
                return d;
            }
            d.add(0.0);
            for (int i = 0; i < structure.size() - 3; i++) d.add(0.3);
            d.add(lastLayerDropout ? 0.3 : 0.0);
            d.add(0.0);
            return d;
        }

        HypernetworkModule module(Path file, int dim, Map<String, Tensor> sd) {
            Map<String, Tensor> state = new LinkedHashMap<>(sd);
            // the WebUI's fix_old_state_dict: the first files named their two linears linear1/linear2
            for (String[] r : new String[][] {{"linear1", "linear.0"}, {"linear2", "linear.1"}})
                for (String p : List.of(".weight", ".bias"))
                    if (state.containsKey(r[0] + p)) state.put(r[1] + p, state.remove(r[0] + p));
            List<HypernetworkModule.Layer> layers = new ArrayList<>();
            int index = 0, n = structure.size();
            for (int i = 0; i < n - 1; i++) {
                int in = (int) (dim * structure.get(i)), out = (int) (dim * structure.get(i + 1));
                Tensor w = tensor(file, dim, state, "linear." + index + ".weight", out, in);
                Tensor b = tensor(file, dim, state, "linear." + index + ".bias", out);
                layers.add(new HypernetworkModule.Linear(w, b));
                index++;
                if (activation != null && !(i >= n - 2 && !activateOutput)) {
                    layers.add(new HypernetworkModule.Activate(activation));
                    index++;
                }
                if (layerNorm) {
                    layers.add(new HypernetworkModule.Norm(tensor(file, dim, state, "linear." + index + ".weight", out),
                            tensor(file, dim, state, "linear." + index + ".bias", out)));
                    index++;
                }
                if (dropout.size() > i + 1 && dropout.get(i + 1) > 0) index++;
            }
            return new HypernetworkModule(dim, layers);
        }

        private static Tensor tensor(Path file, int dim, Map<String, Tensor> sd, String key, int... shape) {
            Tensor t = sd.get(key);
            if (t == null)
                throw new ExtraNetworkException(file + ": hypernetwork layer " + dim + " lacks " + key + " (has " + sd.keySet()
                        + "): its layer structure, activation or layer-norm options do not match its weights");
            if (!java.util.Arrays.equals(t.shape(), shape))
                throw new ExtraNetworkException(file + ": hypernetwork layer " + dim + " " + key + " has shape " + java.util.Arrays.toString(t.shape())
                        + ", its layer structure needs " + java.util.Arrays.toString(shape));
            // host F32: small, and the backend reads it every call
            return Tensor.of(t.toFloatArray(), shape);
        }

        private static List<Double> numbers(Object v, List<Double> fallback) {
            if (v == null) return fallback;
            if (!(v instanceof List<?> list)) throw new ExtraNetworkException("hypernetwork layer_structure/dropout_structure is not a list: " + v);
            List<Double> out = new ArrayList<>();
            for (Object o : list) {
                if (!(o instanceof Number num)) throw new ExtraNetworkException("hypernetwork structure entry is not a number: " + o);
                out.add(num.doubleValue());
            }
            return out;
        }

        private static boolean bool(Object v, boolean fallback) { return v instanceof Boolean b ? b : fallback; }
    }
}
