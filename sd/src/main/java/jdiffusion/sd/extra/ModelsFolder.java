package jdiffusion.sd.extra;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A WebUI folder tree taken as it is: {@code models/Stable-diffusion}, {@code models/VAE}, {@code models/Lora} (and
 * {@code models/LyCORIS}), {@code models/hypernetworks}, {@code embeddings/} and {@code wildcards/} (or the wildcards
 * extension's own folder). The root may be the WebUI folder or its {@code models/} folder. As in the WebUI, a file is
 * known by its name without extension, wherever it sits below its kind's folder; when two share a name the first in
 * path order wins.
 */
public final class ModelsFolder {
    /** What a file is, where the WebUI keeps it and which extensions it reads. */
    public enum Kind {
        CHECKPOINT("checkpoint", List.of("models/Stable-diffusion"), List.of(".safetensors", ".ckpt")),
        VAE("VAE", List.of("models/VAE"), List.of(".safetensors", ".pt", ".ckpt")),
        LORA("LoRA", List.of("models/Lora", "models/LyCORIS"), List.of(".safetensors", ".pt", ".ckpt")),
        HYPERNETWORK("hypernetwork", List.of("models/hypernetworks"), List.of(".pt", ".safetensors")),
        EMBEDDING("embedding", List.of("embeddings"), List.of(".pt", ".safetensors", ".bin")),
        WILDCARD("wildcard", List.of("wildcards", "extensions/stable-diffusion-webui-wildcards/wildcards"), List.of(".txt")),
        ESRGAN("ESRGAN upscaler", List.of("models/ESRGAN"), List.of(".pt", ".pth", ".safetensors")),
        REALESRGAN("RealESRGAN upscaler", List.of("models/RealESRGAN"), List.of(".pth", ".safetensors")),
        SWINIR("SwinIR upscaler", List.of("models/SwinIR"), List.of(".pt", ".pth", ".ckpt", ".safetensors"));

        private final String label;
        private final List<String> folders;
        private final List<String> extensions;

        Kind(String label, List<String> folders, List<String> extensions) {
            this.label = label;
            this.folders = folders;
            this.extensions = extensions;
        }

        public String label() { return label; }

        public List<String> folders() { return folders; }
    }

    private final Path root;
    private final Map<Kind, Map<String, Path>> index = new LinkedHashMap<>();

    private ModelsFolder(Path root) { this.root = root; }

    /** The WebUI root {@code dir}, or the root above it when {@code dir} is its {@code models/} folder. */
    public static ModelsFolder of(Path dir) {
        if (!Files.isDirectory(dir)) throw new ExtraNetworkException(dir + ": no such folder (--models-dir wants a WebUI folder holding models/, embeddings/ ...)");
        Path root = dir;
        if (!Files.isDirectory(dir.resolve("models")) && dir.getFileName() != null
                && dir.getFileName().toString().equals("models") && dir.getParent() != null)
            root = dir.getParent();
        return new ModelsFolder(root);
    }

    public Path root() { return root; }

    /**
     * The file called {@code name} (no extension; a {@code sub/name} path also works), if any. A name not in the
     * index makes the kind's folders be listed again first, as the WebUI's LoRA loader does, so a file added while
     * running is found without an explicit refresh.
     */
    public synchronized Optional<Path> find(Kind kind, String name) {
        Optional<Path> known = lookup(kind, name);
        if (known.isPresent() || !index.containsKey(kind)) return known;
        index.remove(kind);
        return lookup(kind, name);
    }

    private Optional<Path> lookup(Kind kind, String name) {
        Map<String, Path> all = all(kind);
        Path p = all.get(name);
        if (p == null) p = all.get(name.toLowerCase(Locale.ROOT));
        if (p == null && (name.contains("/") || name.contains("\\"))) {
            for (String folder : kind.folders) {
                for (String ext : kind.extensions) {
                    Path candidate = root.resolve(folder).resolve(name + ext);
                    if (Files.isRegularFile(candidate)) return Optional.of(candidate);
                }
            }
        }
        return Optional.ofNullable(p);
    }

    /** Every file of {@code kind} by name, also under its lower-cased name as a fallback for look-ups. */
    public synchronized Map<String, Path> all(Kind kind) {
        Map<String, Path> known = index.get(kind);
        if (known != null) return known;
        Map<String, Path> files = files(kind);
        Map<String, Path> withLower = new LinkedHashMap<>(files);
        for (Map.Entry<String, Path> e : files.entrySet()) withLower.putIfAbsent(e.getKey().toLowerCase(Locale.ROOT), e.getValue());
        known = Collections.unmodifiableMap(withLower);
        index.put(kind, known);
        return known;
    }

    /** Every file of {@code kind} once, by name, listed from disk now; the first in path order wins a shared name. */
    public Map<String, Path> files(Kind kind) {
        Map<String, Path> found = new LinkedHashMap<>();
        for (String folder : kind.folders) {
            Path dir = root.resolve(folder);
            if (!Files.isDirectory(dir)) continue;
            List<Path> files = new ArrayList<>();
            try (Stream<Path> s = Files.walk(dir)) {
                s.filter(Files::isRegularFile).filter(p -> hasExtension(p, kind.extensions)).sorted().forEach(files::add);
            } catch (IOException e) {
                throw new UncheckedIOException(dir + ": cannot list: " + e.getMessage(), e);
            }
            for (Path f : files) found.putIfAbsent(stem(f), f);
        }
        return Collections.unmodifiableMap(found);
    }

    /** Forgets what was listed, so files added since are seen (the WebUI's "refresh"). */
    public synchronized void refresh() { index.clear(); }

    private static boolean hasExtension(Path p, List<String> extensions) {
        String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
        for (String e : extensions) if (n.endsWith(e)) return true;
        return false;
    }

    /** The WebUI's name of a file: its name without the last extension. */
    public static String stem(Path p) {
        String n = p.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return dot > 0 ? n.substring(0, dot) : n;
    }
}
