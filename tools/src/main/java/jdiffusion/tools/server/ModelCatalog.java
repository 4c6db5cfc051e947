package jdiffusion.tools.server;

import jdiffusion.sd.extra.ModelsFolder;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * What the server can load, found as the WebUI finds it under its folder: checkpoints in
 * {@code models/Stable-diffusion} (files and diffusers folders), VAEs in {@code models/VAE}, LoRAs in
 * {@code models/Lora} and {@code models/LyCORIS}, embeddings in {@code embeddings/}. A folder without
 * {@code models/} is taken as a checkpoint folder itself; a single {@code --model} file is a catalog of one.
 * Folders are listed afresh on every call, so files added while the server runs show up (the WebUI's "refresh").
 */
final class ModelCatalog {
    /** A checkpoint by the WebUI's names: {@code name} is its path below the checkpoint folder, {@code modelName} without extension. */
    record Checkpoint(String name, String modelName, Path path, Path config) {}

    /** A LoRA, VAE or embedding: the file's name without extension and its path. */
    record Entry(String name, Path path) {}

    private static final List<String> CHECKPOINT_EXT = List.of(".safetensors", ".ckpt");

    private final Path root;
    private final Path single;
    private final ModelsFolder networks;
    private final ConcurrentHashMap<Path, String> hashes = new ConcurrentHashMap<>();

    /**
     * @param root   a WebUI folder (or its {@code models/} folder, or a plain folder of checkpoints); may be null
     * @param single one checkpoint given directly; may be null
     */
    ModelCatalog(Path root, Path single) {
        if (root == null && single == null) throw new IllegalArgumentException("a models folder or a model is needed");
        // the WebUI's own models/ folder stands for the WebUI folder; any other folder is taken as it is
        this.root = root != null && root.getFileName() != null && root.getFileName().toString().equals("models")
                && Files.isDirectory(root.resolve("Stable-diffusion")) && root.getParent() != null ? root.getParent() : root;
        this.single = single;
        this.networks = this.root != null && Files.isDirectory(this.root) ? ModelsFolder.of(this.root) : null;
    }

    private Path checkpointDir() {
        if (root == null) return null;
        Path webui = root.resolve("models").resolve("Stable-diffusion");
        return Files.isDirectory(webui) ? webui : root;
    }

    /** Every checkpoint, the {@code --model} one first. */
    List<Checkpoint> checkpoints() {
        List<Checkpoint> out = new ArrayList<>();
        if (single != null) out.add(checkpoint(single.toAbsolutePath().getParent(), single.toAbsolutePath()));
        Path dir = checkpointDir();
        if (dir != null) {
            boolean webui = !dir.equals(root);
            List<Path> diffusersRoots = new ArrayList<>();
            for (Path p : walk(dir, webui ? Integer.MAX_VALUE : 1)) {
                if (diffusersRoots.stream().anyMatch(p::startsWith)) continue;
                boolean diffusers = Files.isDirectory(p) && Files.isRegularFile(p.resolve("model_index.json"));
                boolean file = Files.isRegularFile(p) && hasExtension(p, CHECKPOINT_EXT) && !p.getFileName().toString().contains(".vae.");
                if ((diffusers || file) && (single == null || !p.toAbsolutePath().equals(single.toAbsolutePath())))
                    out.add(checkpoint(dir, p));
                if (diffusers) diffusersRoots.add(p);
            }
        }
        return out;
    }

    private static Checkpoint checkpoint(Path dir, Path p) {
        String name = dir.relativize(p).toString().replace('\\', '/');
        String modelName = Files.isDirectory(p) ? name.replace('/', '_') : stripExtension(name.replace('/', '_'));
        // a diffusers folder carries its configuration inside; a file may have an ldm .yaml beside it
        Path yaml = Files.isDirectory(p) ? null : p.resolveSibling(stripExtension(p.getFileName().toString()) + ".yaml");
        return new Checkpoint(name, modelName, p, yaml != null && Files.isRegularFile(yaml) ? yaml : null);
    }

    /** The WebUI's title: {@code name [shorthash]} once the hash is known, else the name. */
    String title(Checkpoint c) {
        String h = hashes.get(c.path());
        return h == null ? c.name() : c.name() + " [" + h + "]";
    }

    String shortHash(Checkpoint c) { return hashes.get(c.path()); }

    /** Remembers a checkpoint's short hash once a load has computed it. */
    void knowHash(Path path, String shortHash) {
        if (shortHash != null) hashes.put(path, shortHash);
    }

    /**
     * The checkpoint {@code name} refers to, by any of the WebUI's aliases: title, name (with or without extension),
     * model name, file name without extension, or short hash; a trailing {@code " [hash]"} is ignored.
     */
    Optional<Checkpoint> findCheckpoint(String name) {
        if (name == null || name.isBlank()) return Optional.empty();
        String key = name.strip();
        String bare = key.replaceFirst("\\s*\\[[0-9a-fA-F]{8,64}]$", "");
        List<Checkpoint> all = checkpoints();
        for (Checkpoint c : all) if (title(c).equals(key) || c.name().equals(bare) || c.modelName().equals(bare)) return Optional.of(c);
        for (Checkpoint c : all) {
            String h = hashes.get(c.path());
            if (stripExtension(c.path().getFileName().toString()).equals(bare) || (h != null && h.equalsIgnoreCase(bare)))
                return Optional.of(c);
        }
        // the models folder's own resolution: sub/name with extension, a hash not computed by a load yet, ...
        if (networks != null) {
            Optional<Path> p = networks.resolve(ModelsFolder.Kind.CHECKPOINT, key);
            if (p.isPresent()) {
                Path want = p.get().toAbsolutePath().normalize();
                for (Checkpoint c : all) if (c.path().toAbsolutePath().normalize().equals(want)) return Optional.of(c);
            }
        }
        return Optional.empty();
    }

    List<Entry> vaes() { return entries(ModelsFolder.Kind.VAE); }

    List<Entry> loras() { return entries(ModelsFolder.Kind.LORA); }

    List<Entry> hypernetworks() { return entries(ModelsFolder.Kind.HYPERNETWORK); }

    List<Entry> embeddings() { return entries(ModelsFolder.Kind.EMBEDDING); }

    /** The WebUI's refresh buttons: forget the listed LoRAs, VAEs, embeddings... (checkpoints are never cached). */
    void refresh() {
        if (networks != null) networks.refresh();
    }

    /** The folder generation looks LoRAs, embeddings, hypernetworks and wildcards up in, or null without one. */
    ModelsFolder networks() { return networks; }

    Optional<Entry> findVae(String name) {
        String bare = name.strip();
        for (Entry e : vaes())
            if (e.name().equals(bare) || e.path().getFileName().toString().equals(bare)) return Optional.of(e);
        return Optional.empty();
    }

    /** Listed afresh, and the look-up index forgotten, so what the lists show is what generation finds. */
    private List<Entry> entries(ModelsFolder.Kind kind) {
        if (networks == null) return List.of();
        networks.refresh();
        List<Entry> out = new ArrayList<>();
        networks.files(kind).forEach((name, path) -> out.add(new Entry(name, path)));
        return out;
    }

    private static List<Path> walk(Path dir, int depth) {
        if (dir == null || !Files.isDirectory(dir)) return List.of();
        try (Stream<Path> s = Files.walk(dir, depth)) {
            return s.filter(p -> !p.equals(dir)).sorted(Comparator.comparing(Path::toString)).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(dir + ": cannot list the folder: " + e.getMessage(), e);
        }
    }

    private static boolean hasExtension(Path p, List<String> extensions) {
        String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
        for (String e : extensions) if (n.endsWith(e)) return true;
        return false;
    }

    static String stripExtension(String name) {
        int dot = name.lastIndexOf('.');
        int slash = name.lastIndexOf('/');
        return dot > slash + 1 ? name.substring(0, dot) : name;
    }
}
