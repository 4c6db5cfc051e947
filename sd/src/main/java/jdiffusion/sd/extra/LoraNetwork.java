package jdiffusion.sd.extra;

import jdiffusion.tensor.Tensor;
import jdiffusion.tensor.ckpt.CheckpointException;
import jdiffusion.tensor.ckpt.CheckpointFiles;
import jdiffusion.tensor.ckpt.ModelHash;
import jdiffusion.tensor.ckpt.TensorFile;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * A LoRA/LyCORIS file bound to one base model: for each of its modules the model layer it patches and the
 * {@link WeightDelta} it adds. Keys are kohya's, {@code <lora_unet_|lora_te_><module path with _>.<parameter>}, with
 * the module path in diffusers or ldm form, and the parameters of one of these kinds:
 * <ul>
 *   <li>LoRA / LoCon: {@code lora_down.weight}, {@code lora_up.weight}, {@code alpha};</li>
 *   <li>LoHa: {@code hada_w1_a}, {@code hada_w1_b}, {@code hada_w2_a}, {@code hada_w2_b}, {@code alpha};</li>
 *   <li>LoKr: {@code lokr_w1} or {@code lokr_w1_a/b}, {@code lokr_w2} or {@code lokr_w2_a/b}, {@code alpha};</li>
 *   <li>full: {@code diff}.</li>
 * </ul>
 * The factors are read once, as F32, when the file is loaded; the deltas are computed when a patched weight is asked
 * for ({@link PatchedWeights}).
 */
public final class LoraNetwork {
    /** One patched layer. {@code key} is the file's module name. */
    public record Module(NetworkTarget target, String layer, String key, WeightDelta delta) {}

    private final String name;
    private final Path path;
    private final List<Module> modules;
    private final List<String> unmatched;
    private String shorthash;

    private LoraNetwork(String name, Path path, List<Module> modules, List<String> unmatched) {
        this.name = name;
        this.path = path;
        this.modules = List.copyOf(modules);
        this.unmatched = List.copyOf(unmatched);
    }

    public String name() { return name; }

    public Path path() { return path; }

    public List<Module> modules() { return modules; }

    /** File module names no layer of the model matched (the WebUI skips them too); empty when all matched. */
    public List<String> unmatched() { return unmatched; }

    /**
     * The WebUI's short hash for "Lora hashes": the first 12 hex digits of the file's addnet hash (SHA-256 of the
     * tensor data after the header) for safetensors, of the whole file's SHA-256 otherwise. Computed once.
     */
    public synchronized String shorthash() {
        if (shorthash == null) {
            boolean safetensors = path.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".safetensors");
            shorthash = (safetensors ? ModelHash.addNet(path) : ModelHash.sha256(path)).substring(0, 12);
        }
        return shorthash;
    }

    /** Loads {@code file} (.safetensors, or .pt/.ckpt through the safe unpickler) for {@code model}, named by its file stem. */
    public static LoraNetwork load(Path file, ModelModules model) { return load(file, ModelsFolder.stem(file), model); }

    public static LoraNetwork load(Path file, String name, ModelModules model) {
        TensorFile f = open(file);
        try (f) {
            return bind(file, name, groups(file, f), model);
        }
    }

    /**
     * Every module's delta keyed by the file's module name, without a base model to bind to (for tools that describe
     * a LoRA, such as the per-block strength of {@code jsd inspect --stats}). Modules of unknown kinds are refused as
     * {@link #load} refuses them; names without a module part are skipped.
     */
    public static Map<String, WeightDelta> deltas(Path file) {
        TensorFile f = open(file);
        try (f) {
            Map<String, WeightDelta> out = new LinkedHashMap<>();
            groups(file, f).forEach((key, params) -> out.put(key, delta(file, key, params)));
            return out;
        }
    }

    private static TensorFile open(Path file) {
        try {
            return CheckpointFiles.open(file);
        } catch (CheckpointException e) {
            throw new ExtraNetworkException("LoRA " + e.getMessage(), e);
        }
    }

    /** Module name to its parameters, in file order; SDXL's two text encoders refused here for a clear message. */
    private static Map<String, Map<String, Tensor>> groups(Path file, TensorFile f) {
        Map<String, Map<String, Tensor>> groups = new LinkedHashMap<>();
        TreeSet<String> foreign = new TreeSet<>();
        for (Map.Entry<String, Tensor> e : f.tensors().entrySet()) {
            String key = e.getKey();
            int dot = key.indexOf('.');
            if (dot < 0) {
                foreign.add(key);
                continue;
            }
            groups.computeIfAbsent(key.substring(0, dot), k -> new LinkedHashMap<>()).put(key.substring(dot + 1), e.getValue());
        }
        if (groups.isEmpty())
            throw new ExtraNetworkException(file + ": holds no LoRA tensors (kohya names such as lora_unet_..._to_q.lora_down.weight)"
                    + (foreign.isEmpty() ? "" : "; it has " + foreign.stream().limit(4).toList()));
        return groups;
    }

    private static LoraNetwork bind(Path file, String name, Map<String, Map<String, Tensor>> groups, ModelModules model) {
        List<Module> modules = new ArrayList<>();
        List<String> unmatched = new ArrayList<>();
        List<String> mismatched = new ArrayList<>();
        boolean sdxlTextEncoders = false;
        int contextIn = 0;
        for (Map.Entry<String, Map<String, Tensor>> g : groups.entrySet()) {
            String key = g.getKey();
            if (key.startsWith("lora_te1_") || key.startsWith("lora_te2_")) {
                sdxlTextEncoders = true;
                continue;
            }
            NetworkTarget target;
            String path;
            if (key.startsWith("lora_unet_")) {
                target = NetworkTarget.UNET;
                path = key.substring("lora_unet_".length());
            } else if (key.startsWith("lora_te_")) {
                target = NetworkTarget.TEXT_ENCODER;
                path = key.substring("lora_te_".length());
            } else {
                unmatched.add(key);
                continue;
            }
            WeightDelta delta = delta(file, key, g.getValue());
            if (target == NetworkTarget.UNET && path.endsWith("attn2_to_k") && delta instanceof WeightDelta.LowRank lr)
                contextIn = lr.down().columns();
            String layer = model.resolve(target, path);
            Tensor weight = layer == null ? null : model.weight(target, layer);
            if (weight == null) {
                unmatched.add(key);
                continue;
            }
            if (delta.numel() != weight.numel() || delta.outFeatures() != weight.size(0)) {
                mismatched.add(key + " changes " + delta.outFeatures() + "x" + (delta.numel() / delta.outFeatures()) + " values, the model's "
                        + layer + " is " + Arrays.toString(weight.shape()));
                continue;
            }
            modules.add(new Module(target, layer, key, delta));
        }
        String base = "LoRA " + file + " does not fit model " + model.describe() + ": ";
        if (sdxlTextEncoders)
            throw new ExtraNetworkException(base + "it is an SDXL LoRA (lora_te1_/lora_te2_ keys for SDXL's two text encoders); use an SD 1.x/2.x LoRA");
        String made = contextIn == 2048 ? "it was made for SDXL" : contextIn == 1024 ? "it was made for SD 2.x"
                : contextIn == 768 ? "it was made for SD 1.x" : "it was made for another base model";
        if (!mismatched.isEmpty()) {
            throw new ExtraNetworkException(base + made + " (" + mismatched.size() + " layer(s) have other shapes, e.g. " + mismatched.getFirst() + ")");
        }
        if (modules.isEmpty())
            throw new ExtraNetworkException(base + "none of its " + groups.size() + " module(s) matches a layer of the model (e.g. "
                    + groups.keySet().stream().limit(3).toList() + "); " + (contextIn > 0 ? made : "it is for another model type or not a kohya/LyCORIS LoRA"));
        return new LoraNetwork(name, file, modules, unmatched);
    }

    /** The delta of one module from its parameters; an unknown parameter set is refused with its names. */
    private static WeightDelta delta(Path file, String key, Map<String, Tensor> p) {
        Float alpha = p.containsKey("alpha") ? p.get("alpha").toFloatArray()[0] : null;
        if (p.containsKey("lora_up.weight") && p.containsKey("lora_down.weight")) {
            if (p.containsKey("lora_mid.weight"))
                throw unsupported(file, key, p, "LoCon with a Tucker middle factor (lora_mid)");
            if (p.containsKey("dora_scale")) throw unsupported(file, key, p, "DoRA (dora_scale)");
            WeightDelta.Factor up = factor(p.get("lora_up.weight")), down = factor(p.get("lora_down.weight"));
            if (up.columns() != down.rows())
                throw new ExtraNetworkException(file + ": module " + key + " has lora_up " + up + " and lora_down " + down
                        + " of different ranks: the file is damaged");
            return new WeightDelta.LowRank(up, down, alpha);
        }
        if (p.containsKey("hada_w1_a")) {
            if (p.containsKey("hada_t1") || p.containsKey("hada_t2")) throw unsupported(file, key, p, "LoHa with Tucker factors (hada_t1/hada_t2)");
            for (String n : List.of("hada_w1_b", "hada_w2_a", "hada_w2_b")) if (!p.containsKey(n)) throw incomplete(file, key, n);
            return new WeightDelta.Hadamard(factor(p.get("hada_w1_a")), factor(p.get("hada_w1_b")), factor(p.get("hada_w2_a")),
                    factor(p.get("hada_w2_b")), alpha);
        }
        if (p.containsKey("lokr_w1") || p.containsKey("lokr_w1_a")) {
            if (p.containsKey("lokr_t2")) throw unsupported(file, key, p, "LoKr with a Tucker factor (lokr_t2)");
            boolean w1Full = p.containsKey("lokr_w1"), w2Full = p.containsKey("lokr_w2");
            if (!w1Full && !p.containsKey("lokr_w1_b")) throw incomplete(file, key, "lokr_w1_b");
            if (!w2Full && !(p.containsKey("lokr_w2_a") && p.containsKey("lokr_w2_b"))) throw incomplete(file, key, "lokr_w2 or lokr_w2_a/lokr_w2_b");
            return new WeightDelta.Kronecker(w1Full ? factor(p.get("lokr_w1")) : null,
                    w1Full ? null : factor(p.get("lokr_w1_a")), w1Full ? null : factor(p.get("lokr_w1_b")),
                    w2Full ? factor(p.get("lokr_w2")) : null,
                    w2Full ? null : factor(p.get("lokr_w2_a")), w2Full ? null : factor(p.get("lokr_w2_b")), alpha);
        }
        if (p.containsKey("diff")) return new WeightDelta.Full(factor(p.get("diff")));
        throw unsupported(file, key, p, "an unknown network type");
    }

    private static WeightDelta.Factor factor(Tensor t) {
        int[] shape = t.rank() == 0 ? new int[] {1} : t.shape();
        return new WeightDelta.Factor(t.toFloatArray(), shape);
    }

    private static ExtraNetworkException unsupported(Path file, String key, Map<String, Tensor> p, String what) {
        return new ExtraNetworkException(file + ": module " + key + " is " + what + " (parameters " + p.keySet()
                + "), which is not supported: LoRA/LoCon, LoHa, LoKr and full diffs are");
    }

    private static ExtraNetworkException incomplete(Path file, String key, String missing) {
        return new ExtraNetworkException(file + ": module " + key + " lacks " + missing + ": the file is incomplete or damaged");
    }

    @Override public String toString() { return "LoraNetwork[" + name + ", " + modules.size() + " modules]"; }
}
