package jdiffusion.tools.inspect;

import jdiffusion.tensor.json.Json;
import jdiffusion.tensor.json.JsonException;
import jdiffusion.tools.CommandException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * A diffusers folder as inspect reads it: {@code model_index.json} (pipeline class and components), each component
 * folder's weights — the file the loader picks (F32 before {@code .fp16}, safetensors before {@code .bin}, a sharded
 * {@code *.index.json} as its shards) — and the scheduler config. A folder holding one component (a {@code vae/} with
 * its {@code config.json}) is read the same way.
 */
final class DiffusersFolder {
    private DiffusersFolder() {}

    /** Scheduler config keys worth a line: the ones that change what a sampler computes. */
    private static final List<String> SCHEDULER_KEYS = List.of("_class_name", "prediction_type", "beta_schedule", "beta_start", "beta_end",
            "num_train_timesteps", "timestep_spacing", "steps_offset", "rescale_betas_zero_snr", "clip_sample", "set_alpha_to_one");

    static ModelSummary read(Path folder) {
        Path index = folder.resolve("model_index.json");
        boolean pipeline = Files.isRegularFile(index) || Files.isDirectory(folder.resolve("unet"));
        if (!pipeline && !Files.isRegularFile(folder.resolve("config.json")))
            throw new CommandException(folder + ": is a folder but not a diffusers one (no model_index.json, unet/ or config.json); "
                    + "inspect takes a model file or a diffusers folder");
        List<ModelSummary.Part> parts = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        if (!pipeline) {
            String component = folder.toAbsolutePath().normalize().getFileName().toString();
            for (Path f : weights(folder, notes)) parts.add(new ModelSummary.Part(component, WeightFile.read(f)));
            String cls = String.valueOf(readJson(folder.resolve("config.json")).getOrDefault("_class_name", "?"));
            Identity id = cls.equals("AutoencoderKL") ? Identity.of(parts.getFirst().file()) // the VAE reader takes diffusers names too
                    : new Identity(FileKind.COMPONENT, "one component (" + cls + ") of a diffusers folder: open the folder that holds model_index.json", Map.of());
            if (id.kind() == FileKind.VAE) id = new Identity(FileKind.VAE, "a diffusers VAE folder (" + cls + "): pass it with --vae", id.details());
            return new ModelSummary(folder, "diffusers folder", id, parts, Map.of(), Map.of(), notes);
        }
        Map<String, Object> idx = Files.isRegularFile(index) ? readJson(index) : Map.of();
        for (String component : components(folder, idx)) {
            Path dir = folder.resolve(component);
            for (Path f : weights(dir, notes)) parts.add(new ModelSummary.Part(component, WeightFile.read(f)));
        }
        Path sched = folder.resolve("scheduler").resolve("scheduler_config.json");
        Map<String, Object> scheduler = new LinkedHashMap<>();
        if (Files.isRegularFile(sched)) {
            Map<String, Object> s = readJson(sched);
            for (String k : SCHEDULER_KEYS) if (s.containsKey(k)) scheduler.put(k.equals("_class_name") ? "class" : k, s.get(k));
        }
        return new ModelSummary(folder, "diffusers folder", Identity.checkpoint(FileKind.DIFFUSERS, folder, List.of()), parts, pipeline(idx), scheduler, notes);
    }

    /** A pipeline folder's component folders and the weight files the loader reads from each, in component order. */
    static Map<String, List<Path>> componentWeights(Path folder) {
        Path index = folder.resolve("model_index.json");
        Map<String, Object> idx = Files.isRegularFile(index) ? readJson(index) : Map.of();
        Map<String, List<Path>> out = new LinkedHashMap<>();
        for (String component : components(folder, idx)) out.put(component, weights(folder.resolve(component), new ArrayList<>()));
        return out;
    }

    /** model_index.json's class, version and components as {@code library.Class}. */
    private static Map<String, Object> pipeline(Map<String, Object> idx) {
        Map<String, Object> p = new LinkedHashMap<>();
        if (idx.isEmpty()) return p;
        p.put("class", idx.get("_class_name"));
        if (idx.containsKey("_diffusers_version")) p.put("diffusers_version", idx.get("_diffusers_version"));
        Map<String, Object> c = new LinkedHashMap<>();
        idx.forEach((k, v) -> {
            if (!k.startsWith("_") && v instanceof List<?> l && l.size() == 2 && l.get(0) != null && l.get(1) != null) c.put(k, l.get(0) + "." + l.get(1));
        });
        p.put("components", c);
        return p;
    }

    /** Subfolders holding weights: model_index.json's components first, then any other folder with a config.json. */
    private static List<String> components(Path folder, Map<String, Object> idx) {
        LinkedHashSet<String> names = new LinkedHashSet<>();
        idx.forEach((k, v) -> {
            if (!k.startsWith("_") && v instanceof List<?> l && l.size() == 2 && l.get(1) != null) names.add(k);
        });
        try (Stream<Path> s = Files.list(folder)) {
            s.filter(d -> Files.isRegularFile(d.resolve("config.json"))).map(d -> d.getFileName().toString()).sorted().forEach(names::add);
        } catch (IOException e) {
            throw new CommandException(folder + ": cannot list: " + e.getMessage(), e);
        }
        names.removeIf(n -> !Files.isDirectory(folder.resolve(n)) || weightCandidates(folder.resolve(n)).isEmpty());
        return names.stream().sorted(Comparator.comparingInt(ModelSummary::rank)).toList();
    }

    /**
     * The weight files the loader reads from a component folder, in its order of preference; other variants present
     * are noted. A sharded set is its index's shards.
     */
    static List<Path> weights(Path dir, List<String> notes) {
        TreeSet<String> present = weightCandidates(dir);
        List<String> preference = new ArrayList<>();
        for (String base : List.of("diffusion_pytorch_model", "model"))
            for (String variant : List.of("", ".fp16"))
                for (String ext : List.of(".safetensors", ".safetensors.index.json")) preference.add(base + variant + ext);
        for (String base : List.of("diffusion_pytorch_model", "pytorch_model"))
            for (String variant : List.of("", ".fp16"))
                for (String ext : List.of(".bin", ".bin.index.json")) preference.add(base + variant + ext);
        String chosen = preference.stream().filter(present::contains).findFirst().orElse(present.isEmpty() ? null : present.first());
        if (chosen == null) throw new CommandException(dir + ": no weights (diffusion_pytorch_model.safetensors, model.safetensors, *.bin...)");
        List<Path> files = chosen.endsWith(".index.json") ? shards(dir.resolve(chosen)) : List.of(dir.resolve(chosen));
        TreeSet<String> others = new TreeSet<>(present);
        others.remove(chosen);
        files.forEach(f -> others.remove(f.getFileName().toString()));
        others.removeIf(n -> isShardOfAnotherSet(n));
        if (!others.isEmpty()) notes.add(dir.getFileName() + "/: also holds " + String.join(", ", others) + " (not counted: the loader reads " + chosen + ")");
        return files;
    }

    private static boolean isShardOfAnotherSet(String name) { return name.matches(".*-\\d{5}-of-\\d{5}\\..*"); }

    private static TreeSet<String> weightCandidates(Path dir) {
        TreeSet<String> names = new TreeSet<>();
        if (!Files.isDirectory(dir)) return names;
        try (Stream<Path> s = Files.list(dir)) {
            s.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".safetensors") || n.endsWith(".bin") || n.endsWith(".ckpt") || n.endsWith(".pt") || n.endsWith(".index.json"))
                    .forEach(names::add);
        } catch (IOException e) {
            throw new CommandException(dir + ": cannot list: " + e.getMessage(), e);
        }
        return names;
    }

    /** The distinct shard files an index's {@code weight_map} names, in first-mention order. */
    private static List<Path> shards(Path index) {
        if (!(readJson(index).get("weight_map") instanceof Map<?, ?> map))
            throw new CommandException(index + ": shard index has no \"weight_map\"");
        LinkedHashSet<String> files = new LinkedHashSet<>();
        for (Object v : map.values()) files.add(String.valueOf(v));
        List<Path> out = new ArrayList<>();
        for (String f : files) {
            Path p = index.resolveSibling(f).normalize();
            if (!p.startsWith(index.getParent().normalize()))
                throw new CommandException(index + ": shard " + f + " lies outside the folder");
            out.add(p);
        }
        return out;
    }

    static Map<String, Object> readJson(Path file) {
        try {
            return Json.parseObject(Files.readString(file));
        } catch (IOException e) {
            throw new CommandException(file + ": cannot read: " + e.getMessage(), e);
        } catch (JsonException e) {
            throw new CommandException(file + ": not valid JSON: " + e.getMessage(), e);
        }
    }
}
